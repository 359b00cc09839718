// GoFrame net/ghttp/ghttp_z_unit_feature_router_names_test.go, translated case by case:
// `s.BindObject` with `s.SetNameToUriType` is `s.bindObject` with `s.setNameToUriType`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request, Server } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

class NamesObject {
  showName(r: Request): void {
    r.response.write('Object Show Name');
  }
}

/** GoFrame's UriType values. */
type UriType = 'default' | 'fullName' | 'allLower' | 'camel';

async function serveNames(type: UriType): Promise<string> {
  const { url } = await startServer((s: Server) => {
    s.setNameToUriType(type);
    s.bindObject('/{.struct}/{.method}', new NamesObject());
  });
  return url;
}

describe('GoFrame router names', () => {
  // Test_NameToUri_FullName
  it('keeps the full names', async () => {
    const c = gfClient(await serveNames('fullName'));
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject/ShowName'), 'Object Show Name');
  });

  // Test_NameToUri_AllLower
  it('lower-cases the names', async () => {
    const c = gfClient(await serveNames('allLower'));
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject'), 'Not Found');
    assert.equal(await c.getContent('/namesobject/showname'), 'Object Show Name');
  });

  // Test_NameToUri_Camel
  it('camel-cases the names', async () => {
    const c = gfClient(await serveNames('camel'));
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject'), 'Not Found');
    assert.equal(await c.getContent('/namesObject/showName'), 'Object Show Name');
  });

  // Test_NameToUri_Default
  it('kebab-cases the names by default', async () => {
    const c = gfClient(await serveNames('default'));
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/NamesObject'), 'Not Found');
    assert.equal(await c.getContent('/names-object/show-name'), 'Object Show Name');
  });
});
