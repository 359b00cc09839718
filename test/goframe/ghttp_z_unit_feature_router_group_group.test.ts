// GoFrame net/ghttp/ghttp_z_unit_feature_router_group_group_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_router_group_group.ts.
// GoFrame's `group.Hook(pattern, ...)` is translated to `s.bindHookHandler(prefix + pattern, ...)`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

function bindApiV2(s: Server): void {
  s.group('/api.v2', (group) => {
    group.middleware(async (r) => {
      r.response.write('1');
      await r.middleware.next();
      r.response.write('2');
    });
    group.get('/test', (r) => r.response.write('test'));
    group.group('/order', (group) => {
      group.get('/list', (r) => r.response.write('list'));
      group.put('/update', (r) => r.response.write('update'));
    });
    group.group('/user', (group) => {
      group.get('/info', (r) => r.response.write('info'));
      group.post('/edit', (r) => r.response.write('edit'));
      group.delete('/drop', (r) => r.response.write('drop'));
    });
  });
  s.bindHookHandler('/api.v2/hook/*', 'beforeServe', (r) => r.response.write('hook any'));
  s.bindHookHandler('/api.v2/hook/:name', 'beforeServe', (r) => r.response.write('hook name'));
}

describe('GoFrame router group in group', () => {
  // Test_Router_Group_Group
  it('runs the outer group middleware around nested group routes', async () => {
    const { url } = await startServer(bindApiV2);
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/api.v2'), 'Not Found');
    assert.equal(await c.getContent('/api.v2/test'), '1test2');
    assert.equal(await c.getContent('/api.v2/order/list'), '1list2');
    assert.equal(await c.putContent('/api.v2/order/update'), '1update2');
    assert.equal(await c.deleteContent('/api.v2/user/drop'), '1drop2');
    assert.equal(await c.postContent('/api.v2/user/edit'), '1edit2');
    assert.equal(await c.getContent('/api.v2/user/info'), '1info2');
  });

  // Test_Router_Group_Group
  it('runs group hooks on paths without a route', async () => {
    const { url } = await startServer(bindApiV2);
    const c = gfClient(url);
    assert.equal(await c.getContent('/api.v2/hook'), 'hook any');
    assert.equal(await c.getContent('/api.v2/hook/name/any'), 'hook any');
  });

  // Test_Router_Group_Group
  // DIFFERENCE: a path bound under other methods answers 405 "Method Not Allowed", not 404.
  it('answers 405 for a nested group route under the wrong method (GoFrame: Not Found)', async () => {
    const { url } = await startServer(bindApiV2);
    const c = gfClient(url);
    for (const path of ['/api.v2/order/update', '/api.v2/user/drop', '/api.v2/user/edit']) {
      const res = await c.get(path);
      assert.equal(res.status, 405, path);
      assert.equal(res.body, 'Method Not Allowed', path);
    }
  });

  // Test_Router_Group_Group
  it('runs the more specific group hook first', async () => {
    const { url } = await startServer((s) => {
      s.bindHookHandler('/api.v2/hook/*', 'beforeServe', (r) => r.response.write('hook any'));
      s.bindHookHandler('/api.v2/hook/:name', 'beforeServe', (r) => r.response.write('hook name'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api.v2/hook/name'), 'hook namehook any');
  });

  // Test_Router_Group_Group
  it('binds hooks through the group', async () => {
    const { url } = await startServer((s) => {
      s.group('/api.v2', (group) => {
        group.group('/hook', (group) => {
          group.hook('/*', 'beforeServe', (r) => r.response.write('hook any'));
        });
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api.v2/hook'), 'hook any');
  });
});
