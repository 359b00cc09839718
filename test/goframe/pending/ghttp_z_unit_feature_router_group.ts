// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_router_group_test.go: each fails on
// Sluice today. Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_router_group.ts
// The object-binding API used here (`bindObject`, `bindObjectRest`, `map`) is a proposal named
// after GoFrame's; `@ts-expect-error` marks each call Sluice lacks, so the file typechecks today
// and tsc reports the marker once the method exists.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from '../../../src/index.js';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

/** GoFrame's GroupObject: Init and Shut run around every method bound from the object. */
class GroupObject {
  init(r: Request): void {
    r.response.write('1');
  }
  shut(r: Request): void {
    r.response.write('2');
  }
  index(r: Request): void {
    r.response.write('Object Index');
  }
  show(r: Request): void {
    r.response.write('Object Show');
  }
  delete(r: Request): void {
    r.response.write('Object Delete');
  }
}

describe('GoFrame router group (pending)', () => {
  // Test_Router_GroupBasic1
  // GAP: bind an object's methods under a path (`/obj`, `/obj/index`, `/obj/show`...), Index at the path itself, with init/shut around each call, plus a single method under its own path and REST binding (method named after the HTTP verb).
  it('binds an object, one of its methods, and an object as REST', async () => {
    const obj = new GroupObject();
    const { url } = await startServer((s) => {
      const group = s.group('/api');
      // @ts-expect-error GAP: Group.bindObject(pattern, object, methods?) does not exist
      group.bindObject('/obj', obj);
      // @ts-expect-error GAP: Group.bindObject(pattern, object, methods?) does not exist
      group.bindObject('GET:/obj/my-show', obj, 'show');
      // @ts-expect-error GAP: Group.bindObjectRest(pattern, object) does not exist
      group.bindObjectRest('/obj/rest', obj);
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api/obj'), '1Object Index2');
    assert.equal(await c.getContent('/api/obj/'), '1Object Index2');
    assert.equal(await c.getContent('/api/obj/index'), '1Object Index2');
    assert.equal(await c.getContent('/api/obj/delete'), '1Object Delete2');
    assert.equal(await c.getContent('/api/obj/my-show'), '1Object Show2');
    assert.equal(await c.getContent('/api/obj/show'), '1Object Show2');
    assert.equal(await c.deleteContent('/api/obj/rest'), '1Object Delete2');
  });

  // Test_Router_GroupBuildInVar
  // GAP: `{.struct}` and `{.method}` in an object pattern expand to the class and method names (kebab-case by default: GroupObject -> group-object).
  it('expands {.struct}/{.method} when binding an object', async () => {
    const { url } = await startServer((s) => {
      const group = s.group('/api');
      // @ts-expect-error GAP: Group.bindObject(pattern, object, methods?) does not exist
      group.bindObject('/{.struct}/{.method}', new GroupObject());
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api/group-object/index'), '1Object Index2');
    assert.equal(await c.getContent('/api/group-object/delete'), '1Object Delete2');
    assert.equal(await c.getContent('/api/group-object/show'), '1Object Show2');
  });

  // Test_Router_Group_Methods
  // GAP: bind only the listed methods of an object ("show, delete").
  it('binds only the listed methods of an object', async () => {
    const { url } = await startServer((s) => {
      const group = s.group('/');
      // @ts-expect-error GAP: Group.bindObject(pattern, object, methods?) does not exist
      group.bindObject('/obj', new GroupObject(), 'show, delete');
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/obj/show'), '1Object Show2');
    assert.equal(await c.getContent('/obj/delete'), '1Object Delete2');
  });

  // Test_Router_Group_Map
  // GAP: `group.map({ pattern: handler })` binds several routes, and a method prefix may have spaces after its colon ("Get: /test").
  it('binds a map of "Method: /path" patterns', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        // @ts-expect-error GAP: Group.map(routes) does not exist
        group.map({
          'Get: /test': (r: Request) => r.response.write('get'),
          'Post:/test': (r: Request) => r.response.write('post'),
        });
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/test'), 'get');
    assert.equal(await c.postContent('/test'), 'post');
  });
});
