// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_router_names_test.go: Sluice has no
// object binding, so every case is pending.
// Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_router_names.ts
// `bindObject` and `setNameToUriType` are proposals named after GoFrame's (`@ts-expect-error`
// marks each call Sluice lacks).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request, Server } from '../../../src/index.js';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

class NamesObject {
  showName(r: Request): void {
    r.response.write('Object Show Name');
  }
}

/** GoFrame's UriType values. */
type UriType = 'default' | 'fullName' | 'allLower' | 'camel';

async function serveNames(type: UriType): Promise<string> {
  const { url } = await startServer((s: Server) => {
    // @ts-expect-error GAP: Server.setNameToUriType(type) does not exist
    s.setNameToUriType(type);
    // @ts-expect-error GAP: Server.bindObject(pattern, object, methods?) does not exist
    s.bindObject('/{.struct}/{.method}', new NamesObject());
  });
  return url;
}

describe('GoFrame router names (pending)', () => {
  // Test_NameToUri_FullName
  // GAP: object binding with name-to-URI type "full name": /NamesObject/ShowName (class name as is, method with its first letter upper-cased).
  it('keeps the full names', async () => {
    const c = gfClient(await serveNames('fullName'));
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject/ShowName'), 'Object Show Name');
  });

  // Test_NameToUri_AllLower
  // GAP: object binding with name-to-URI type "all lower": /namesobject/showname.
  it('lower-cases the names', async () => {
    const c = gfClient(await serveNames('allLower'));
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject'), 'Not Found');
    assert.equal(await c.getContent('/namesobject/showname'), 'Object Show Name');
  });

  // Test_NameToUri_Camel
  // GAP: object binding with name-to-URI type "camel": /namesObject/showName.
  it('camel-cases the names', async () => {
    const c = gfClient(await serveNames('camel'));
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject'), 'Not Found');
    assert.equal(await c.getContent('/namesObject/showName'), 'Object Show Name');
  });

  // Test_NameToUri_Default
  // GAP: object binding with the default name-to-URI type, kebab-case: /names-object/show-name.
  it('kebab-cases the names by default', async () => {
    const c = gfClient(await serveNames('default'));
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject'), 'Not Found');
    assert.equal(await c.getContent('/names-object/show-name'), 'Object Show Name');
  });
});
