// The seed's second program (GoFrame >= v2.4), line by line in Sluice.
// Run: npm start, then: curl -N http://127.0.0.1:8999/
// SEED_COUNT, SEED_INTERVAL_MS and PORT shorten it for tests.
import { g } from '../src/index.js';

const count = Number(process.env.SEED_COUNT ?? 100);
const interval = Number(process.env.SEED_INTERVAL_MS ?? 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const s = g.server();
s.bindHandler('/', async (r) => {
  r.response.header().set('Content-Type', 'text/event-stream');
  r.response.header().set('Cache-Control', 'no-cache');
  r.response.header().set('Connection', 'keep-alive');

  for (let i = 0; i < count; i++) {
    r.response.writefln('data: %d', i);
    await r.response.flush();
    await sleep(interval);
  }
});
s.setPort(Number(process.env.PORT ?? 8999));
await s.run();
