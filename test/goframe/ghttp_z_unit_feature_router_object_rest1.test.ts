// GoFrame net/ghttp/ghttp_z_unit_feature_router_object_rest1_test.go, translated case by case.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';
import { expectRest, restClass } from './rest-objects.js';

describe('GoFrame router REST objects', () => {
  // Test_Router_ObjectRest
  it('binds the verb methods at the root and with {.struct}/{.method}', async () => {
    const ObjectRest = restClass('ObjectRest');
    const { url } = await startServer((s) => {
      s.bindObjectRest('/', new ObjectRest());
      s.bindObjectRest('/{.struct}/{.method}', new ObjectRest());
    });
    const c = gfClient(url);
    await expectRest(c, '/');
    await expectRest(c, '/object-rest', true);
    assert.equal(await c.getContent('/none-exist'), 'Not Found');
  });
});
