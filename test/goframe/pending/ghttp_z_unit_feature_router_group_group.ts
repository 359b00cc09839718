// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_router_group_group_test.go: each
// fails on Sluice today.
// Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_router_group_group.ts
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

describe('GoFrame router group in group (pending)', () => {
  // Test_Router_Group_Group
  // GAP: run hooks of one kind in route-priority order (`/hook/:name` before `/hook/*`), not in binding order.
  it('runs the more specific group hook first', async () => {
    const { url } = await startServer((s) => {
      s.bindHookHandler('/api.v2/hook/*', 'beforeServe', (r) => r.response.write('hook any'));
      s.bindHookHandler('/api.v2/hook/:name', 'beforeServe', (r) => r.response.write('hook name'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api.v2/hook/name'), 'hook namehook any');
  });

  // Test_Router_Group_Group
  // GAP: `group.hook(pattern, hookName, fn)` binds a hook under the group's prefix (translated above as s.bindHookHandler with the full path).
  it('binds hooks through the group', async () => {
    const { url } = await startServer((s) => {
      s.group('/api.v2', (group) => {
        group.group('/hook', (group) => {
          // @ts-expect-error GAP: Group.hook(pattern, hook, fn) does not exist
          group.hook('/*', 'beforeServe', (r) => r.response.write('hook any'));
        });
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api.v2/hook'), 'hook any');
  });
});
