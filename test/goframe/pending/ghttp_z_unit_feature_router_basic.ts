// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_router_basic_test.go: each fails on
// Sluice today. Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_router_basic.ts
// When a GAP is closed, move its case into ../ghttp_z_unit_feature_router_basic.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

describe('GoFrame router basic (pending)', () => {
  // Test_Router_ExtraChar
  // GAP: collapse repeated slashes in the request path before matching (`//api//test//` is `/api/test`).
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
