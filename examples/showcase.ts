// The Sluice showcase: `npm start`, then open http://127.0.0.1:8999/
//   /counter.html  the seed's counter (0..99, one every 200 ms), framed as real SSE events
//   /chat.html     a chat room over the hub; open it in two tabs (or on two instances, below)
//   /llm.html      an LLM answer as a durable run: a POST starts it, sluice/client's stream()
//                  follows it; reload mid-answer and it continues where it was, open a second
//                  tab and both show the same answer, Stop stops the (fake) model
// Plain HTML and inline JavaScript from examples/showcase/public (no bundler), one EventSource
// per page at most (browsers allow six HTTP/1.1 connections per origin).
//
// The hub is the embedded memory hub; with REDIS_URL set it is the Redis hub, so that two
// instances share the chat room:
//   REDIS_URL=redis://127.0.0.1:6379 PORT=8999 npm start
//   REDIS_URL=redis://127.0.0.1:6379 PORT=9000 npm start
// Also: HOST (default 127.0.0.1), COUNTER_COUNT, COUNTER_INTERVAL_MS, TOKEN_INTERVAL_MS.
// examples/llm-client.ts streams /api/chat from Node. With REDIS_URL, a run started on one
// instance is followed and stopped from the other.
import { createHub, createRuns, HttpError, Server, type Hub } from '../src/index.js';
import { transpileClientModules } from './showcase/client-modules.js';

const port = Number(process.env.PORT ?? 8999);
const host = process.env.HOST ?? '127.0.0.1';
const counterCount = Number(process.env.COUNTER_COUNT ?? 100);
const counterIntervalMs = Number(process.env.COUNTER_INTERVAL_MS ?? 200);
const tokenIntervalMs = Number(process.env.TOKEN_INTERVAL_MS ?? 80);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function makeHub(): Promise<{ hub: Hub; kind: string }> {
  const url = process.env.REDIS_URL;
  if (!url) return { hub: createHub(), kind: 'embedded memory hub' };
  // Loaded only here: the redis package is an optional peer dependency.
  const { createRedisHub } = await import('../src/hub/redis/index.js');
  const prefix = process.env.SHOWCASE_PREFIX ?? 'sluice-showcase:';
  return { hub: createRedisHub({ url, prefix }), kind: `Redis hub at ${url}` };
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

const { hub, kind } = await makeHub();
const runs = createRuns(hub, { ttl: 10 * 60_000 });
const clientModules = transpileClientModules();
const s = new Server();
s.setAddress(`${host}:${port}`);

// (a) The seed's counter, framed so that EventSource dispatches it (the seed writes `data: N\n`
// with no blank line). It resumes after Last-Event-ID and ends with `event: done`; a client
// that reconnects after the end gets 204, which stops an EventSource for good.
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

// (b) The chat room: a POST publishes, every subscriber (on every instance sharing the hub)
// gets it; a reconnecting EventSource sends Last-Event-ID and es.subscribe replays what it missed.
s.post('/chat/send', async (r) => {
  const body = await r.json();
  const { name, text } = (body ?? {}) as { name?: unknown; text?: unknown };
  if (typeof text !== 'string' || text.trim() === '' || text.length > 500) {
    throw new HttpError(400, 'send {"name": string, "text": string of 1 to 500 characters}');
  }
  const who = typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 40) : 'guest';
  const id = await hub.publish('chat', {
    event: 'chat',
    data: { name: who, text: text.trim(), at: Date.now(), via: s.port },
  });
  return { id };
});

s.get('/chat/events', async (r) => {
  const es = r.response.sse();
  await es.subscribe(hub, 'chat');
});

// (c) An LLM answer as a durable run. POST {"prompt"} with `Authorization: Bearer <token>`
// starts the fake model and answers {"id"}; GET /api/chat/{id} follows it (`event: token`
// per word, then `event: sluice-end` {"outcome"}), resuming after Last-Event-ID; POST
// /api/chat/{id}/stop cancels it. The token is the owner: another one gets 404.
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
s.get('/api/chat/{id}', (r) => runs.follow(r, String(r.get('id')), { owner: ownerOf(r) }));
s.post('/api/chat/{id}/stop', (r) => runs.cancel(String(r.get('id')), { owner: ownerOf(r) }));

// sluice/client for the pages, transpiled from src/client at startup (see client-modules.ts).
s.get('/sluice/*path', (r) => {
  const js = clientModules.get(r.path);
  if (js === undefined) throw new HttpError(404, 'Not Found');
  r.response.header().set('Content-Type', 'text/javascript; charset=utf-8');
  return js;
});

s.setServerRoot(new URL('./showcase/public/', import.meta.url).pathname);
s.onShutdown(async () => {
  await runs.close();
  await hub.close();
});

process.stdout.write(`sluice showcase on the ${kind}\n`);
await s.run();
