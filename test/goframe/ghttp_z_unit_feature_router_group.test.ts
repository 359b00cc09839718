// GoFrame net/ghttp/ghttp_z_unit_feature_router_group_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_router_group.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server, SluiceError, type Request } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

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

describe('GoFrame router group', () => {
  // Test_Router_GroupBasic1
  it('binds a handler under the group prefix; other paths answer Not Found', async () => {
    const { url } = await startServer((s) => {
      const group = s.group('/api');
      group.all('/handler', (r) => r.response.write('Handler'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api/handler'), 'Handler');
    assert.equal(await c.deleteContent('/ThisDoesNotExist'), 'Not Found');
    assert.equal(await c.deleteContent('/api/ThisDoesNotExist'), 'Not Found');
  });

  // Test_Router_Group_MultiServer
  it('keeps the routes of two servers apart', async () => {
    const one = await startServer((s) => {
      s.group('/', (group) => group.post('/post', (r) => r.response.write('post1')));
    });
    const two = await startServer((s) => {
      s.group('/', (group) => group.post('/post', (r) => r.response.write('post2')));
    });
    assert.equal(await gfClient(one.url).postContent('/post'), 'post1');
    assert.equal(await gfClient(two.url).postContent('/post'), 'post2');
  });

  // Test_Router_Group_Map
  it('binds GET and POST handlers on one path in a group', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.bindHandler('Get:/test', (r) => r.response.write('get'));
        group.bindHandler('Post:/test', (r) => r.response.write('post'));
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/test'), 'get');
    assert.equal(await c.postContent('/test'), 'post');
  });

  // Test_Router_OverWritten
  // DIFFERENCE: binding the same route twice is an error at bind time (SLUICE_ROUTE_DUPLICATE);
  // GoFrame, with SetRouteOverWrite(true), lets the second binding replace the first.
  it('refuses a second binding of the same route at bind time', () => {
    const s = new Server();
    s.group('/api', (group) => group.all('/obj', () => 'first'));
    assert.throws(
      () => s.group('/api', (group) => group.all('/obj', () => 'second')),
      (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ROUTE_DUPLICATE',
    );
    assert.equal(s.routes().filter((r) => r.path === '/api/obj').length, 1);
  });

  // Test_Router_GroupBasic1
  it('binds an object, one of its methods, and an object as REST', async () => {
    const obj = new GroupObject();
    const { url } = await startServer((s) => {
      const group = s.group('/api');
      group.bindObject('/obj', obj);
      group.bindObject('GET:/obj/my-show', obj, 'show');
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
  it('expands {.struct}/{.method} when binding an object', async () => {
    const { url } = await startServer((s) => {
      const group = s.group('/api');
      group.bindObject('/{.struct}/{.method}', new GroupObject());
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/api/group-object/index'), '1Object Index2');
    assert.equal(await c.getContent('/api/group-object/delete'), '1Object Delete2');
    assert.equal(await c.getContent('/api/group-object/show'), '1Object Show2');
  });

  // Test_Router_Group_Methods
  it('binds only the listed methods of an object', async () => {
    const { url } = await startServer((s) => {
      const group = s.group('/');
      group.bindObject('/obj', new GroupObject(), 'show, delete');
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/obj/show'), '1Object Show2');
    assert.equal(await c.getContent('/obj/delete'), '1Object Delete2');
  });

  // Test_Router_Group_Map
  it('binds a map of "Method: /path" patterns', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
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
