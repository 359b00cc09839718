// A throwaway self-signed certificate, made by the test with Debian's openssl (never a committed
// key): for HTTPS and h2 on 127.0.0.1 and localhost.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
  /** Removes the files. */
  remove(): void;
}

let cached: TestCert | undefined;

/** A certificate for `localhost` and `127.0.0.1`, valid for a day; one per test process. */
export function testCert(): TestCert {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const made: TestCert = {
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
    certFile,
    keyFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  process.once('exit', made.remove);
  return (cached = made);
}
