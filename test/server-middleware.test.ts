// GoFrame's middleware semantics: next(), exit(), exitAll(), isExited(), hooks, status handlers,
// and the shipped middleware (handlerResponse, cors, requestId, accessLog).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError, middleware } from '../src/index.js';
import { memoryLogger, startServer } from './helpers/server.js';

describe('middleware chain', () => {
  it('runs middleware around the handler in order; code after next() runs after the handler', async () => {
    const order: string[] = [];
    const { url } = await startServer((s) => {
      s.use(async (r) => {
        order.push('a:before');
        await r.middleware.next();
        order.push('a:after');
      });
      s.use(async (r) => {
        order.push('b:before');
        await r.middleware.next();
        order.push('b:after');
      });
      s.get('/', () => {
        order.push('handler');
        return 'ok';
      });
    });
    assert.equal(await (await fetch(url)).text(), 'ok');
    assert.deepEqual(order, ['a:before', 'b:before', 'handler', 'b:after', 'a:after']);
  });

  it('a middleware that does not call next() stops the chain', async () => {
    let ran = false;
    const { url } = await startServer((s) => {
      s.use((r) => r.response.write('stopped'));
      s.get('/', () => {
        ran = true;
      });
    });
    assert.equal(await (await fetch(url)).text(), 'stopped');
    assert.equal(ran, false);
  });

  it('exit() ends only the current function; exitAll() makes later next() calls no-ops', async () => {
    const order: string[] = [];
    const { url } = await startServer((s) => {
      s.use(async (r) => {
        await r.middleware.next();
        order.push(`outer sees exited=${r.isExited()}`);
      });
      s.get('/exit', (r) => {
        r.response.write('partial');
        r.exit();
        order.push('never');
      });
      s.get('/exitall', async (r) => {
        r.response.write('all');
        r.exitAll();
      });
    });
    assert.equal(await (await fetch(`${url}/exit`)).text(), 'partial');
    assert.equal(await (await fetch(`${url}/exitall`)).text(), 'all');
    assert.deepEqual(order, ['outer sees exited=false', 'outer sees exited=true']);
  });

  it('runs hooks in GoFrame order: beforeServe, afterServe, beforeOutput, afterOutput; exitHook stops a kind', async () => {
    const order: string[] = [];
    let afterOutput!: () => void;
    const done = new Promise<void>((resolve) => (afterOutput = resolve));
    const { url } = await startServer((s) => {
      s.bindHookHandler('/*', 'beforeServe', () => void order.push('beforeServe'));
      s.bindHookHandler('/*', 'afterServe', (r) => {
        order.push('afterServe');
        r.exitHook();
      });
      s.bindHookHandler('/*', 'afterServe', () => void order.push('second afterServe (skipped)'));
      s.bindHookHandler('/*', 'beforeOutput', (r) => {
        order.push('beforeOutput');
        r.response.header().set('X-Hooked', '1');
      });
      s.bindHookHandler('/*', 'afterOutput', () => {
        order.push('afterOutput');
        afterOutput();
      });
      s.get('/h', () => {
        order.push('handler');
        return 'ok';
      });
    });
    const res = await fetch(`${url}/h`);
    assert.equal(res.headers.get('x-hooked'), '1');
    await res.text();
    await done;
    assert.deepEqual(order, [
      'beforeServe',
      'handler',
      'afterServe',
      'beforeOutput',
      'afterOutput',
    ]);
  });

  it('beforeOutput runs at the first flush of a stream, before the headers go out', async () => {
    const { url } = await startServer((s) => {
      s.bindHookHandler(
        '/*',
        'beforeOutput',
        (r) => void r.response.header().set('X-At-Commit', 'yes'),
      );
      s.get('/s', async (r) => {
        r.response.write('a');
        await r.response.flush();
        r.response.write('b');
      });
    });
    const res = await fetch(`${url}/s`);
    assert.equal(res.headers.get('x-at-commit'), 'yes');
    assert.equal(await res.text(), 'ab');
  });

  it('a status handler replaces the body of responses with its status', async () => {
    const { url } = await startServer((s) => {
      s.bindStatusHandler(404, (r) =>
        r.response.writeJson({ error: 'nothing here', path: r.path }),
      );
    });
    const res = await fetch(`${url}/missing`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'nothing here', path: '/missing' });
  });
});

describe('middleware.handlerResponse()', () => {
  it('wraps a returned value in { code: 0, message: "OK", data }', async () => {
    const { url } = await startServer((s) => {
      s.use(middleware.handlerResponse());
      s.get('/user', () => ({ id: 1 }));
      s.get('/nothing', () => undefined);
    });
    assert.deepEqual(await (await fetch(`${url}/user`)).json(), {
      code: 0,
      message: 'OK',
      data: { id: 1 },
    });
    assert.deepEqual(await (await fetch(`${url}/nothing`)).json(), {
      code: 0,
      message: 'OK',
      data: null,
    });
  });

  it('keeps the HTTP status of errors and hides the message of unexpected ones', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) => {
        s.use(middleware.handlerResponse());
        s.get('/missing', () => {
          throw new HttpError(404, 'no such user');
        });
        s.get('/boom', () => {
          throw new Error('database password is hunter2');
        });
      },
      { logger: log },
    );
    const a = await fetch(`${url}/missing`);
    assert.equal(a.status, 404);
    assert.deepEqual(await a.json(), { code: 65, message: 'no such user', data: null });
    const b = await fetch(`${url}/boom`);
    assert.equal(b.status, 500);
    const body = await b.text();
    assert.deepEqual(JSON.parse(body), { code: 50, message: 'Internal Server Error', data: null });
    assert.ok(!body.includes('hunter2'));
    assert.ok(
      log.records.some(
        (x) => x.level === 'error' && String((x.obj.err as Error)?.message).includes('hunter2'),
      ),
    );
  });

  it('wraps 404 for unknown paths too, and leaves exited and committed (streamed) responses alone', async () => {
    const { url } = await startServer((s) => {
      s.use(middleware.handlerResponse());
      s.get('/exited', (r) => {
        r.response.write('raw text');
        r.exitAll();
      });
      s.get('/stream', async (r) => {
        r.response.header().set('Content-Type', 'text/event-stream');
        for (let i = 0; i < 3; i++) {
          r.response.writefln('data: %d\n', i);
          await r.response.flush();
        }
      });
    });
    const a = await fetch(`${url}/nope`);
    assert.equal(a.status, 404);
    assert.deepEqual(await a.json(), { code: 65, message: 'Not Found', data: null });
    assert.equal(await (await fetch(`${url}/exited`)).text(), 'raw text');
    assert.equal(await (await fetch(`${url}/stream`)).text(), 'data: 0\n\ndata: 1\n\ndata: 2\n\n');
  });
});

describe('shipped middleware', () => {
  it('cors() answers a preflight (Last-Event-ID allowed) and echoes an exact origin with credentials', async () => {
    const { url } = await startServer((s) => {
      s.use(middleware.cors({ origin: ['https://app.example'], credentials: true }));
      s.get('/events', () => 'ok');
    });
    const pre = await fetch(`${url}/events`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Last-Event-ID/);
    const other = await fetch(`${url}/events`, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('requestId() sets X-Request-Id, keeps a sane incoming one, and puts it on r.log', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) => {
        s.use(middleware.requestId());
        s.get('/', (r) => {
          r.log.warn('hello');
          return r.id;
        });
      },
      { logger: log },
    );
    const a = await fetch(url, { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(a.headers.get('x-request-id'), 'abc-123');
    assert.equal(await a.text(), 'abc-123');
    assert.equal(log.records.at(-1)?.obj.reqId, 'abc-123');
    const b = await fetch(url, { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(b.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('accessLog() logs one line per request with tokens redacted', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) => {
        s.use(middleware.accessLog());
        s.get('/a', () => 'a');
      },
      { logger: log },
    );
    await (await fetch(`${url}/a?token=s3cret&x=1`)).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const line = log.records.find((x) => x.msg === 'request');
    assert.ok(line);
    assert.equal(line.obj.url, '/a?token=[redacted]&x=1');
    assert.equal(line.obj.status, 200);
  });
});
