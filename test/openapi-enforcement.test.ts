// Schemas enforced on the way out (API §14): a typed route's response is its output schema's
// output (unknown fields stripped; invalid: a coded 500 whose content is never sent), and the
// events of a route with `events` are validated (unknown names and bad data refused, nothing
// written). `validateResponses` turns both off. Real servers, undici fetch, the stream client.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import * as v from 'valibot';
import {
  Server,
  defineRoute,
  g,
  handle,
  type EventStream,
  type ServerOptions,
} from '../src/index.js';
import { stream } from '../src/client/index.js';
import { memoryLogger, startServer, type LogRecord } from './helpers/server.js';

const PublicUser = z.object({ id: z.number(), name: z.string() });
const GetUser = defineRoute({
  method: 'GET',
  path: '/user/:id',
  input: z.object({ id: z.coerce.number() }),
  output: PublicUser,
});
const ValibotUser = defineRoute({
  method: 'GET',
  path: '/v/user/:id',
  input: v.object({ id: v.string() }),
  output: v.object({ id: v.string(), name: v.string() }),
});
const Stored = { name: 'Ada', passwordHash: '$2b$10$secret', email: 'ada@example.com' };

async function serve(define: (s: Server) => void, options: ServerOptions = {}) {
  const records: LogRecord[] = [];
  const started = await startServer(define, { logger: memoryLogger(records), ...options });
  return { ...started, records };
}

describe('output schemas', () => {
  it('strips what the schema does not declare (zod): passwordHash never leaves the server', async () => {
    const { url } = await serve((s) =>
      s.bind({ get: handle(GetUser, (_c, input) => ({ id: input.id, ...Stored })) }),
    );
    const res = await fetch(`${url}/user/7`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { id: 7, name: 'Ada' });
    assert.ok(!text.includes('secret'));
  });

  it('strips with valibot too', async () => {
    const { url } = await serve((s) =>
      s.bind({ get: handle(ValibotUser, (_c, input) => ({ id: input.id, ...Stored })) }),
    );
    assert.deepEqual(await (await fetch(`${url}/v/user/x`)).json(), { id: 'x', name: 'Ada' });
  });

  it('an invalid value is a coded 500: its content never sent, the failing fields logged', async () => {
    const { url, records } = await serve((s) =>
      s.bind({
        get: handle(GetUser, () => ({ id: 'not a number', name: 'Ada', secret: 'k3y' }) as never),
      }),
    );
    const res = await fetch(`${url}/user/1`);
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.deepEqual(JSON.parse(body), {
      code: 'SLUICE_RESPONSE_INVALID',
      message: 'Internal Server Error',
    });
    assert.ok(!body.includes('k3y') && !body.includes('not a number'));
    const logged = records.find((r) => r.level === 'error');
    assert.ok(logged, 'the failure is logged');
    assert.match(String((logged!.obj.err as Error).message), /id: .*number/);
  });

  it('an async output schema is awaited', async () => {
    const Route = defineRoute({
      method: 'GET',
      path: '/a',
      input: z.object({}),
      output: z.object({ n: z.number() }).refine(async (o) => o.n > 0, 'n must be positive'),
    });
    const { url } = await serve((s) =>
      s.bind({ a: handle(Route, () => ({ n: 1, extra: 2 }) as never) }),
    );
    assert.deepEqual(await (await fetch(`${url}/a`)).json(), { n: 1 });
  });

  it("validateResponses: 'never' sends the value as returned", async () => {
    const { url } = await serve(
      (s) => s.bind({ get: handle(GetUser, (_c, input) => ({ id: input.id, ...Stored })) }),
      { validateResponses: 'never' },
    );
    assert.equal(
      ((await (await fetch(`${url}/user/1`)).json()) as typeof Stored).passwordHash,
      Stored.passwordHash,
    );
  });

  it("validateResponses: 'development' validates outside production only", async () => {
    const saved = process.env.NODE_ENV;
    try {
      const { url } = await serve(
        (s) => s.bind({ get: handle(GetUser, (_c, input) => ({ id: input.id, ...Stored })) }),
        { validateResponses: 'development' },
      );
      process.env.NODE_ENV = 'production';
      assert.ok('passwordHash' in ((await (await fetch(`${url}/user/1`)).json()) as object));
      process.env.NODE_ENV = 'development';
      assert.ok(!('passwordHash' in ((await (await fetch(`${url}/user/1`)).json()) as object)));
    } finally {
      process.env.NODE_ENV = saved;
    }
  });

  it('a handler that wrote the response itself is not re-validated (its bytes are its own)', async () => {
    const { url } = await serve((s) =>
      s.bind({
        get: handle(GetUser, (ctx) => {
          g.requestFromCtx(ctx)!.response.writeJson({ raw: true });
          return undefined as never;
        }),
      }),
    );
    assert.deepEqual(await (await fetch(`${url}/user/1`)).json(), { raw: true });
  });

  it('the envelope of handlerResponse wraps the stripped value', async () => {
    const { middleware } = await import('../src/index.js');
    const { url } = await serve((s) =>
      s.group('/', (grp) =>
        grp
          .middleware(middleware.handlerResponse())
          .bind({ get: handle(GetUser, (_c, input) => ({ id: input.id, ...Stored })) }),
      ),
    );
    const body = (await (await fetch(`${url}/user/3`)).json()) as { data: unknown };
    assert.deepEqual(body.data, { id: 3, name: 'Ada' });
  });

  it('refuses a bad validateResponses or errorFormat with a message naming the choices', () => {
    assert.throws(
      () => new Server({ validateResponses: 'sometimes' as never }),
      /validateResponses must be one of always, development, never \(got "sometimes"\)/,
    );
    assert.throws(
      () => new Server().setConfig({ errorFormat: 'xml' as never }),
      /errorFormat must be one of auto, json, problem, text/,
    );
  });
});

const Chat = defineRoute({
  method: 'GET',
  path: '/chat',
  input: z.object({ mode: z.string().optional() }),
  events: {
    token: z.object({ text: z.string() }),
    done: z.object({ tokens: z.number().int() }),
    message: z.string(),
  },
});

/** Serves Chat with `body` as its handler body; returns the wire text and what the handler saw. */
async function runChat(
  body: (es: EventStream, seen: string[]) => Promise<void>,
  options: ServerOptions = {},
): Promise<{ text: string; seen: string[] }> {
  const seen: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const { url } = await serve(
    (s) =>
      s.bind({
        chat: handle(Chat, async (ctx) => {
          const es = g.requestFromCtx(ctx)!.response.sse({ heartbeat: 0 });
          try {
            await body(es, seen);
          } finally {
            done();
          }
        }),
      }),
    options,
  );
  const res = await fetch(`${url}/chat`);
  const text = await res.text();
  await finished;
  return { text, seen };
}

const codeOf = (err: unknown): string => String((err as { code?: string }).code);

describe('declared events', () => {
  it('refuses an unknown event name with SLUICE_EVENT_UNKNOWN and writes nothing', async () => {
    const { text, seen } = await runChat(async (es, seen) => {
      await es.send({ event: 'token', data: { text: 'a' } });
      await es.send({ event: 'nope', data: 'x' }).catch((e: unknown) => seen.push(codeOf(e)));
      await es.send({ event: 'done', data: { tokens: 1 } });
    });
    assert.deepEqual(seen, ['SLUICE_EVENT_UNKNOWN']);
    assert.equal(text, 'event: token\ndata: {"text":"a"}\n\nevent: done\ndata: {"tokens":1}\n\n');
  });

  it('refuses data that fails its schema with SLUICE_EVENT_INVALID, naming the field', async () => {
    let message = '';
    const { text, seen } = await runChat(async (es, seen) => {
      await es.send({ event: 'done', data: { tokens: 1.5 } }).catch((e: Error) => {
        seen.push(codeOf(e));
        message = e.message;
      });
    });
    assert.deepEqual(seen, ['SLUICE_EVENT_INVALID']);
    assert.match(message, /event "done": tokens: /);
    assert.equal(text, '');
  });

  it('sends the schema output: unknown fields stripped from event data', async () => {
    const { text } = await runChat(async (es) => {
      await es.send({ event: 'token', data: { text: 'a', internal: 'k3y' } });
    });
    assert.equal(text, 'event: token\ndata: {"text":"a"}\n\n');
  });

  it('an unnamed event is "message": allowed here because the route declares message', async () => {
    const { text, seen } = await runChat(async (es, seen) => {
      await es.send('hello');
      await es.sendData(42).catch((e: unknown) => seen.push(codeOf(e)));
    });
    assert.equal(text, 'data: hello\n\n');
    assert.deepEqual(seen, ['SLUICE_EVENT_INVALID']);
  });

  it('an event with no data (only an id or retry) passes: it dispatches nothing', async () => {
    const { text } = await runChat(async (es) => {
      await es.send({ id: '7' });
    });
    assert.equal(text, 'id: 7\n\n');
  });

  it('pipe() validates each item; an invalid one ends the stream without its bytes', async () => {
    const { text, seen } = await runChat(async (es, seen) => {
      async function* items() {
        yield { event: 'token', data: { text: 'a' } };
        yield { event: 'rogue', data: 'x' };
        yield { event: 'token', data: { text: 'never' } };
      }
      await es.pipe(items()).catch((e: unknown) => seen.push(codeOf(e)));
    });
    assert.deepEqual(seen, ['SLUICE_EVENT_UNKNOWN']);
    assert.equal(text, 'event: token\ndata: {"text":"a"}\n\n');
  });

  it('keeps order when a schema validates asynchronously, even for sends not awaited', async () => {
    const Slow = defineRoute({
      method: 'GET',
      path: '/slow',
      input: z.object({}),
      events: {
        slow: z.object({ n: z.number() }).refine(async () => {
          await new Promise((r) => setTimeout(r, 5));
          return true;
        }),
        fast: z.object({ n: z.number() }),
      },
    });
    const { url } = await serve((s) =>
      s.bind({
        slow: handle(Slow, async (ctx) => {
          const es = g.requestFromCtx(ctx)!.response.sse({ heartbeat: 0 });
          const sends = [
            es.send({ event: 'slow', data: { n: 1 } }),
            es.send({ event: 'fast', data: { n: 2 } }),
            es.send({ event: 'slow', data: { n: 3 } }),
            es.send({ event: 'fast', data: { n: 4 } }),
          ];
          await Promise.all(sends);
        }),
      }),
    );
    const text = await (await fetch(`${url}/slow`)).text();
    const order = [...text.matchAll(/"n":(\d)/g)].map((m) => Number(m[1]));
    assert.deepEqual(order, [1, 2, 3, 4]);
  });

  it('a controller returning an async iterable is validated as it streams', async () => {
    const Gen = defineRoute({
      method: 'GET',
      path: '/gen',
      input: z.object({}),
      events: { tick: z.object({ i: z.number() }) },
    });
    const { url } = await serve((s) =>
      s.bind({
        gen: handle(Gen, async function* () {
          yield { event: 'tick', data: { i: 1, drop: true } };
          yield { event: 'tick', data: { i: 'two' } };
        }),
      }),
    );
    const res = await fetch(`${url}/gen`, { headers: { accept: 'text/event-stream' } });
    // The second item fails after commit: the stream is cut (no terminating chunk), and only
    // the first event, stripped, arrived.
    let text = '';
    let cut = false;
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      cut = true;
    }
    assert.equal(text, 'event: tick\ndata: {"i":1}\n\n');
    assert.equal(cut, true, 'a stream ended by an invalid event must not look complete');
  });

  it("validateResponses: 'never' lets any event through", async () => {
    const { text } = await runChat(
      async (es) => {
        await es.send({ event: 'nope', data: 'x' });
      },
      { validateResponses: 'never' },
    );
    assert.equal(text, 'event: nope\ndata: x\n\n');
  });

  it('typed events reach the stream client intact', async () => {
    const { url } = await serve((s) =>
      s.bind({
        chat: handle(Chat, async (ctx) => {
          const es = g.requestFromCtx(ctx)!.response.sse({ heartbeat: 0 });
          await es.send({ event: 'token', data: { text: 'hi' } });
          await es.send({ event: 'done', data: { tokens: 1 } });
        }),
      }),
    );
    const seen: unknown[] = [];
    const ac = new AbortController();
    for await (const ev of stream(`${url}/chat`, { json: true, signal: ac.signal })) {
      seen.push([ev.event, ev.data]);
      if (ev.event === 'done') break;
    }
    assert.deepEqual(seen, [
      ['token', { text: 'hi' }],
      ['done', { tokens: 1 }],
    ]);
  });
});
