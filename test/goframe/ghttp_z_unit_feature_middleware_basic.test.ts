// GoFrame net/ghttp/ghttp_z_unit_feature_middleware_basic_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_middleware_basic.ts.
// GoFrame's `group.Hook(pattern, ...)` is translated to `s.bindHookHandler(prefix + pattern, ...)`;
// GoFrame's `r.Get(k)` on a body field is `await r.parse()` then `r.get(k)` (bodies are async).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import {
  cors,
  handlerResponse,
  middleware,
  type Middleware,
  type Request,
} from '../../src/index.js';
import { startServer, waitFor } from '../helpers/server.js';
import { gfClient } from './gf-client.js';
import { tempSite } from './static-dirs.js';

/** GoFrame's testdata/static1: an index.html and a test.html. */
const static1 = (): string => tempSite({ 'index.html': 'index', 'test.html': 'test' });

/** A middleware that writes `before`, runs the rest of the chain, then writes `after`. */
function around(before: string, after: string): Middleware {
  return async (r) => {
    r.response.write(before);
    await r.middleware.next();
    r.response.write(after);
  };
}

/** GoFrame's MiddlewareAuth: the token comes from the query or the form body. */
async function middlewareAuth(r: Request): Promise<void> {
  if (r.method !== 'GET' && r.method !== 'HEAD') await r.parse();
  if (r.get('token') === '123456') await r.middleware.next();
  else r.response.writeStatus(403);
}

class ObjectMiddleware {
  init(r: Request): void {
    r.response.write('100');
  }
  shut(r: Request): void {
    r.response.write('200');
  }
  index(r: Request): void {
    r.response.write('Object Index');
  }
  show(r: Request): void {
    r.response.write('Object Show');
  }
  info(r: Request): void {
    r.response.write('Object Info');
  }
}

describe('GoFrame middleware basic', () => {
  // Test_BindMiddleware_Basic1
  it('runs path-bound middleware in order, on routes and on bare matching paths', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddleware('/test', around('1', '2'), around('3', '4'));
      s.bindMiddleware('/test/:name', around('5', '6'), around('7', '8'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/test'), '1342');
    assert.equal(await c.getContent('/test/test'), '57test86');
  });

  // Test_BindMiddleware_Basic2
  it('runs /* middleware for every path', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddleware('/*', around('1', '2'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '12');
    assert.equal(await c.getContent('/test'), '12');
    assert.equal(await c.getContent('/test/test'), '1test2');
  });

  // Test_BindMiddleware_Basic4
  it('runs group middleware around the group route', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.middleware(async (r) => {
          r.response.write('1');
          await r.middleware.next();
        });
        group.middleware(async (r) => {
          await r.middleware.next();
          r.response.write('2');
        });
        group.all('/test', (r) => r.response.write('test'));
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/test'), '1test2');
    assert.equal(await c.putContent('/test/none'), 'Not Found');
  });

  // Test_Middleware_With_Static
  it('serves static files next to group routes with middleware', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.middleware(around('1', '2'));
        group.all('/user/list', (r) => r.response.write('list'));
      });
      s.setServerRoot(static1());
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'index');
    assert.equal(await c.getContent('/test.html'), 'test');
    assert.equal(await c.getContent('/none'), 'Not Found');
    assert.equal(await c.getContent('/user/list'), '1list2');
  });

  // Test_Middleware_Status
  it('lets middleware read the status after next()', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.middleware(async (r) => {
          await r.middleware.next();
          r.response.writeOver(r.response.status);
        });
        group.all('/user/list', (r) => r.response.write('list'));
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/user/list'), '200');
    assert.equal((await c.get('/')).status, 404);
  });

  // Test_Middleware_Hook_With_Static
  it('runs hooks and group middleware for routes and for misses', async () => {
    let calls = 0;
    const { url } = await startServer((s) => {
      s.bindHookHandler('/*', 'beforeServe', (r) => {
        calls++;
        r.response.write('a');
      });
      s.bindHookHandler('/*', 'afterServe', (r) => {
        calls++;
        r.response.write('b');
      });
      s.group('/', (group) => {
        group.middleware(around('1', '2'));
        group.all('/user/list', (r) => r.response.write('list'));
      });
      s.setServerRoot(static1());
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/none'), 'ab');
    assert.equal(calls, 2);
    assert.equal(await c.getContent('/user/list'), 'a1list2b');
    assert.equal(calls, 4);
  });

  // Test_BindMiddleware_Status
  it('runs /test/*any middleware that only calls next()', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddleware('/test/*any', (r) => r.middleware.next());
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/test'), 'Not Found');
    assert.equal(await c.getContent('/test/test'), 'test');
    assert.equal(await c.getContent('/test/test/test'), 'Not Found');
  });

  // Test_BindMiddlewareDefault_Basic1
  it('runs default middleware in binding order, for routes and misses', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddlewareDefault(around('1', '2'));
      s.bindMiddlewareDefault(around('3', '4'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '1342');
    assert.equal(await c.getContent('/test/test'), '13test42');
  });

  // Test_BindMiddlewareDefault_Basic2
  it('runs default middleware when the method does not match', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('PUT:/test/test', (r) => r.response.write('test'));
      s.bindMiddlewareDefault(around('1', '2'));
      s.bindMiddlewareDefault(around('3', '4'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '1342');
    assert.equal(await c.putContent('/'), '1342');
    assert.equal(await c.getContent('/test/test'), '1342');
    assert.equal(await c.putContent('/test/test'), '13test42');
  });

  // Test_BindMiddlewareDefault_Basic3
  it('runs default middleware that write before or after next()', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddlewareDefault(async (r) => {
        r.response.write('1');
        await r.middleware.next();
      });
      s.bindMiddlewareDefault(async (r) => {
        await r.middleware.next();
        r.response.write('2');
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '12');
    assert.equal(await c.getContent('/test/test'), '1test2');
  });

  // Test_BindMiddlewareDefault_Basic4
  it('runs default middleware that write after then before next()', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddlewareDefault(async (r) => {
        await r.middleware.next();
        r.response.write('1');
      });
      s.bindMiddlewareDefault(async (r) => {
        r.response.write('2');
        await r.middleware.next();
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '21');
    assert.equal(await c.getContent('/test/test'), '2test1');
  });

  // Test_BindMiddlewareDefault_Basic5
  it('runs default middleware that both write before next()', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddlewareDefault(async (r) => {
        r.response.write('1');
        await r.middleware.next();
      });
      s.bindMiddlewareDefault(async (r) => {
        r.response.write('2');
        await r.middleware.next();
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '12');
    assert.equal(await c.getContent('/test/test'), '12test');
  });

  // Test_BindMiddlewareDefault_Status
  it('keeps Not Found when default middleware only calls next()', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddlewareDefault((r) => r.middleware.next());
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/test/test'), 'test');
  });

  // Test_Hook_Middleware_Basic1
  it('runs beforeServe hooks, then middleware, then afterServe hooks', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindHookHandler('/*', 'beforeServe', (r) => r.response.write('a'));
      s.bindHookHandler('/*', 'afterServe', (r) => r.response.write('b'));
      s.bindHookHandler('/*', 'beforeServe', (r) => r.response.write('c'));
      s.bindHookHandler('/*', 'afterServe', (r) => r.response.write('d'));
      s.bindMiddlewareDefault(around('1', '2'));
      s.bindMiddlewareDefault(around('3', '4'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'ac1342bd');
    assert.equal(await c.getContent('/test/test'), 'ac13test42bd');
  });

  // Test_Middleware_CORSAndAuth
  it('answers Forbidden without the token and the route with it', async () => {
    const { url } = await startServer((s) => {
      s.use(cors());
      s.group('/api.v2', (group) => {
        group.middleware(middlewareAuth);
        group.post('/user/list', (r) => r.response.write('list'));
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/api.v2'), 'Not Found');
    assert.equal(await c.postContent('/api.v2/user/list'), 'Forbidden');
    assert.equal(await c.postContent('/api.v2/user/list', 'token=123456'), 'list');
    assert.equal(
      await c.header('Access-Control-Request-Headers', 'GF,GoFrame').getContent('/'),
      'Not Found',
    );
    assert.equal(await c.header('Origin', 'GoFrame').getContent('/'), 'Not Found');
    assert.equal(await c.header('Referer', 'Referer').postContent('/'), 'Not Found');
  });

  // Test_Middleware_CORSAndAuth
  // DIFFERENCE: Sluice's cors() decorates only requests that carry an Origin (browsers always
  // send one cross-origin), with its own defaults; GoFrame's CORSDefault() sets
  // Access-Control-Allow-* on every response, Origin or not (see DIFFERENCES.md).
  it('sends CORS headers only to a request with an Origin', async () => {
    const { url } = await startServer((s) => {
      s.use(cors());
      s.group('/api.v2', (group) => {
        group.middleware(middlewareAuth);
        group.post('/user/list', (r) => r.response.write('list'));
      });
    });
    const c = gfClient(url);
    const bare = await c.post('/api.v2/user/list', 'token=123456');
    assert.equal(bare.body, 'list');
    assert.equal(bare.headers['access-control-allow-origin'], undefined);
    const cross = await c
      .header('Origin', 'http://a.example')
      .post('/api.v2/user/list', 'token=123456');
    assert.equal(cross.body, 'list');
    assert.equal(cross.headers['access-control-allow-origin'], '*');
  });

  // Test_Middleware_Scope
  it('scopes middleware to its group and nested groups', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.middleware(around('a', 'b'));
        group.all('/scope1', (r) => r.response.write('1'));
        group.group('/', (group) => {
          group.middleware(around('c', 'd'));
          group.all('/scope2', (r) => r.response.write('2'));
        });
        group.group('/', (group) => {
          group.middleware(around('e', 'f'));
          group.all('/scope3', (r) => r.response.write('3'));
        });
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/scope1'), 'a1b');
    assert.equal(await c.getContent('/scope2'), 'ac2db');
    assert.equal(await c.getContent('/scope3'), 'ae3fb');
  });

  // Test_Middleware_Panic
  // DIFFERENCE: an error thrown by middleware answers 500 with its message hidden
  // ("Internal Server Error"); GoFrame answers "exception recovered: error".
  it('answers 500 with a hidden message when middleware throws', async () => {
    let i = 0;
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.group('/', (group) => {
          group.middleware(
            () => {
              i++;
              throw new Error('error');
            },
            async (r) => {
              i++;
              await r.middleware.next();
            },
          );
          group.all('/', (r) => r.response.write(i));
        });
      });
    });
    const res = await gfClient(url).get('/');
    assert.equal(res.status, 500);
    assert.equal(res.body, 'Internal Server Error');
    assert.equal(i, 1);
  });

  // Test_MiddlewareHandlerResponse
  it('keeps the status written under handlerResponse()', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.middleware(handlerResponse());
        group.get('/403', (r) => r.response.writeStatus(403, ''));
        group.get('/default', (r) => r.response.writeStatus(500, ''));
      });
    });
    const c = gfClient(url);
    assert.equal((await c.get('/403')).status, 403);
    assert.equal((await c.get('/default')).status, 500);
  });

  // Test_MiddlewareHandlerGzipResponse
  it('sends a body the handler gzipped itself', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.get('/default', (r) => {
          const gz = gzipSync('hello');
          r.response.header().set('Content-Encoding', 'gzip');
          r.response.header().set('Content-Type', 'text/plain');
          r.response.header().set('Content-Length', String(gz.length));
          r.response.write(gz);
        });
      });
    });
    assert.equal((await gfClient(url).get('/default')).status, 200);
  });

  // Test_MiddlewareHandlerStreamResponse
  // DIFFERENCE: handlerResponse() decides by state, not by Content-Type: a handler that only
  // sets a streaming Content-Type and writes nothing still gets the JSON envelope (GoFrame
  // leaves text/event-stream, octet-stream and multipart/x-mixed-replace bodies empty). A
  // streaming handler in Sluice flushes (or uses sse()/stream()), which commits the response.
  it('wraps an empty uncommitted response whatever its Content-Type', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.middleware(handlerResponse());
        group.get('/stream/event', (r) => {
          r.response.header().set('Content-Type', 'text/event-stream');
        });
        group.get('/stream/flushed', async (r) => {
          r.response.header().set('Content-Type', 'text/event-stream');
          await r.response.flush();
        });
      });
    });
    const c = gfClient(url);
    const event = await c.get('/stream/event');
    assert.equal(event.status, 200);
    assert.equal(event.body, '{"code":0,"message":"OK","data":null}');
    const flushed = await c.get('/stream/flushed');
    assert.equal(flushed.status, 200);
    assert.equal(flushed.body, '');
  });

  // Test_BindMiddleware_Basic3
  it('runs method-prefixed middleware only for that method', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test/test', (r) => r.response.write('test'));
      s.bindMiddleware('PUT:/test', around('1', '2'), around('3', '4'));
      s.bindMiddleware('POST:/test/:name', around('5', '6'), around('7', '8'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/test'), 'Not Found');
    assert.equal(await c.putContent('/test'), '1342');
    assert.equal(await c.postContent('/test'), 'Not Found');
    assert.equal(await c.getContent('/test/test'), 'test');
    assert.equal(await c.putContent('/test/test'), 'test');
    assert.equal(await c.postContent('/test/test'), '57test86');
  });

  // Test_Middleware_Hook_With_Static
  it('serves a static file whole even when a hook wrote first', async () => {
    let calls = 0;
    const { url } = await startServer((s) => {
      s.bindHookHandler('/*', 'beforeServe', (r) => {
        calls++;
        r.response.write('a');
      });
      s.bindHookHandler('/*', 'afterServe', (r) => {
        calls++;
        r.response.write('b');
      });
      s.group('/', (group) => {
        group.middleware(around('1', '2'));
        group.all('/user/list', (r) => r.response.write('list'));
      });
      s.setServerRoot(static1());
    });
    const c = gfClient(url);
    // A file streams from disk, so its afterServe hook may run just after the client has the
    // whole body: wait for it (GoFrame buffers the file, so its hooks are done first).
    assert.equal(await c.getContent('/'), 'index');
    await waitFor(() => calls === 2, 2000, 'two hook calls');
    assert.equal(await c.getContent('/test.html'), 'test');
    await waitFor(() => calls === 4, 2000, 'four hook calls');
  });

  // Test_BindMiddlewareDefault_Basic6
  it('runs default middleware around an object binding', async () => {
    const { url } = await startServer((s) => {
      s.bindObject('/', new ObjectMiddleware());
      s.bindMiddlewareDefault(around('1', '2'));
      s.bindMiddlewareDefault(around('3', '4'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '13100Object Index20042');
    assert.equal(await c.getContent('/init'), '1342');
    assert.equal(await c.getContent('/shut'), '1342');
    assert.equal(await c.getContent('/index'), '13100Object Index20042');
    assert.equal(await c.getContent('/show'), '13100Object Show20042');
    assert.equal(await c.getContent('/none-exist'), '1342');
  });

  // Test_Middleware_CORSAndAuth
  it('sets GoFrame default CORS headers from a middleware', async () => {
    const { url } = await startServer((s) => {
      s.use(async (r) => {
        r.response.corsDefault();
        await r.middleware.next();
      });
      s.group('/api.v2', (group) => {
        group.middleware(async (r) => {
          await r.parse();
          if (r.get('token') === '123456') await r.middleware.next();
          else r.response.writeStatus(403);
        });
        group.post('/user/list', (r) => r.response.write('list'));
      });
    });
    const res = await gfClient(url).post('/api.v2/user/list', 'token=123456');
    assert.equal(res.body, 'list');
    const count = res.rawHeaders.filter(
      (h, i) => i % 2 === 0 && h.toLowerCase() === 'access-control-allow-headers',
    ).length;
    assert.equal(count, 1);
    assert.equal(
      res.headers['access-control-allow-headers'],
      'Origin,Content-Type,Accept,User-Agent,Cookie,Authorization,X-Auth-Token,X-Requested-With',
    );
    assert.equal(
      res.headers['access-control-allow-methods'],
      'GET,PUT,POST,DELETE,PATCH,HEAD,CONNECT,OPTIONS,TRACE',
    );
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-max-age'], '3628800');
  });

  // Test_Middleware_JsonBody
  it('refuses a body that is not JSON', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.middleware(middleware.jsonBody());
        group.all('/', (r) => r.response.write('hello'));
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'hello');
    assert.equal(await c.putContent('/'), 'hello');
    assert.equal(await c.putContent('/', '{"name":"john"}'), 'hello');
    assert.equal(
      await c.putContent('/', '{"name":}'),
      'the request body content should be JSON format',
    );
  });
});
