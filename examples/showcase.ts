// The Sluice showcase: `npm start`, then open http://127.0.0.1:8999/
//   /             what Sluice does better, with the server's own figures streamed live over SSE
//   /resume.html  resume after a dropped connection: a button makes the server destroy the
//                 page's socket; EventSource reconnects with Last-Event-ID and the hub replays
//                 what it missed, with no gap
//   /chat.html    a chat room over the hub; a tab that joins late sees the room's recent messages
//   /llm.html     an LLM answer as a durable run: reload mid-answer, open a second tab, Stop
//   /slow.html    a reader that stops reading is cut off at its backlog cap while the page's own
//                 stream of the same topic keeps flowing
//   /counter.html the seed's counter (0..99, one every 200 ms), framed as real SSE events
// Every demo page shows the server code that serves it: the regions of THIS file between
// `// #region <name>` and `// #endregion`, read when the server starts (GET /demo/source/<name>),
// so what the page shows is what runs.
//
// Plain HTML and JavaScript modules from examples/showcase/public (no bundler, no CDN), at most
// two streams per page (browsers allow six HTTP/1.1 connections per origin, across tabs).
//
// The hub is the embedded memory hub; with REDIS_URL set it is the Redis hub, so that two
// instances share the chat room and the runs (`npm run showcase:cluster` starts two):
//   REDIS_URL=redis://127.0.0.1:6379 PORT=8999 npm start
//   REDIS_URL=redis://127.0.0.1:6379 PORT=9000 npm start
// Also: HOST (default 127.0.0.1), COUNTER_COUNT, COUNTER_INTERVAL_MS, TOKEN_INTERVAL_MS,
// TICK_INTERVAL_MS. examples/llm-client.ts streams /api/chat from Node.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IncomingMessage } from 'node:http';
import {
  ClientClosedError,
  createHub,
  createRuns,
  HttpError,
  Server,
  type Hub,
  type HubSink,
  type Request,
} from '../src/index.js';
import { transpileClientModules } from './showcase/client-modules.js';

/** A whole number from the environment, or the default; anything else stops the start. */
function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`showcase: ${name}=${raw}: expected a whole number, ${min} to ${max}\n`);
    process.exit(1);
  }
  return n;
}

const port = envInt('PORT', 8999, 0, 65535);
const host = process.env.HOST || '127.0.0.1';
const counterCount = envInt('COUNTER_COUNT', 100, 1, 1_000_000);
const counterIntervalMs = envInt('COUNTER_INTERVAL_MS', 200, 10, 60_000);
const tokenIntervalMs = envInt('TOKEN_INTERVAL_MS', 80, 1, 60_000);
const tickIntervalMs = envInt('TICK_INTERVAL_MS', 250, 10, 60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function makeHub(): Promise<{ hub: Hub; kind: string }> {
  // Per topic: the last 200 events are kept for replay (chat history, resume after a drop).
  const history = { maxEvents: 200 };
  const url = process.env.REDIS_URL;
  if (!url) return { hub: createHub({ history }), kind: 'embedded memory hub' };
  // Loaded only here: the redis package is an optional peer dependency.
  const { createRedisHub } = await import('../src/hub/redis/index.js');
  const prefix = process.env.SHOWCASE_PREFIX ?? 'sluice-showcase:';
  return { hub: createRedisHub({ url, prefix, history }), kind: `Redis hub at ${url}` };
}

/**
 * The hub the demos use, counting what it hands to subscribers (for the figures panel): every
 * frame written to an SSE subscriber, every event an iterator yields. Runs get the hub itself
 * (they keep their own store), so run tokens are not in this count.
 */
function countingHub(hub: Hub, counter: { deliveries: number }): Hub {
  return {
    publish: (topic, input) => hub.publish(topic, input),
    async *subscribe(topic, options) {
      for await (const ev of hub.subscribe(topic, options)) {
        counter.deliveries++;
        yield ev;
      }
    },
    attach: (topic, sink, options) => {
      const counted: HubSink = {
        codec: sink.codec,
        write: (bytes, id) => (counter.deliveries++, sink.write(bytes, id)),
        end: (reason) => sink.end(reason),
      };
      return hub.attach(topic, counted, options);
    },
    close: () => hub.close(),
  };
}

/** The event id a reconnecting client resumes after, as a number (-1 when none or not ours). */
function resumeIndex(lastEventId: string | undefined): number {
  return lastEventId && /^\d{1,9}$/.test(lastEventId) ? Number(lastEventId) : -1;
}

/** A canned answer, split into word tokens (each keeps its trailing space). */
function answerTokens(prompt: string): string[] {
  const answer =
    `You asked: "${prompt}". Here is a streamed answer, one token at a time. ` +
    'It is a durable run: the model runs on the server whatever the page does, so a reload ' +
    'continues where it was, a second tab shows the same answer, and Stop really stops the ' +
    'model. The page follows it with sluice/client, which EventSource cannot replace.';
  return answer.match(/\S+\s*/g) ?? [];
}

/** A fake model: one token every TOKEN_INTERVAL_MS; it says so when its signal aborts. */
async function* fakeModel(
  prompt: string,
  run: string,
  signal: AbortSignal,
): AsyncGenerator<string> {
  signal.addEventListener(
    'abort',
    () => {
      const code = (signal.reason as { code?: string } | undefined)?.code ?? 'aborted';
      process.stdout.write(`model: run ${run} signal aborted (${code})\n`);
    },
    { once: true },
  );
  for (const token of answerTokens(prompt)) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, tokenIntervalMs);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (signal.aborted) return;
    yield token;
  }
}

/** The owner of a run: the bearer token (a real app would use its session's user). */
function ownerOf(r: { header(name: string): string | undefined }): string {
  const m = /^Bearer (\S+)$/.exec(r.header('authorization') ?? '');
  if (!m) throw new HttpError(401, 'send Authorization: Bearer <token>');
  return m[1]!;
}

/** A tab's key from the query: letters and digits, at most 32 (anything else is refused). */
function tabOf(r: Request): string {
  const tab = r.url.searchParams.get('tab') ?? '';
  if (!/^[A-Za-z0-9]{1,32}$/.test(tab))
    throw new HttpError(400, 'send ?tab=<1 to 32 letters or digits>');
  return tab;
}

/** The regions of this file between `// #region <name>` and `// #endregion`, by name. */
function sourceRegions(file: string): Map<string, string> {
  const regions = new Map<string, string>();
  const re = /^[ \t]*\/\/ #region (\w+)\n([\s\S]*?)^[ \t]*\/\/ #endregion\b/gm;
  for (const m of readFileSync(file, 'utf8').matchAll(re)) regions.set(m[1]!, m[2]!.trimEnd());
  return regions;
}

const { hub: sharedHub, kind } = await makeHub();
const counted = { deliveries: 0 };
const hub = countingHub(sharedHub, counted);
const runs = createRuns(sharedHub, { ttl: 10 * 60_000 });
const clientModules = transpileClientModules();
const sources = sourceRegions(new URL(import.meta.url).pathname);
const s = new Server();
s.setAddress(`${host}:${port}`);

// #region counter
// The seed's counter, framed so that EventSource dispatches it (the seed writes `data:
// N\n` with no blank line). A reconnect of the same EventSource resumes after
// Last-Event-ID; the last event is `event: done`, and a reconnect after the end gets
// 204, which stops it for good.
s.get('/counter/events', async (r) => {
  let i = resumeIndex(r.header('last-event-id')) + 1;
  if (i >= counterCount) {
    r.response.status = 204;
    return;
  }
  const es = r.response.sse();
  for (; i < counterCount; i++) {
    if (!(await es.send({ id: String(i), data: String(i) }))) return;
    await sleep(counterIntervalMs);
  }
  await es.send({ id: String(counterCount), event: 'done', data: 'done' });
});
// #endregion

// #region resume
// A ticker published to the hub every TICK_INTERVAL_MS (one topic per instance, so
// that its numbers never interleave). A page follows it with EventSource; es.subscribe
// replays what the page missed after its Last-Event-ID, then goes live.
const ticks = `ticks:${port || process.pid}`;
let tick = 0;
const ticker = setInterval(() => {
  const data = { n: ++tick, at: Date.now() };
  hub.publish(ticks, { event: 'tick', data }).catch(() => {});
}, tickIntervalMs);

// Each tab's stream request (at most 1000 tabs).
const open = new Map<string, IncomingMessage>();
s.get('/demo/resume/events', async (r) => {
  const tab = tabOf(r);
  if (open.size >= 1000 && !open.has(tab)) throw new HttpError(503, 'too many tabs');
  const { req } = r.native as { req: IncomingMessage }; // Node's request, for the button
  const es = r.response.sse();
  await es.retry(500); // reconnect half a second after a drop
  open.set(tab, req);
  try {
    await es.subscribe(hub, ticks); // after Last-Event-ID, with no gap and no duplicate
  } finally {
    if (open.get(tab) === req) open.delete(tab);
  }
});

// The button: destroy that tab's TCP socket, as a network failure would (no clean end).
s.post('/demo/resume/drop', (r) => {
  const req = open.get(tabOf(r));
  if (!req) throw new HttpError(404, 'that tab has no open stream');
  req.socket.destroy();
  return { dropped: true };
});
// #endregion

// #region chat
// The chat room: a POST publishes, every subscriber (on every instance sharing the hub)
// gets it. A tab that joins late starts from the room's start, so it sees the history
// the hub kept (the last 200 messages); a reconnecting tab sends Last-Event-ID and gets
// what it missed.
let roomStart = ''; // the position before the room's first event: ids are <epoch>-<n>
const opening = { name: 'sluice', text: 'The room is open.', at: Date.now(), via: 0 };
hub.publish('chat', { event: 'chat', data: opening }).then(
  (id) => (roomStart = id.replace(/-(\d+)/g, '-0')),
  () => {}, // the hub was down at startup: new tabs then get live messages only
);

s.post('/chat/send', async (r) => {
  const { name, text } = ((await r.json()) ?? {}) as { name?: unknown; text?: unknown };
  if (typeof text !== 'string' || text.trim() === '' || text.length > 500) {
    throw new HttpError(400, 'send {"name": string, "text": 1 to 500 characters}');
  }
  const who = (typeof name === 'string' && name.trim().slice(0, 40)) || 'guest';
  const id = await hub.publish('chat', {
    event: 'chat',
    data: { name: who, text: text.trim(), at: Date.now(), via: s.port },
  });
  return { id };
});

s.get('/chat/events', async (r) => {
  const es = r.response.sse();
  const from = es.lastEventId || roomStart; // a new tab: the kept history first
  const options = from ? { from, signal: es.signal } : { signal: es.signal };
  for await (const ev of hub.subscribe('chat', options)) {
    if (!(await es.send(ev))) break;
  }
});
// #endregion

// #region llm
// An LLM answer as a durable run. POST {"prompt"} with `Authorization: Bearer <token>`
// starts the (fake) model and answers {"id"}; GET /api/chat/{id} follows it (`event:
// token` per word, then `event: sluice-end` {"outcome"}), resuming after Last-Event-ID;
// POST /api/chat/{id}/stop cancels it: the model's signal aborts. The token is the
// owner: another one gets 404.
s.post('/api/chat', async (r) => {
  const owner = ownerOf(r);
  const { prompt } = ((await r.json()) ?? {}) as { prompt?: unknown };
  if (typeof prompt !== 'string' || prompt.trim() === '' || prompt.length > 2000) {
    throw new HttpError(400, 'send {"prompt": string of 1 to 2000 characters}');
  }
  const run = await runs.start(
    async ({ id, token, signal }) => {
      for await (const t of fakeModel(prompt.trim(), id, signal)) await token(t);
    },
    { owner },
  );
  return { id: run.id };
});
s.get('/api/chat/{id}', (r) => {
  return runs.follow(r, String(r.get('id')), { owner: ownerOf(r) });
});
s.post('/api/chat/{id}/stop', (r) => {
  return runs.cancel(String(r.get('id')), { owner: ownerOf(r) });
});
// #endregion

// #region slow
// One topic, many readers. es.subscribe writes each event to every reader without
// waiting for the slowest; a reader that stops reading piles up a backlog, and past the
// per-stream cap (1 MiB by default) its stream is cut with SLUICE_STREAM_OVERFLOW. The
// others never wait.
const cuts: Array<{ reader: string; code: string; at: number }> = []; // the last 20
s.get('/demo/firehose/events', async (r) => {
  const reader = tabOf(r);
  const es = r.response.sse();
  await es.subscribe(hub, 'firehose'); // returns when the client leaves or is cut
  const reason = es.signal.reason as { code?: string } | undefined;
  if (reason?.code && !(reason instanceof ClientClosedError)) {
    cuts.push({ reader, code: reason.code, at: Date.now() });
    if (cuts.length > 20) cuts.shift();
  }
});

// The button: a raw TCP client that asks for the stream and never reads a byte, then a
// burst of 16 KiB events until it is cut (the kernel's socket buffers take a few MiB
// first).
let slowReaders = 0;
let bursting = false;
let firehose = 0; // events published to the topic
s.post('/demo/slow/start', async () => {
  if (bursting) throw new HttpError(409, 'a slow reader is already running');
  bursting = true;
  const reader = `slow${++slowReaders}`;
  const sock = net.connect({
    port: s.port,
    host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
  });
  sock.pause(); // never reads
  sock.on('error', () => {});
  sock.write(`GET /demo/firehose/events?tab=${reader} HTTP/1.1\r\nHost: demo\r\n\r\n`);
  const first = firehose + 1;
  try {
    await sleep(200); // subscribed
    const pad = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 200 && !cuts.some((c) => c.reader === reader); i++) {
      for (let j = 0; j < 10; j++) {
        await hub.publish('firehose', { data: { n: ++firehose, pad } });
      }
      await sleep(50);
    }
  } finally {
    sock.destroy();
    bursting = false;
  }
  const cut = cuts.find((c) => c.reader === reader) ?? null;
  return { reader, cut, published: firehose - first + 1, last: firehose };
});
// #endregion

// #region stats
// The figures panel: one SSE stream per page, one snapshot a second, from the server's
// own s.stats() and process figures. The unsent figure is the largest backlog seen in
// the second.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let peakUnsent = 0;
const sampler = setInterval(() => {
  peakUnsent = Math.max(peakUnsent, s.stats().maxUnsent);
}, 20);
let snapshot = {};
let lastDeliveries = 0;
const figures = setInterval(() => {
  const { streams, inflight } = s.stats();
  snapshot = {
    streams,
    inflight,
    deliveriesPerSec: counted.deliveries - lastDeliveries,
    deliveries: counted.deliveries,
    maxUnsent: Math.max(peakUnsent, s.stats().maxUnsent),
    loopDelayP99: Math.round(loop.percentile(99) / 1e4) / 100, // ms
    rss: process.memoryUsage().rss,
    cuts: cuts.slice(-5),
  };
  lastDeliveries = counted.deliveries;
  peakUnsent = 0;
  loop.reset();
}, 1000);

s.get('/demo/stats/events', async (r) => {
  const es = r.response.sse();
  while (await es.send({ event: 'stats', data: snapshot })) await sleep(1000);
});
// #endregion

// Which instance and hub a page talks to (shown in every page's header).
s.get('/demo/info', () => ({ port: s.port, hub: kind }));

// The code each demo page shows beside it: the regions above, as they are in this file.
s.get('/demo/source/{name}', (r) => {
  const code = sources.get(String(r.get('name')));
  if (code === undefined) throw new HttpError(404, 'no such region');
  r.response.header().set('Content-Type', 'text/plain; charset=utf-8');
  return code;
});

// sluice/client for the pages, transpiled from src/client at startup (see client-modules.ts).
s.get('/sluice/*path', (r) => {
  const js = clientModules.get(r.path);
  if (js === undefined) throw new HttpError(404, 'Not Found');
  r.response.header().set('Content-Type', 'text/javascript; charset=utf-8');
  return js;
});

s.setServerRoot(new URL('./showcase/public/', import.meta.url).pathname);
s.onShutdown(async () => {
  for (const timer of [ticker, sampler, figures]) clearInterval(timer);
  loop.disable();
  await runs.close();
  await hub.close();
});

process.stdout.write(`sluice showcase on the ${kind}\n`);
await s.run();
