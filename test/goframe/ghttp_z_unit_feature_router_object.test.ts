// GoFrame net/ghttp/ghttp_z_unit_feature_router_object_test.go, translated case by case.
// `s.BindObject(pattern, new(Object), "Show, Info")` is `s.bindObject(pattern, new Obj(),
// 'show, info')`; Go's exported method names (`Show`) are JavaScript's (`show`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient, type GfClient } from './gf-client.js';

/** GoFrame's `Object`: its name (`{.struct}`) is `Object`. */
const Obj = class Object {
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
  info(r: Request): void {
    r.response.write('Object Info');
  }
};

async function expectContents(c: GfClient, table: Array<[string, string]>): Promise<void> {
  for (const [path, body] of table) assert.equal(await c.getContent(path), body, path);
}

describe('GoFrame router objects', () => {
  // Test_Router_Object1
  it('binds an object at the root and with {.struct}/{.method}', async () => {
    const { url } = await startServer((s) => {
      s.bindObject('/', new Obj());
      s.bindObject('/{.struct}/{.method}', new Obj());
    });
    await expectContents(gfClient(url), [
      ['/', '1Object Index2'],
      ['/init', 'Not Found'],
      ['/shut', 'Not Found'],
      ['/index', '1Object Index2'],
      ['/show', '1Object Show2'],
      ['/object', 'Not Found'],
      ['/object/init', 'Not Found'],
      ['/object/shut', 'Not Found'],
      ['/object/index', '1Object Index2'],
      ['/object/show', '1Object Show2'],
      ['/none-exist', 'Not Found'],
    ]);
  });

  // Test_Router_Object2
  it('binds only the listed methods', async () => {
    const { url } = await startServer((s) => s.bindObject('/object', new Obj(), 'Show, Info'));
    await expectContents(gfClient(url), [
      ['/', 'Not Found'],
      ['/object', 'Not Found'],
      ['/object/init', 'Not Found'],
      ['/object/shut', 'Not Found'],
      ['/object/index', 'Not Found'],
      ['/object/show', '1Object Show2'],
      ['/object/info', '1Object Info2'],
      ['/none-exist', 'Not Found'],
    ]);
  });

  // Test_Router_ObjectMethod
  it('binds one method at its own path', async () => {
    const { url } = await startServer((s) => s.bindObjectMethod('/object-info', new Obj(), 'Info'));
    await expectContents(gfClient(url), [
      ['/', 'Not Found'],
      ['/object', 'Not Found'],
      ['/object/init', 'Not Found'],
      ['/object/shut', 'Not Found'],
      ['/object/index', 'Not Found'],
      ['/object/show', 'Not Found'],
      ['/object/info', 'Not Found'],
      ['/object-info', '1Object Info2'],
      ['/none-exist', 'Not Found'],
    ]);
  });
});
