// Sluice hub fan-out (issue 6, API.md §5–6): each client `es.subscribe(hub, topic)`, each
// event one `hub.publish(topic, { data })` (encoded once, written to every subscriber).
// SLUICE_HUB=redis runs the same server on createRedisHub (REDIS_URL, default
// redis://127.0.0.1:6379): every event then goes through XADD and the one XREAD loop.
import type { Hub } from '../../dist/index.js';
import { serveControl } from './_control.js';
// SLUICE_DIST: another build of Sluice to measure side by side (bench/run.ts BENCH_BEFORE).
const dist = process.env.SLUICE_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Server, createHub } = (await import(
  `${dist}/index.js`
)) as typeof import('../../dist/index.js');
const { createRedisHub } = (await import(
  `${dist}/hub/redis/index.js`
)) as typeof import('../../dist/hub/redis/index.js');

const port = Number(process.env.PORT ?? 3000);
const TOPIC = 'bench';
const hub: Hub =
  process.env.SLUICE_HUB === 'redis'
    ? createRedisHub({
        url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        prefix: `sluice-bench:${process.pid}:`,
        history: { maxEvents: 10_000 },
      })
    : createHub();
let subscribers = 0;

const s = new Server();
s.setPort(port);
// The idle-memory bench opens 20,000 connections: above the default cap of 15,000.
s.setConfig({ maxConnections: 50_000 });

s.bindHandler('GET:/sse', async (r) => {
  const es = r.response.sse();
  subscribers++;
  try {
    await es.subscribe(hub, TOPIC);
  } finally {
    subscribers--;
  }
});

serveControl({
  broadcast(payload) {
    hub.publish(TOPIC, { data: payload }).catch(() => {});
  },
  clients: () => subscribers,
});

await s.start();
console.log(`listening ${s.port}`);
