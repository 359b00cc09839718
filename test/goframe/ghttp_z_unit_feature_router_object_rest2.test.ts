// GoFrame net/ghttp/ghttp_z_unit_feature_router_object_rest2_test.go, translated case by case.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

class ObjectRest2 {
  init(r: Request): void {
    r.response.write('1');
  }
  shut(r: Request): void {
    r.response.write('2');
  }
  get(r: Request): void {
    r.response.write('Object Get', r.get('id'));
  }
  put(r: Request): void {
    r.response.write('Object Put', r.get('id'));
  }
  post(r: Request): void {
    r.response.write('Object Post', r.get('id'));
  }
  delete(r: Request): void {
    r.response.write('Object Delete', r.get('id'));
  }
}

describe('GoFrame router REST objects with a parameter', () => {
  // Test_Router_ObjectRest_Id
  it('reads the route parameter in every verb method', async () => {
    const { url } = await startServer((s) => s.bindObjectRest('/object/:id', new ObjectRest2()));
    const c = gfClient(url);
    assert.equal(await c.getContent('/object/99'), '1Object Get992');
    assert.equal(await c.putContent('/object/99'), '1Object Put992');
    assert.equal(await c.postContent('/object/99'), '1Object Post992');
    assert.equal(await c.deleteContent('/object/99'), '1Object Delete992');
  });
});
