// Dispatch through a real server: 404, 405 with Allow, automatic OPTIONS, HEAD via GET,
// duplicate routes, groups and global middleware on fallbacks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server, SluiceError, g } from '../src/index.js';
import { startServer } from './helpers/server.js';

describe('routing through the server', () => {
  it('answers 404 for an unknown path and 405 with Allow for a known path under another method', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('GET:/item/{id}', (r) => `item ${r.get('id')}`);
      s.bindHandler('POST:/item/{id}', () => 'posted');
    });
    const a = await fetch(`${url}/nope`);
    assert.equal(a.status, 404);
    assert.equal(await a.text(), 'Not Found');
    const b = await fetch(`${url}/item/7`, { method: 'DELETE' });
    assert.equal(b.status, 405);
    assert.equal(b.headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
    const c = await fetch(`${url}/item/7`);
    assert.equal(await c.text(), 'item 7');
  });

  it('answers OPTIONS with 204 and Allow when no route takes OPTIONS', async () => {
    const { url } = await startServer((s) => s.get('/x', () => 'x'));
    const res = await fetch(`${url}/x`, { method: 'OPTIONS' });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.equal(await res.text(), '');
  });

  it('serves HEAD with the GET handler, headers only, same Content-Length', async () => {
    const { url } = await startServer((s) => s.get('/x', () => 'hello'));
    const res = await fetch(`${url}/x`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '5');
    assert.equal(await res.text(), '');
  });

  it('throws a coded error at bind time for a duplicate route', () => {
    const s = new Server();
    s.bindHandler('GET:/a/{id}', () => 'a');
    assert.throws(
      () => s.bindHandler('GET:/a/{id}', () => 'b'),
      (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ROUTE_DUPLICATE',
    );
  });

  it('binds groups with prefixes, nested groups and group middleware in order', async () => {
    const { url } = await startServer((s) => {
      s.group('/api', (api) => {
        api.middleware(async (r) => {
          r.response.header().append('X-Trace', 'api');
          await r.middleware.next();
        });
        api.get('/ping', () => 'pong');
        api.group('/v1', (v1) => {
          v1.middleware(async (r) => {
            r.response.header().append('X-Trace', 'v1');
            await r.middleware.next();
          });
          v1.get('/user/:id', (r) => ({ id: r.get('id') }));
        });
      });
    });
    const a = await fetch(`${url}/api/ping`);
    assert.equal(await a.text(), 'pong');
    assert.equal(a.headers.get('x-trace'), 'api');
    const b = await fetch(`${url}/api/v1/user/42`);
    assert.deepEqual(await b.json(), { id: '42' });
    assert.equal(b.headers.get('x-trace'), 'api, v1');
  });

  it('runs global middleware for 404, 405 and automatic OPTIONS', async () => {
    const seen: string[] = [];
    const { url } = await startServer((s) => {
      s.use(async (r) => {
        seen.push(`${r.method} ${r.path}`);
        await r.middleware.next();
      });
      s.get('/x', () => 'x');
    });
    await (await fetch(`${url}/missing`)).text();
    await (await fetch(`${url}/x`, { method: 'PUT' })).text();
    await (await fetch(`${url}/x`, { method: 'OPTIONS' })).text();
    assert.deepEqual(seen, ['GET /missing', 'PUT /x', 'OPTIONS /x']);
  });

  it('runs pattern-bound middleware only for matching paths', async () => {
    const { url } = await startServer((s) => {
      s.bindMiddleware('/admin/*', (r) => {
        r.response.writeStatus(403, 'no');
      });
      s.get('/admin/panel', () => 'panel');
      s.get('/public', () => 'public');
    });
    const a = await fetch(`${url}/admin/panel`);
    assert.equal(a.status, 403);
    assert.equal(await a.text(), 'no');
    assert.equal(await (await fetch(`${url}/public`)).text(), 'public');
  });

  it('g.server(name) gives one live instance per name, and a new one after shutdown', async () => {
    const a = g.server('routing-test');
    assert.equal(g.server('routing-test'), a);
    assert.notEqual(g.server('other-routing-test'), a);
    a.setAddress('127.0.0.1:0');
    await a.start();
    await a.shutdown();
    assert.notEqual(g.server('routing-test'), a);
    await g.server('other-routing-test').shutdown();
  });
});
