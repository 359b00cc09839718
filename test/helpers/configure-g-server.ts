// Loaded with `--import` before an example program: configures `g.server()` from the
// environment, so the seed's programs run unchanged over HTTPS/h2 or h2c in the tests.
//   SLUICE_TEST_TLS_CERT / SLUICE_TEST_TLS_KEY   PEM files: the ports serve HTTPS (h2 by ALPN)
//   SLUICE_TEST_H2C=1                            plain ports accept HTTP/2 with prior knowledge
import { g } from '../../src/index.js';

const s = g.server();
const cert = process.env.SLUICE_TEST_TLS_CERT;
const key = process.env.SLUICE_TEST_TLS_KEY;
if (cert && key) s.enableHTTPS(cert, key);
if (process.env.SLUICE_TEST_H2C === '1') s.setConfig({ h2c: true });
