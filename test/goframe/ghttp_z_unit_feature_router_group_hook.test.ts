// GoFrame net/ghttp/ghttp_z_unit_feature_router_group_hook_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_router_group_hook.ts.
// GoFrame's `group.ALL(p, fn, ghttp.HookBeforeServe)` is `s.bindHookHandler(prefix + p, 'beforeServe', fn)`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

describe('GoFrame router group hooks', () => {
  // Test_Router_Group_Hook1
  it('runs hooks bound on a group path around its route', async () => {
    const { url } = await startServer((s) => {
      s.group('/api').get('/handler', (r) => r.response.write('1'));
      s.bindHookHandler('/api/handler', 'beforeServe', (r) => r.response.write('0'));
      s.bindHookHandler('/api/handler', 'afterServe', (r) => r.response.write('2'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api/handler'), '012');
    assert.equal(await c.postContent('/api/handler'), '02');
    assert.equal(await c.getContent('/api/ThisDoesNotExist'), 'Not Found');
  });

  // Test_Router_Group_Hook2
  it('runs GET hooks of a group wildcard on GET requests', async () => {
    const { url } = await startServer((s) => {
      s.group('/api').get('/handler', (r) => r.response.write('1'));
      s.bindHookHandler('GET:/api/*', 'beforeServe', (r) => r.response.write('0'));
      s.bindHookHandler('GET:/api/*', 'afterServe', (r) => r.response.write('2'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api/handler'), '012');
    assert.equal(await c.getContent('/api/ThisDoesNotExist'), '02');
  });

  // Test_Router_Group_Hook2
  it('does not run GET hooks on POST requests', async () => {
    const { url } = await startServer((s) => {
      s.group('/api').get('/handler', (r) => r.response.write('1'));
      s.bindHookHandler('GET:/api/*', 'beforeServe', (r) => r.response.write('0'));
      s.bindHookHandler('GET:/api/*', 'afterServe', (r) => r.response.write('2'));
    });
    const c = gfClient(url);
    assert.equal(await c.postContent('/api/handler'), 'Method Not Allowed');
    assert.equal(await c.postContent('/api/ThisDoesNotExist'), 'Not Found');
  });
});
