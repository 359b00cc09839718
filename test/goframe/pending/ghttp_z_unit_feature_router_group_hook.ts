// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_router_group_hook_test.go: each
// fails on Sluice today.
// Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_router_group_hook.ts
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

describe('GoFrame router group hooks (pending)', () => {
  // Test_Router_Group_Hook2
  // GAP: a method prefix in bindHookHandler ("GET:/api/*") limits the hook to that method, so POST gets the plain miss: "Method Not Allowed" on /api/handler (GoFrame: "Not Found"; 405 is a documented difference) and "Not Found" elsewhere (known; being fixed).
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
