// Typed controllers against a real server on port 0: validation with zod and valibot, class
// instances, group prefix and middleware, the handlerResponse envelope, and streaming controllers.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import * as v from 'valibot';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  HttpError,
  Server,
  defineRoute,
  g,
  handle,
  middleware,
  type Logger,
} from '../src/index.js';

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quiet,
};

async function serve(define: (s: Server) => void): Promise<string> {
  const s = new Server({ logger: quiet });
  s.setAddress('127.0.0.1:0');
  define(s);
  await s.start();
  after(() => s.shutdown({ timeout: 500 }));
  return `http://127.0.0.1:${s.port}`;
}

const postJson = (url: string, body: unknown): Promise<globalThis.Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

interface ValidationBody {
  code: string;
  message: string;
  errors: Array<{ path: string; message: string }>;
}

// The same route declared with each library: path id, query page, body name + age.
const libraries: Array<{ name: string; input: StandardSchemaV1 }> = [
  {
    name: 'zod',
    input: z.object({
      id: z.coerce.number().int().positive(),
      page: z.coerce.number().int().min(1).default(1),
      name: z.string().min(1),
      age: z.number().int().min(0),
    }),
  },
  {
    name: 'valibot',
    input: v.object({
      id: v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1)),
      page: v.optional(v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1)), '1'),
      name: v.pipe(v.string(), v.minLength(1)),
      age: v.pipe(v.number(), v.integer(), v.minValue(0)),
    }),
  },
];

for (const lib of libraries) {
  describe(`controllers with ${lib.name}`, () => {
    const route = defineRoute({ method: 'POST', path: '/user/{id}', input: lib.input });

    it('passes the validated, merged input (path + query + body) and ctx to the handler', async () => {
      let seen: unknown;
      let fromCtx: unknown;
      const url = await serve((s) => {
        s.bind({
          update: handle(route, (ctx, input) => {
            seen = input;
            fromCtx = g.requestFromCtx(ctx)?.path;
            return { ok: true, input };
          }),
        });
      });
      const res = await postJson(`${url}/user/7?page=3`, { name: 'Ada', age: 36 });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.deepEqual(await res.json(), {
        ok: true,
        input: { id: 7, page: 3, name: 'Ada', age: 36 },
      });
      assert.deepEqual({ ...(seen as object) }, { id: 7, page: 3, name: 'Ada', age: 36 });
      assert.equal(fromCtx, '/user/7');
    });

    it('answers 400 naming every failing field, and never calls the handler', async () => {
      let calls = 0;
      const url = await serve((s) => {
        s.bind({
          update: handle(route, () => {
            calls++;
            return 'called';
          }),
        });
      });
      const res = await postJson(`${url}/user/abc?page=0`, { name: '', age: -1.5 });
      assert.equal(res.status, 400);
      const body = (await res.json()) as ValidationBody;
      assert.equal(body.code, 'SLUICE_VALIDATION');
      assert.match(body.message, /did not pass validation/);
      const paths = new Set(body.errors.map((e) => e.path));
      assert.deepEqual([...paths].sort(), ['age', 'id', 'name', 'page']);
      for (const e of body.errors) assert.ok(e.message.length > 0);
      assert.equal(calls, 0);
    });

    it('names missing fields too', async () => {
      const url = await serve((s) => s.bind({ update: handle(route, () => 'called') }));
      const res = await postJson(`${url}/user/1`, {});
      assert.equal(res.status, 400);
      const body = (await res.json()) as ValidationBody;
      assert.deepEqual(body.errors.map((e) => e.path).sort(), ['age', 'name']);
    });
  });
}

describe('controller validation limits and async schemas', () => {
  it('caps the listed errors at 100 and says how many there were', async () => {
    const shape: Record<string, z.ZodNumber> = {};
    for (let i = 0; i < 150; i++) shape[`f${i}`] = z.number();
    const route = defineRoute({ method: 'POST', path: '/many', input: z.object(shape) });
    const route2 = defineRoute({
      method: 'POST',
      path: '/many-valibot',
      input: v.object({ items: v.array(v.number()) }),
    });
    let calls = 0;
    const url = await serve((s) =>
      s.bind({
        a: handle(route, () => calls++),
        b: handle(route2, () => calls++),
      }),
    );
    const res = await postJson(`${url}/many`, {});
    assert.equal(res.status, 400);
    const body = (await res.json()) as ValidationBody;
    assert.equal(body.errors.length, 100);
    assert.match(body.message, /first 100 of 150/);
    const res2 = await postJson(`${url}/many-valibot`, {
      items: Array.from({ length: 500 }, () => 'x'),
    });
    const body2 = (await res2.json()) as ValidationBody;
    assert.equal(res2.status, 400);
    assert.equal(body2.errors.length, 100);
    assert.equal(body2.errors[99]?.path, 'items.99');
    assert.equal(calls, 0);
  });

  it('awaits asynchronous validation (zod refine, valibot pipeAsync)', async () => {
    const taken = new Set(['ada']);
    const zodRoute = defineRoute({
      method: 'POST',
      path: '/zod',
      input: z.object({
        login: z.string().refine(async (s) => {
          await new Promise((f) => setTimeout(f, 5));
          return !taken.has(s);
        }, 'login is taken'),
      }),
    });
    const valibotRoute = defineRoute({
      method: 'POST',
      path: '/valibot',
      input: v.objectAsync({
        login: v.pipeAsync(
          v.string(),
          v.checkAsync(async (s) => {
            await new Promise((f) => setTimeout(f, 5));
            return !taken.has(s);
          }, 'login is taken'),
        ),
      }),
    });
    const url = await serve((s) =>
      s.bind({
        z: handle(zodRoute, (_ctx, input) => ({ login: input.login })),
        v: handle(valibotRoute, (_ctx, input) => ({ login: input.login })),
      }),
    );
    for (const path of ['/zod', '/valibot']) {
      const ok = await postJson(url + path, { login: 'grace' });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { login: 'grace' });
      const bad = await postJson(url + path, { login: 'ada' });
      assert.equal(bad.status, 400);
      const body = (await bad.json()) as ValidationBody;
      assert.deepEqual(body.errors, [{ path: 'login', message: 'login is taken' }]);
    }
  });

  it('a thrown HttpError sets the status', async () => {
    const route = defineRoute({
      method: 'GET',
      path: '/user/:id',
      input: z.object({ id: z.string() }),
    });
    const url = await serve((s) =>
      s.bind({
        get: handle(route, (_ctx, input) => {
          throw new HttpError(404, `no user ${input.id}`);
        }),
      }),
    );
    const res = await fetch(`${url}/user/9`);
    assert.equal(res.status, 404);
    // A typed route answers errors as JSON (one error format, README "Errors").
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), { code: 404, message: 'no user 9' });
  });
});

describe('binding controllers', () => {
  const List = defineRoute({
    method: 'GET',
    path: '/items',
    input: z.object({ limit: z.coerce.number().int().max(50).default(10) }),
    output: z.object({ items: z.array(z.string()), limit: z.number() }),
  });
  const Get = defineRoute({ method: 'GET', path: '/items/{name}', input: z.object({}) });
  const Proto = defineRoute({ method: 'DELETE', path: '/items/{name}', input: z.object({}) });

  class ItemController {
    readonly store = ['a', 'b', 'c'];
    list = handle(List, (_ctx, input) => ({
      items: this.store.slice(0, input.limit),
      limit: input.limit,
    }));
    get = handle(Get, function (this: ItemController, _ctx, input) {
      // A function expression sees the instance as `this`; the path param arrives as a string.
      return { name: input.name, known: this.store.includes(input.name) };
    });
  }
  // A member on the prototype (shared by every instance) is bound too.
  (ItemController.prototype as unknown as Record<string, unknown>).remove = handle(
    Proto,
    (_ctx, input) => ({
      removed: input.name,
    }),
  );

  it('binds own and prototype members of a class instance under the group prefix and middleware', async () => {
    const seen: string[] = [];
    const url = await serve((s) => {
      s.group('/api/v1', (group) => {
        group.middleware(async (r) => {
          seen.push(`${r.method} ${r.path}`);
          r.response.header().set('X-Group', 'v1');
          await r.middleware.next();
        });
        group.bind(new ItemController());
      });
    });
    const list = await fetch(`${url}/api/v1/items?limit=2`);
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('x-group'), 'v1');
    assert.deepEqual(await list.json(), { items: ['a', 'b'], limit: 2 });
    const one = await fetch(`${url}/api/v1/items/b`);
    assert.deepEqual(await one.json(), { name: 'b', known: true });
    const del = await fetch(`${url}/api/v1/items/z`, { method: 'DELETE' });
    assert.deepEqual(await del.json(), { removed: 'z' });
    assert.equal((await fetch(`${url}/items`)).status, 404);
    const bad = await fetch(`${url}/api/v1/items?limit=500`);
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-group'), 'v1');
    assert.deepEqual(seen, [
      'GET /api/v1/items',
      'GET /api/v1/items/b',
      'DELETE /api/v1/items/z',
      'GET /api/v1/items',
    ]);
  });

  it('refuses a controller without handle() members', () => {
    const s = new Server({ logger: quiet });
    assert.throws(() => s.group('/x').bind({ notAMember: () => 1 }), /no handle\(\.\.\.\) members/);
  });
});

describe('controllers under middleware.handlerResponse()', () => {
  const Sum = defineRoute({
    method: 'GET',
    path: '/sum',
    input: z.object({ a: z.coerce.number(), b: z.coerce.number() }),
    output: z.object({ sum: z.number() }),
  });

  it('wraps the returned value in the envelope, and a validation failure with its details', async () => {
    const url = await serve((s) => {
      s.use(middleware.handlerResponse());
      s.bind({ sum: handle(Sum, (_ctx, { a, b }) => ({ sum: a + b })) });
    });
    const ok = await fetch(`${url}/sum?a=2&b=3`);
    assert.deepEqual(await ok.json(), { code: 0, message: 'OK', data: { sum: 5 } });
    const bad = await fetch(`${url}/sum?a=x`);
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as {
      code: string;
      message: string;
      data: null;
      details: unknown;
    };
    assert.equal(body.code, 'SLUICE_VALIDATION');
    assert.equal(body.data, null);
    assert.match(body.message, /a, b/);
    assert.deepEqual(
      (body.details as Array<{ path: string }>).map((e) => e.path),
      ['a', 'b'],
    );
  });
});

describe('streaming controllers', () => {
  const Ticks = defineRoute({
    method: 'GET',
    path: '/ticks',
    input: z.object({ n: z.coerce.number().int().min(1).max(10) }),
  });
  const Events = defineRoute({
    method: 'GET',
    path: '/events',
    input: z.object({}),
    events: { tick: z.object({ i: z.number() }) },
  });

  class StreamController {
    ticks = handle(Ticks, async (ctx, { n }) => {
      const r = g.requestFromCtx(ctx)!;
      r.response.header().set('Content-Type', 'text/event-stream');
      for (let i = 0; i < n; i++) {
        r.response.writefln('data: %d', i);
        await r.response.flush();
      }
    });
    raw = handle(defineRoute({ method: 'GET', path: '/raw', input: z.object({}) }), (ctx) => {
      const w = g.requestFromCtx(ctx)!.response.rawWriter();
      w.header().set('Content-Type', 'text/plain');
      for (let i = 0; i < 3; i++) {
        w.write(`line ${i}\n`);
        void w.flush();
      }
    });
    events = handle(Events, async (ctx) => {
      const es = g.requestFromCtx(ctx)!.response.sse({ heartbeat: 0 });
      for (let i = 0; i < 3; i++) await es.send({ event: 'tick', data: { i } });
    });
  }

  async function readAll(res: globalThis.Response): Promise<{ text: string; chunks: number }> {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += dec.decode(value, { stream: true });
    }
    return { text, chunks };
  }

  for (const wrapped of [false, true]) {
    it(`streams exactly the seed's bytes${wrapped ? ' under handlerResponse (never wrapped or appended to)' : ''}`, async () => {
      const url = await serve((s) => {
        s.setConfig({ devWarnings: false });
        if (wrapped) s.use(middleware.handlerResponse());
        s.group('/s', (group) => group.bind(new StreamController()));
      });
      const ticks = await fetch(`${url}/s/ticks?n=5`);
      assert.equal(ticks.status, 200);
      assert.equal(ticks.headers.get('content-type'), 'text/event-stream');
      assert.equal(ticks.headers.get('transfer-encoding'), 'chunked');
      assert.equal((await readAll(ticks)).text, 'data: 0\ndata: 1\ndata: 2\ndata: 3\ndata: 4\n');

      const raw = await fetch(`${url}/s/raw`);
      assert.equal((await readAll(raw)).text, 'line 0\nline 1\nline 2\n');

      const events = await fetch(`${url}/s/events`);
      assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(
        (await readAll(events)).text,
        'event: tick\ndata: {"i":0}\n\nevent: tick\ndata: {"i":1}\n\nevent: tick\ndata: {"i":2}\n\n',
      );

      const invalid = await fetch(`${url}/s/ticks?n=99`);
      assert.equal(invalid.status, 400);
    });
  }
});
