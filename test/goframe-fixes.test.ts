// Behaviour a GoFrame user relies on, and the safe defaults around it: CORS that cannot hand
// authenticated responses to any site, request parameters that are only the client's own fields,
// a file that replaces what was buffered before it, r.exitAll() in a beforeServe hook, method
// prefixes on middleware and hook bindings, and X-Forwarded-Proto behind a trusted proxy.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SluiceError, middleware, type Request } from '../src/index.js';
import { startServer } from './helpers/server.js';
import { exchange, headerOf, type RawExchange } from './helpers/raw-http.js';

const NEXT = 'NEXT-RESPONSE-BODY';

function show(x: RawExchange): string {
  return `closed=${x.closed} raw=${JSON.stringify(x.raw.toString('latin1', 0, 600))}`;
}

describe('cors()', () => {
  it('credentials: true with the default origin "*" throws SLUICE_CONFIG at configuration', () => {
    assert.throws(
      () => middleware.cors({ credentials: true }),
      (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_CONFIG',
    );
  });

  it('with an origin list, an unlisted Origin and "null" get no Access-Control-Allow-Origin; a listed one is echoed', async () => {
    const { url } = await startServer((s) => {
      s.use(middleware.cors({ origin: ['https://app.example'], credentials: true }));
      s.get('/data', () => 'data');
    });
    for (const origin of ['https://evil.example', 'null']) {
      const res = await fetch(`${url}/data`, { headers: { origin } });
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
      assert.equal(res.headers.get('access-control-allow-credentials'), null, origin);
      await res.arrayBuffer();
    }
    const ok = await fetch(`${url}/data`, { headers: { origin: 'https://app.example' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    await ok.arrayBuffer();
  });

  it('a preflight that reflects Access-Control-Request-Headers says so in Vary', async () => {
    const { url } = await startServer((s) => {
      s.use(middleware.cors({ origin: ['https://app.example'] }));
      s.post('/data', () => 'data');
    });
    const res = await fetch(`${url}/data`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-token',
      },
    });
    assert.equal(res.status, 204);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /x-token/i);
    const vary = (res.headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());
    assert.ok(vary.includes('access-control-request-headers'), `Vary: ${vary.join(', ')}`);
    assert.ok(vary.includes('origin'), `Vary: ${vary.join(', ')}`);
  });
});

describe('request parameters', () => {
  it("after r.parse() of a JSON body, r.get/getQuery/getForm/getRouter of Object.prototype names are undefined; the client's fields are returned", async () => {
    const { url } = await startServer((s) =>
      s.post('/p/{id}', async (r) => {
        await r.parse();
        const kind = (v: unknown): string => (v === undefined ? 'undefined' : typeof v);
        return {
          constructor: kind(r.get('constructor')),
          toString: kind(r.get('toString')),
          proto: kind(r.get('__proto__')),
          queryConstructor: kind(r.getQuery('constructor')),
          formHasOwnProperty: kind(r.getForm('hasOwnProperty')),
          routerValueOf: kind(r.getRouter('valueOf')),
          name: r.get('name'),
          page: r.getQuery('page'),
          id: r.get('id'),
        };
      }),
    );
    const res = await fetch(`${url}/p/7?page=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ada' }),
    });
    assert.deepEqual(await res.json(), {
      constructor: 'undefined',
      toString: 'undefined',
      proto: 'undefined',
      queryConstructor: 'undefined',
      formHasOwnProperty: 'undefined',
      routerValueOf: 'undefined',
      name: 'ada',
      page: '2',
      id: '7',
    });
  });
});

describe('a file sent after something was buffered', () => {
  const content = 'exact file bytes\n';
  const dir = mkdtempSync(join(tmpdir(), 'sluice-goframe-'));
  writeFileSync(join(dir, 'hello.txt'), content);
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [what, path] of [
    ['a static file after a beforeServe hook wrote to the buffer', '/static/hello.txt'],
    ['serveFile() after the handler wrote to the buffer', '/serve'],
  ] as const) {
    it(`${what}: only the file, with its exact Content-Length; a pipelined request behind it is intact`, async () => {
      const { s } = await startServer((s) => {
        s.bindHookHandler('/static/*', 'beforeServe', (r) => r.response.write('hook junk '));
        s.get('/serve', async (r) => {
          r.response.write('handler junk ');
          await r.response.serveFile(join(dir, 'hello.txt'));
        });
        s.get('/next', () => NEXT);
        s.addStaticPath('/static', dir);
      });
      const x = await exchange(
        s.port,
        Buffer.from(
          `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n`,
          'latin1',
        ),
        { timeout: 2000, responses: 2, grace: 50 },
      );
      assert.equal(x.responses.length, 2, show(x));
      assert.equal(x.garbage.length, 0, show(x));
      assert.equal(x.responses[0]!.status, 200);
      assert.equal(x.responses[0]!.body.toString('latin1'), content, show(x));
      assert.equal(headerOf(x.responses[0]!, 'content-length'), String(content.length));
      assert.equal(x.responses[1]!.body.toString('latin1'), NEXT, show(x));
    });
  }
});

describe('hooks and bindings', () => {
  it('r.exitAll() in a beforeServe hook stops the request: no middleware, no handler, no later hook; the response still goes out', async () => {
    const calls: string[] = [];
    const { url } = await startServer((s) => {
      s.use(async (r) => {
        calls.push('middleware');
        await r.middleware.next();
      });
      s.bindHookHandler('/x', 'beforeServe', (r) => {
        calls.push('beforeServe 1');
        r.response.write('stopped by the hook');
        r.exitAll();
      });
      s.bindHookHandler('/x', 'beforeServe', () => void calls.push('beforeServe 2'));
      s.bindHookHandler('/x', 'afterServe', () => void calls.push('afterServe'));
      s.bindHookHandler('/x', 'beforeOutput', () => void calls.push('beforeOutput'));
      s.bindHookHandler('/x', 'afterOutput', () => void calls.push('afterOutput'));
      s.get('/x', () => {
        calls.push('handler');
        return 'handler ran';
      });
    });
    const res = await fetch(`${url}/x`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'stopped by the hook');
    // afterOutput would run once the response finished: give it that turn.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, ['beforeServe 1']);
  });

  it("a method prefix on bindMiddleware('POST:/m') and bindHookHandler('POST:/m') runs them for POST only", async () => {
    const calls: string[] = [];
    const { url } = await startServer((s) => {
      s.bindMiddleware('POST:/m', async (r) => {
        calls.push(`middleware ${r.method}`);
        await r.middleware.next();
      });
      s.bindHookHandler('POST:/m', 'beforeServe', (r) => void calls.push(`hook ${r.method}`));
      s.all('/m', (r: Request) => r.method);
    });
    const get = await fetch(`${url}/m`);
    assert.equal(await get.text(), 'GET');
    assert.deepEqual(calls, [], 'POST-only bindings ran for GET');
    const post = await fetch(`${url}/m`, { method: 'POST' });
    assert.equal(await post.text(), 'POST');
    assert.deepEqual(calls.sort(), ['hook POST', 'middleware POST']);
  });

  it('with trustProxy, X-Forwarded-Proto: https makes r.url.protocol https:; without it, http:', async () => {
    const route = (s: Parameters<Parameters<typeof startServer>[0]>[0]): void =>
      void s.get('/proto', (r) => r.url.protocol);
    const trusted = await startServer(route, { trustProxy: true });
    const direct = await startServer(route);
    const ask = async (url: string): Promise<string> =>
      (await fetch(`${url}/proto`, { headers: { 'x-forwarded-proto': 'https' } })).text();
    assert.equal(await ask(trusted.url), 'https:');
    assert.equal(await ask(direct.url), 'http:');
  });
});
