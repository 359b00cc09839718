// The REST objects GoFrame's object_rest, group_rest and domain_object_rest tests bind: each
// HTTP-verb method writes its name between Init's "1" and Shut's "2"; Head sets a header.
import assert from 'node:assert/strict';
import type { Request } from '../../src/index.js';
import type { GfClient } from './gf-client.js';

/** A REST object class named `name` (its `{.struct}`). */
export function restClass(name: string): new () => object {
  const cls = class {
    init(r: Request): void {
      r.response.write('1');
    }
    shut(r: Request): void {
      r.response.write('2');
    }
    get(r: Request): void {
      r.response.write('Object Get');
    }
    put(r: Request): void {
      r.response.write('Object Put');
    }
    post(r: Request): void {
      r.response.write('Object Post');
    }
    delete(r: Request): void {
      r.response.write('Object Delete');
    }
    patch(r: Request): void {
      r.response.write('Object Patch');
    }
    options(r: Request): void {
      r.response.write('Object Options');
    }
    head(r: Request): void {
      r.response.header().set('head-ok', '1');
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** GoFrame's checks of every verb on a path bound by `REST` (`/object-rest/get` style when `perMethod`). */
export async function expectRest(c: GfClient, path: string, perMethod = false): Promise<void> {
  const at = (m: string): string => (perMethod ? `${path}/${m}` : path);
  assert.equal(await c.getContent(at('get')), '1Object Get2');
  assert.equal(await c.putContent(at('put')), '1Object Put2');
  assert.equal(await c.postContent(at('post')), '1Object Post2');
  assert.equal(await c.deleteContent(at('delete')), '1Object Delete2');
  assert.equal(await c.patchContent(at('patch')), '1Object Patch2');
  assert.equal((await c.options(at('options'))).body, '1Object Options2');
  assert.equal((await c.request('HEAD', at('head'))).headers['head-ok'], '1');
}
