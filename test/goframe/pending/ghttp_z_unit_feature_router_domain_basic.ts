// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_router_domain_basic_test.go: each
// fails on Sluice today.
// Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_router_domain_basic.ts
// `s.domain(list)` is a proposal named after GoFrame's `s.Domain`: an object with bindHandler,
// bindStatusHandler, group... for every listed host (`@ts-expect-error` marks each call).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from '../../../src/index.js';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

describe('GoFrame router domain basic (pending)', () => {
  // Test_Router_DomainBasic
  // GAP: `s.domain('localhost, local')` returns a binder whose routes serve only those hosts (a comma-separated list, spaces allowed). Today `'/p@localhost, local'` is accepted and silently binds one impossible host.
  it('binds routes through a domain object for a list of hosts', async () => {
    const { url } = await startServer((s) => {
      // @ts-expect-error GAP: Server.domain(list) does not exist
      const d = s.domain('localhost, local');
      d.bindHandler('/:name/update', (r: Request) => r.response.write(r.get('name')));
      d.bindHandler('/user/list/{field}.html', (r: Request) => r.response.write(r.get('field')));
    });
    const port = new URL(url).port;
    assert.equal(await gfClient(url).getContent('/john/update'), 'Not Found');
    for (const host of ['localhost', 'local']) {
      const c = gfClient(url).host(`${host}:${port}`);
      assert.equal(await c.getContent('/john/update'), 'john');
      assert.equal(await c.getContent('/user/list/100.html'), '100');
    }
  });

  // Test_Router_DomainCustomStatusHandler
  // GAP: a status handler bound for a domain replaces the body only for requests to that host (`d.bindStatusHandler(404, fn)`); other hosts keep "Not Found".
  it('runs a domain status handler only for its hosts', async () => {
    const { url } = await startServer((s) => {
      // @ts-expect-error GAP: Server.domain(list) does not exist
      const d = s.domain('localhost, local');
      d.bindHandler('/', (r: Request) => r.response.write('hello'));
      d.bindStatusHandler(404, (r: Request) => r.response.write('404 page'));
    });
    const port = new URL(url).port;
    assert.equal(await gfClient(url).getContent('/ThisDoesNotExist'), 'Not Found');
    for (const host of ['localhost', 'local']) {
      const c = gfClient(url).host(`${host}:${port}`);
      assert.equal(await c.getContent('/'), 'hello');
      assert.equal(await c.getContent('/ThisDoesNotExist'), '404 page');
    }
  });

  // TestIssue4100
  // GAP: `s.domain('')` is the default domain (routes for every host).
  it('treats s.domain("") as every host', async () => {
    const { url } = await startServer((s) => {
      // @ts-expect-error GAP: Server.domain(list) does not exist
      const d = s.domain('');
      d.bindHandler('/:name/update', (r: Request) => r.response.write(r.get('name')));
    });
    assert.equal(await gfClient(url).getContent('/john/update'), 'john');
  });
});
