// The seed's first program (GoFrame < v2.4: the raw writer and http.Flusher), in Sluice.
// Run: node --import tsx examples/seed-raw-writer.ts, then: curl -N http://127.0.0.1:8999/
// SEED_COUNT, SEED_INTERVAL_MS and PORT shorten it for tests.
import { g } from '../src/index.js';

const count = Number(process.env.SEED_COUNT ?? 100);
const interval = Number(process.env.SEED_INTERVAL_MS ?? 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const s = g.server();
s.bindHandler('/', async (r) => {
  const rw = r.response.rawWriter();
  // Go needs `rw.(http.Flusher)` and http.Error when it fails; every Sluice raw writer can flush.
  if (typeof rw.flush !== 'function') {
    r.response.writeStatus(500, 'Streaming unsupported!');
    return;
  }
  r.response.header().set('Content-Type', 'text/event-stream');
  r.response.header().set('Cache-Control', 'no-cache');
  r.response.header().set('Connection', 'keep-alive');

  for (let i = 0; i < count; i++) {
    rw.write(`data: ${i}\n`); // throws ClientClosedError once the client is gone, like Fprintf's err
    await rw.flush();
    await sleep(interval);
  }
});
s.setPort(Number(process.env.PORT ?? 8999));
await s.run();
