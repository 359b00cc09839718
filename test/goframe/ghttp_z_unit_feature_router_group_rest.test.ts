// GoFrame net/ghttp/ghttp_z_unit_feature_router_group_rest_test.go, translated case by case.
// `group.REST(pattern, obj)` is `group.rest(pattern, obj)`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';
import { expectRest, restClass } from './rest-objects.js';

const GroupObjRest = restClass('GroupObjRest');

describe('GoFrame router group REST', () => {
  // Test_Router_GroupRest1
  it('binds REST objects on a group made without a callback', async () => {
    const { url } = await startServer((s) => {
      const group = s.group('/api');
      const obj = new GroupObjRest();
      group.rest('/obj', obj);
      group.rest('/{.struct}/{.method}', obj);
    });
    const c = gfClient(url);
    await expectRest(c, '/api/obj');
    assert.equal(await c.getContent('/api/group-obj-rest'), 'Not Found');
    await expectRest(c, '/api/group-obj-rest', true);
  });

  // Test_Router_GroupRest2
  it('binds REST objects inside a group callback', async () => {
    const { url } = await startServer((s) =>
      s.group('/api', (group) => {
        const obj = new GroupObjRest();
        group.rest('/obj', obj);
        group.rest('/{.struct}/{.method}', obj);
      }),
    );
    const c = gfClient(url);
    await expectRest(c, '/api/obj');
    assert.equal(await c.getContent('/api/group-obj-rest'), 'Not Found');
    await expectRest(c, '/api/group-obj-rest', true);
  });
});
