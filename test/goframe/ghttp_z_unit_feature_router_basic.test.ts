// GoFrame net/ghttp/ghttp_z_unit_feature_router_basic_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_router_basic.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

describe('GoFrame router basic', () => {
  // Test_Router_Basic1
  it('matches :name, :name/update, :name/:action, :name/*any and {field}.html', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/:name', (r) => r.response.write('/:name'));
      s.bindHandler('/:name/update', (r) => r.response.write(r.get('name')));
      s.bindHandler('/:name/:action', (r) => r.response.write(r.get('action')));
      s.bindHandler('/:name/*any', (r) => r.response.write(r.get('any')));
      s.bindHandler('/user/list/{field}.html', (r) => r.response.write(r.get('field')));
    });
    const c = gfClient(url);
    // `/:name/*any` is deeper than `/:name` and also matches `/john` (any is empty).
    assert.equal(await c.getContent('/john'), '');
    assert.equal(await c.getContent('/john/update'), 'john');
    assert.equal(await c.getContent('/john/edit'), 'edit');
    assert.equal(await c.getContent('/user/list/100.html'), '100');
  });

  // Test_Router_Basic2
  it('matches {hash} and {hash}.{type}', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/{hash}', (r) => r.response.write(r.get('hash')));
      s.bindHandler('/{hash}.{type}', (r) => r.response.write(r.get('type')));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/data'), 'data');
    assert.equal(await c.getContent('/data.json'), 'json');
  });

  // Test_Router_Value
  it('reads route values with getRouter and the params map', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/', (r) => r.response.write((r.params as Record<string, string>).hash));
      s.bindHandler('/GetRouter', (r) => r.response.write(r.getRouter('name', 'john')));
      s.bindHandler('/{hash}', (r) => r.response.write(r.getRouter('hash')));
      s.bindHandler('/{hash}.{type}', (r) => r.response.write(r.getRouter('type')));
      s.bindHandler('/{hash}.{type}.map', (r) => r.response.write(r.params.type));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '');
    assert.equal(await c.getContent('/GetRouter'), 'john');
    assert.equal(await c.getContent('/data'), 'data');
    assert.equal(await c.getContent('/data.json'), 'json');
    assert.equal(await c.getContent('/data.json.map'), 'json');
  });

  // Test_Router_Method
  it('serves GET:/get and POST:/post with their own method', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('GET:/get', () => undefined);
      s.bindHandler('POST:/post', () => undefined);
    });
    const c = gfClient(url);
    assert.equal((await c.get('/get')).status, 200);
    assert.equal((await c.post('/post')).status, 200);
  });

  // Test_Router_Method
  // DIFFERENCE: a path bound under other methods answers 405 with Allow, not GoFrame's 404.
  it('answers 405 with Allow for the wrong method (GoFrame: 404)', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('GET:/get', () => undefined);
      s.bindHandler('POST:/post', () => undefined);
    });
    const c = gfClient(url);
    const a = await c.post('/get');
    assert.equal(a.status, 405);
    assert.equal(a.headers.allow, 'GET, HEAD, OPTIONS');
    const b = await c.get('/post');
    assert.equal(b.status, 405);
    assert.equal(b.headers.allow, 'OPTIONS, POST');
  });

  // Test_Router_ExtraChar
  it('matches a group route with one trailing slash', async () => {
    const { url } = await startServer((s) => {
      s.group('/api', (group) => {
        group.get('/test', (r) => r.response.write('test'));
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api/test'), 'test');
    assert.equal(await c.getContent('/api/test/'), 'test');
  });

  // Test_Router_Status
  it('sends the status set by writeStatus', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/200', (r) => r.response.writeStatus(200));
      s.bindHandler('/300', (r) => r.response.writeStatus(300));
      s.bindHandler('/400', (r) => r.response.writeStatus(400));
      s.bindHandler('/500', (r) => r.response.writeStatus(500));
    });
    const c = gfClient(url);
    assert.equal((await c.get('/200')).status, 200);
    assert.equal((await c.get('/300')).status, 300);
    assert.equal((await c.get('/400')).status, 400);
    assert.equal((await c.get('/500')).status, 500);
    assert.equal((await c.get('/404')).status, 404);
  });

  // Test_Router_CustomStatusHandler
  it('replaces the 404 body with a status handler', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/', (r) => r.response.write('hello'));
      s.bindStatusHandler(404, (r) => r.response.write('404 page'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'hello');
    const res = await c.get('/ThisDoesNotExist');
    assert.equal(res.status, 404);
    assert.equal(res.body, '404 page');
  });

  // Test_Router_404
  it('answers 404 for an unbound path', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/', (r) => r.response.write('hello'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'hello');
    assert.equal((await c.get('/ThisDoesNotExist')).status, 404);
  });

  // Test_Router_Priority
  it('prefers the literal route over {page} inside a segment', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/admin', (r) => r.response.write('admin'));
      s.bindHandler('/admin-{page}', (r) => r.response.write('admin-{page}'));
      s.bindHandler('/admin-goods', (r) => r.response.write('admin-goods'));
      s.bindHandler('/admin-goods-{page}', (r) => r.response.write('admin-goods-{page}'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/admin'), 'admin');
    assert.equal(await c.getContent('/admin-1'), 'admin-{page}');
    assert.equal(await c.getContent('/admin-goods'), 'admin-goods');
    assert.equal(await c.getContent('/admin-goods-2'), 'admin-goods-{page}');
  });

  // Test_Router_ExtraChar
  it('matches a route whatever the repeated slashes in the request path', async () => {
    const { url } = await startServer((s) => {
      s.group('/api', (group) => {
        group.get('/test', (r) => r.response.write('test'));
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api/test//'), 'test');
    assert.equal(await c.getContent('//api/test//'), 'test');
    assert.equal(await c.getContent('//api//test//'), 'test');
    assert.equal(await c.getContent('///api///test///'), 'test');
  });
});
