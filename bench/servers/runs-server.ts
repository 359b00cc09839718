// Durable-runs bench server (issue 14). RUNS_IMPL picks the implementation:
//   sluice-memory  createRuns(createHub())
//   sluice-redis   createRuns(createRedisHub()) (REDIS_URL)
//   resumable-stream  Vercel's resumable-stream over Redis (node-redis clients), as its README
//                  shows: the producer's stream buffered in its memory, followers over pub/sub.
// POST /start?runs=R&tokens=T&interval=ms&delay=ms starts R runs (after `delay`, T tokens
// each, one every `interval` ms; a token's data is `<send time ms>|<index>`) and answers their ids; GET /run/{id}
// follows (sluice: Last-Event-ID; resumable-stream: ?skip=<characters already received>);
// GET /mem answers the heap and RSS after a GC (run with --expose-gc).
import { createClient } from 'redis';
import { createResumableStreamContext } from 'resumable-stream/redis';
import type { Hub, Runs } from '../../dist/index.js';

const dist = process.env.SLUICE_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Server, createHub, createRuns } = (await import(
  `${dist}/index.js`
)) as typeof import('../../dist/index.js');
const { createRedisHub } = (await import(
  `${dist}/hub/redis/index.js`
)) as typeof import('../../dist/hub/redis/index.js');

const impl = process.env.RUNS_IMPL ?? 'sluice-memory';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sluice-bench-runs:${process.pid}:`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let hub: Hub | undefined;
let runs: Runs | undefined;
let rs: ReturnType<typeof createResumableStreamContext> | undefined;
if (impl === 'resumable-stream') {
  const publisher = createClient({ url: redisUrl });
  const subscriber = createClient({ url: redisUrl });
  await Promise.all([publisher.connect(), subscriber.connect()]);
  rs = createResumableStreamContext({
    waitUntil: null,
    keyPrefix: prefix,
    publisher: publisher as never,
    subscriber: subscriber as never,
  });
} else {
  hub =
    impl === 'sluice-redis'
      ? createRedisHub({ url: redisUrl, prefix, publishTimeoutMs: 5000 })
      : createHub();
  runs = createRuns(hub, { maxTotalBytes: 1 << 30 });
}

const frame = (i: number): string => `id: ${i}\ndata: ${Date.now()}|${i}\n\n`;

async function startRun(tokens: number, interval: number, delay: number): Promise<string> {
  if (runs) {
    const run = await runs.start(async ({ token, signal }) => {
      await sleep(delay);
      for (let i = 0; i < tokens && !signal.aborted; i++) {
        await sleep(interval);
        await token(`${Date.now()}|${i}`);
      }
    });
    return run.id;
  }
  const id = `r${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const made = await rs!.resumableStream(
    id,
    () =>
      new ReadableStream<string>({
        async start(controller) {
          await sleep(delay);
          for (let i = 0; i < tokens; i++) {
            await sleep(interval);
            controller.enqueue(frame(i));
          }
          controller.close();
        },
      }),
  );
  // The producer's own stream: drained here (its request would read it).
  if (made) {
    void (async () => {
      const reader = made.getReader();
      while (!(await reader.read()).done);
    })();
  }
  return id;
}

const s = new Server();
s.setPort(Number(process.env.PORT ?? 3000));
s.post('/start', async (r) => {
  const n = Number(r.get('runs') ?? 1);
  const tokens = Number(r.get('tokens') ?? 100);
  const interval = Number(r.get('interval') ?? 20);
  const delay = Number(r.get('delay') ?? 0);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await startRun(tokens, interval, delay));
  return { ids };
});
s.get('/run/{id}', async (r) => {
  const id = String(r.get('id'));
  if (runs) return runs.follow(r, id, { heartbeat: 0 });
  const stream = await rs!.resumeExistingStream(id, Number(r.get('skip') ?? 0));
  if (!stream) {
    r.response.status = 204;
    return;
  }
  r.response.header().set('Content-Type', 'text/event-stream');
  await r.response.stream(stream);
});
s.get('/mem', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
});
await s.start();
console.log(`listening ${s.port}`);
