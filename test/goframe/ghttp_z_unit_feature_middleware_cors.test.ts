// GoFrame net/ghttp/ghttp_z_unit_feature_middleware_cors_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_middleware_cors.ts.
// GoFrame's MiddlewareCORS (CORSDefault) is translated to Sluice's `cors()`. Sluice's cors()
// acts only on requests with an Origin, so the translated requests that check CORS headers
// send one, as a browser does (see DIFFERENCES.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cors, type Server } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

const ORIGIN = 'http://app.example';

function bindCors1(s: Server): void {
  s.group('/api.v2', (group) => {
    group.middleware(cors());
    group.post('/user/list', (r) => r.response.write('list'));
  });
}

function bindCors2(s: Server): void {
  s.group('/api.v2', (group) => {
    group.middleware(cors());
    group.get('/user/list/{type}', (r) => r.response.write(r.get('type')));
  });
}

describe('GoFrame middleware CORS', () => {
  // Test_Middleware_CORS1
  it('answers Not Found outside the group', async () => {
    const { url } = await startServer(bindCors1);
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/api.v2'), 'Not Found');
  });

  // Test_Middleware_CORS1
  it('decorates the matched POST route with CORS headers', async () => {
    const { url } = await startServer(bindCors1);
    const res = await gfClient(url).header('Origin', ORIGIN).post('/api.v2/user/list');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'list');
    assert.equal(res.headers['access-control-allow-origin'], '*');
  });

  // Test_Middleware_CORS1
  // DIFFERENCE: GET on a POST-only path answers 405 with Allow (GoFrame: 404); neither runs the
  // group's CORS middleware.
  it('answers 405 without CORS headers for GET on the POST route (GoFrame: 404)', async () => {
    const { url } = await startServer(bindCors1);
    const res = await gfClient(url).header('Origin', ORIGIN).get('/api.v2/user/list');
    assert.equal(res.status, 405);
    assert.equal(res.headers['access-control-allow-headers'], undefined);
  });

  // Test_Middleware_CORS1
  // DIFFERENCE: a preflight for a method the path does not serve gets the automatic OPTIONS
  // answer (204 with Allow, no CORS headers, so the browser refuses); GoFrame answers 404.
  it('answers a preflight for an unserved method with 204 and Allow (GoFrame: 404)', async () => {
    const { url } = await startServer(bindCors1);
    const res = await gfClient(url)
      .header('Origin', ORIGIN)
      .header('Access-Control-Request-Method', 'GET')
      .options('/api.v2/user/list');
    assert.equal(res.status, 204);
    assert.equal(res.headers.allow, 'OPTIONS, POST');
    assert.equal(res.headers['access-control-allow-headers'], undefined);
  });

  // Test_Middleware_CORS1
  // DIFFERENCE: Sluice's cors() sends no CORS header to a request without an Origin, and on a
  // simple (non-preflight) request only Access-Control-Allow-Origin (and Vary: Origin);
  // GoFrame's CORSDefault() sends Allow-Headers, Allow-Methods, Allow-Origin "*",
  // Allow-Credentials "true" and Max-Age 3628800 on every response.
  it('sends no CORS header without an Origin, and no Allow-Headers on a simple request', async () => {
    const { url } = await startServer(bindCors1);
    const c = gfClient(url);
    const bare = await c.post('/api.v2/user/list');
    assert.equal(bare.body, 'list');
    assert.equal(bare.headers['access-control-allow-origin'], undefined);
    assert.equal(bare.headers['access-control-allow-headers'], undefined);
    const cross = await c.header('Origin', ORIGIN).post('/api.v2/user/list');
    assert.equal(cross.headers['access-control-allow-origin'], '*');
    assert.equal(cross.headers['access-control-allow-headers'], undefined);
    assert.equal(cross.headers['access-control-max-age'], undefined);
    assert.equal(cross.headers.vary, 'Origin');
  });

  // Test_Middleware_CORS2
  it('decorates the matched GET route and answers its body', async () => {
    const { url } = await startServer(bindCors2);
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/api.v2'), 'Not Found');
    const res = await c.header('Origin', ORIGIN).get('/api.v2/user/list/1');
    assert.equal(res.body, '1');
    assert.equal(res.headers['access-control-allow-origin'], '*');
  });

  // Test_Middleware_CORS2
  it('answers 404 without CORS headers to a preflight for an unbound path', async () => {
    const { url } = await startServer(bindCors2);
    const res = await gfClient(url)
      .header('Origin', ORIGIN)
      .header('Access-Control-Request-Method', 'GET')
      .options('/api.v2/user');
    assert.equal(res.status, 404);
    assert.equal(res.headers['access-control-allow-headers'], undefined);
  });

  // Test_Middleware_CORS2
  // DIFFERENCE: automatic OPTIONS (204 with Allow, no CORS headers) where GoFrame answers 404.
  it('answers a preflight for POST on a GET route with 204 and Allow (GoFrame: 404)', async () => {
    const { url } = await startServer(bindCors2);
    const res = await gfClient(url)
      .header('Origin', ORIGIN)
      .header('Access-Control-Request-Method', 'POST')
      .options('/api.v2/user/list/1');
    assert.equal(res.status, 204);
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS');
    assert.equal(res.headers['access-control-allow-headers'], undefined);
  });

  // Test_Middleware_CORS3
  it('serves a GET that carries Access-Control-Request-Method', async () => {
    const { url } = await startServer(bindCors2);
    const res = await gfClient(url)
      .header('Access-Control-Request-Method', 'POST')
      .get('/api.v2/user/list/1');
    assert.equal(res.status, 200);
    assert.equal(res.body, '1');
  });

  // Test_Middleware_CORS1
  it('runs group CORS middleware on a preflight for the POST route', async () => {
    const { url } = await startServer((s) => {
      s.group('/api.v2', (group) => {
        group.middleware(cors());
        group.post('/user/list', (r) => r.response.write('list'));
      });
    });
    const res = await gfClient(url)
      .header('Origin', ORIGIN)
      .header('Access-Control-Request-Method', 'POST')
      .options('/api.v2/user/list');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.ok(res.headers['access-control-allow-headers'] !== undefined);
  });

  // Test_Middleware_CORS2
  it('runs group CORS middleware on a preflight for the GET route', async () => {
    const { url } = await startServer((s) => {
      s.group('/api.v2', (group) => {
        group.middleware(cors());
        group.get('/user/list/{type}', (r) => r.response.write(r.get('type')));
      });
    });
    const res = await gfClient(url)
      .header('Origin', ORIGIN)
      .header('Access-Control-Request-Method', 'GET')
      .options('/api.v2/user/list/1');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.ok(res.headers['access-control-allow-headers'] !== undefined);
  });
});
