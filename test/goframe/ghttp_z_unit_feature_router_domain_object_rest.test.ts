// GoFrame net/ghttp/ghttp_z_unit_feature_router_domain_object_rest_test.go, translated case by
// case (the Host header stands for GoFrame's `http://localhost:port` prefixes).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';
import { expectRest, restClass } from './rest-objects.js';

describe('GoFrame router domain REST objects', () => {
  // Test_Router_DomainObjectRest
  it('binds the verb methods for the listed hosts only', async () => {
    const DomainObjectRest = restClass('DomainObjectRest');
    const { url } = await startServer((s) =>
      s.domain('localhost, local').bindObjectRest('/', new DomainObjectRest()),
    );
    const ip = gfClient(url);
    assert.equal(await ip.getContent('/'), 'Not Found');
    assert.equal(await ip.putContent('/'), 'Not Found');
    assert.equal(await ip.postContent('/'), 'Not Found');
    assert.equal(await ip.deleteContent('/'), 'Not Found');
    assert.equal(await ip.patchContent('/'), 'Not Found');
    assert.equal((await ip.options('/')).body, 'Not Found');
    assert.equal((await ip.request('HEAD', '/')).headers['head-ok'], undefined);
    assert.equal(await ip.getContent('/none-exist'), 'Not Found');
    const port = new URL(url).port;
    for (const host of ['localhost', 'local']) {
      const c = gfClient(url).host(`${host}:${port}`);
      await expectRest(c, '/');
      assert.equal(await c.getContent('/none-exist'), 'Not Found');
    }
  });
});
