// Sluice (API.md §4–5): the issue-4 broadcast, a plain loop calling es.send() on every open
// EventStream; /stream: write + await flush() per chunk (flush resolves on drain).
import type { EventStream } from '../../dist/index.js';
import { CHUNK, serveControl } from './_control.js';
// SLUICE_DIST: another build of Sluice to measure side by side (bench/run.ts BENCH_BEFORE).
const dist = process.env.SLUICE_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Server } = (await import(`${dist}/index.js`)) as typeof import('../../dist/index.js');

const port = Number(process.env.PORT ?? 3000);
const streams = new Set<EventStream>();

const s = new Server();
s.setPort(port);
// The idle-memory bench opens 20,000 connections: above the default cap of 15,000.
s.setConfig({ maxConnections: 50_000 });

s.bindHandler('GET:/sse', async (r) => {
  const es = r.response.sse();
  if (es.signal.aborted) return;
  streams.add(es);
  await new Promise<void>((resolve) =>
    es.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  streams.delete(es);
});

s.bindHandler('GET:/stream', async (r) => {
  r.response.header().set('content-type', 'application/octet-stream');
  for (;;) {
    r.response.write(CHUNK);
    if (!(await r.response.flush())) break;
  }
});

serveControl({
  broadcast(payload) {
    for (const es of streams) es.send(payload).catch(() => {});
  },
  clients: () => streams.size,
});

await s.start();
console.log(`listening ${s.port}`);
