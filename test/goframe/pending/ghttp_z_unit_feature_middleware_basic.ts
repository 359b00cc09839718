// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_middleware_basic_test.go: each fails
// on Sluice today.
// Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_middleware_basic.ts
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { middleware, type Middleware, type Request } from '../../../src/index.js';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';
import { tempSite } from '../static-dirs.js';

/** GoFrame's testdata/static1: an index.html and a test.html. */
const static1 = (): string => tempSite({ 'index.html': 'index', 'test.html': 'test' });

function around(before: string, after: string): Middleware {
  return async (r) => {
    r.response.write(before);
    await r.middleware.next();
    r.response.write(after);
  };
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

describe('GoFrame middleware basic (pending)', () => {
  // Test_BindMiddleware_Basic3
  // GAP: a method prefix in bindMiddleware ("PUT:/test") limits the middleware to that method (known; being fixed).
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
  // GAP: a static file is served alone: what hooks wrote to the buffer before it is dropped (known; being fixed). Hooks still run (2 calls per request).
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
    assert.equal(await c.getContent('/'), 'index');
    assert.equal(calls, 2);
    assert.equal(await c.getContent('/test.html'), 'test');
    assert.equal(calls, 4);
  });

  // Test_BindMiddlewareDefault_Basic6
  // GAP: bindObject (see router_group): default middleware wraps init/method/shut; init and shut are not routes themselves ("/init" is a miss).
  it('runs default middleware around an object binding', async () => {
    const { url } = await startServer((s) => {
      // @ts-expect-error GAP: Server.bindObject(pattern, object, methods?) does not exist
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
  // GAP: `r.response.corsDefault()` (GoFrame's CORSDefault) sets, with or without Origin: Access-Control-Allow-Origin "*" (the Origin, else the Referer's origin, when sent), Access-Control-Allow-Methods "GET,PUT,POST,DELETE,PATCH,HEAD,CONNECT,OPTIONS,TRACE", Access-Control-Allow-Headers "Origin,Content-Type,Accept,User-Agent,Cookie,Authorization,X-Auth-Token,X-Requested-With" (plus any other Access-Control-Request-Headers), Access-Control-Allow-Credentials "true", Access-Control-Max-Age "3628800"; on OPTIONS it answers 200 and ends the chain.
  it('sets GoFrame default CORS headers from a middleware', async () => {
    const { url } = await startServer((s) => {
      s.use(async (r) => {
        // @ts-expect-error GAP: Response.corsDefault() does not exist
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
  // GAP: `middleware.jsonBody()` (GoFrame's MiddlewareJsonBody): a non-empty body that is not valid JSON stops the chain with the error "the request body content should be JSON format" as the body; an empty body or valid JSON passes.
  it('refuses a body that is not JSON', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        // @ts-expect-error GAP: middleware.jsonBody() does not exist
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
