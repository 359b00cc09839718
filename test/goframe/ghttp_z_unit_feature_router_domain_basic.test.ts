// GoFrame net/ghttp/ghttp_z_unit_feature_router_domain_basic_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_router_domain_basic.ts.
// GoFrame's `s.Domain("localhost, local").BindHandler(p, h)` is translated to one
// `s.bindHandler(p + '@' + domain, h)` per domain (Sluice has no domain object yet: see pending).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Handler, Request, Server } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient, type GfClient } from './gf-client.js';

const DOMAINS = ['localhost', 'local'];

/** Binds `pattern` on every domain of GoFrame's `s.Domain("localhost, local")`. */
function bindOnDomains(s: Server, pattern: string, handler: Handler): void {
  for (const d of DOMAINS) s.bindHandler(`${pattern}@${d}`, handler);
}

/** A client for the IP (no bound domain) and one per domain, all on the same port. */
function clients(url: string): { ip: GfClient; byDomain: GfClient[] } {
  const port = new URL(url).port;
  return {
    ip: gfClient(url),
    byDomain: DOMAINS.map((d) => gfClient(url).host(`${d}:${port}`)),
  };
}

describe('GoFrame router domain basic', () => {
  // Test_Router_DomainBasic
  it('serves domain routes only to their hosts', async () => {
    const { url } = await startServer((s) => {
      bindOnDomains(s, '/:name', (r) => r.response.write('/:name'));
      bindOnDomains(s, '/:name/update', (r) => r.response.write(r.get('name')));
      bindOnDomains(s, '/:name/:action', (r) => r.response.write(r.get('action')));
      bindOnDomains(s, '/:name/*any', (r) => r.response.write(r.get('any')));
      bindOnDomains(s, '/user/list/{field}.html', (r) => r.response.write(r.get('field')));
    });
    const { ip, byDomain } = clients(url);
    assert.equal(await ip.getContent('/john'), 'Not Found');
    assert.equal(await ip.getContent('/john/update'), 'Not Found');
    assert.equal(await ip.getContent('/john/edit'), 'Not Found');
    assert.equal(await ip.getContent('/user/list/100.html'), 'Not Found');
    for (const c of byDomain) {
      assert.equal(await c.getContent('/john'), '');
      assert.equal(await c.getContent('/john/update'), 'john');
      assert.equal(await c.getContent('/john/edit'), 'edit');
      assert.equal(await c.getContent('/user/list/100.html'), '100');
    }
  });

  // Test_Router_DomainMethod
  it('serves a domain route under its method only to its hosts', async () => {
    const { url } = await startServer((s) => {
      bindOnDomains(s, 'GET:/get', () => undefined);
      bindOnDomains(s, 'POST:/post', () => undefined);
    });
    const { ip, byDomain } = clients(url);
    assert.equal((await ip.get('/get')).status, 404);
    assert.equal((await ip.post('/get')).status, 404);
    assert.equal((await ip.get('/post')).status, 404);
    assert.equal((await ip.post('/post')).status, 404);
    for (const c of byDomain) {
      assert.equal((await c.get('/get')).status, 200);
      assert.equal((await c.post('/post')).status, 200);
    }
  });

  // Test_Router_DomainMethod
  // DIFFERENCE: a path bound under other methods answers 405 with Allow, not GoFrame's 404.
  it('answers 405 for a domain route under the wrong method (GoFrame: 404)', async () => {
    const { url } = await startServer((s) => {
      bindOnDomains(s, 'GET:/get', () => undefined);
      bindOnDomains(s, 'POST:/post', () => undefined);
    });
    for (const c of clients(url).byDomain) {
      assert.equal((await c.post('/get')).status, 405);
      assert.equal((await c.get('/post')).status, 405);
    }
  });

  // Test_Router_DomainStatus
  it('sends the status a domain route writes', async () => {
    const { url } = await startServer((s) => {
      for (const status of [200, 300, 400, 500]) {
        bindOnDomains(s, `/${status}`, (r) => r.response.writeStatus(status));
      }
    });
    const { ip, byDomain } = clients(url);
    for (const status of [200, 300, 400, 500]) {
      assert.equal((await ip.get(`/${status}`)).status, 404);
      for (const c of byDomain) assert.equal((await c.get(`/${status}`)).status, status);
    }
  });

  // Test_Router_DomainCustomStatusHandler
  it('serves the domain root only to its hosts', async () => {
    const { url } = await startServer((s) => {
      bindOnDomains(s, '/', (r) => r.response.write('hello'));
    });
    const { ip, byDomain } = clients(url);
    assert.equal(await ip.getContent('/'), 'Not Found');
    assert.equal(await ip.getContent('/ThisDoesNotExist'), 'Not Found');
    for (const c of byDomain) assert.equal(await c.getContent('/'), 'hello');
  });

  // Test_Router_Domain404
  it('answers Not Found on other hosts', async () => {
    const { url } = await startServer((s) => {
      bindOnDomains(s, '/', (r) => r.response.write('hello'));
    });
    const { ip, byDomain } = clients(url);
    assert.equal(await ip.getContent('/'), 'Not Found');
    for (const c of byDomain) assert.equal(await c.getContent('/'), 'hello');
  });

  // Test_Router_DomainGroup
  it('serves nested group routes bound to a domain', async () => {
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.group('/app', (group) => {
          for (const d of DOMAINS) {
            group.get(`/{table}/list/{page}.html@${d}`, (r) =>
              r.response.write(r.get('table'), '&', r.get('page')),
            );
            group.get(`/order/info/{order_id}@${d}`, (r) => r.response.write(r.get('order_id')));
            group.delete(`/comment/{id}@${d}`, (r) => r.response.write(r.get('id')));
          }
        });
      });
    });
    const port = new URL(url).port;
    const client1 = gfClient(url).host(`local:${port}`);
    const client2 = gfClient(url);
    assert.equal(await client1.getContent('/app/t/list/2.html'), 't&2');
    assert.equal(await client2.getContent('/app/t/list/2.html'), 'Not Found');
    assert.equal(await client1.getContent('/app/order/info/2'), '2');
    assert.equal(await client2.getContent('/app/order/info/2'), 'Not Found');
    assert.equal(await client2.getContent('/app/comment/20'), 'Not Found');
    assert.equal(await client1.deleteContent('/app/comment/20'), '20');
    assert.equal(await client2.deleteContent('/app/comment/20'), 'Not Found');
  });

  // Test_Router_DomainGroup
  // DIFFERENCE: a path bound under other methods answers 405 "Method Not Allowed", not 404.
  it('answers 405 for a domain group route under the wrong method (GoFrame: Not Found)', async () => {
    const { url } = await startServer((s) => {
      for (const d of DOMAINS) s.group('/app').delete(`/comment/{id}@${d}`, (r) => r.get('id'));
    });
    const client1 = gfClient(url).host(`local:${new URL(url).port}`);
    const res = await client1.get('/app/comment/20');
    assert.equal(res.status, 405);
    assert.equal(res.body, 'Method Not Allowed');
  });

  // TestIssue4100
  it('treats the empty domain as every host', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/:name', (r) => r.response.write('/:name'));
      s.bindHandler('/:name/update', (r) => r.response.write(r.get('name')));
      s.bindHandler('/:name/:action', (r) => r.response.write(r.get('action')));
      s.bindHandler('/:name/*any', (r) => r.response.write(r.get('any')));
      s.bindHandler('/user/list/{field}.html', (r) => r.response.write(r.get('field')));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/john'), '');
    assert.equal(await c.getContent('/john/update'), 'john');
    assert.equal(await c.getContent('/john/edit'), 'edit');
    assert.equal(await c.getContent('/user/list/100.html'), '100');
  });

  // Test_Router_DomainBasic
  it('binds routes through a domain object for a list of hosts', async () => {
    const { url } = await startServer((s) => {
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
  it('runs a domain status handler only for its hosts', async () => {
    const { url } = await startServer((s) => {
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
  it('treats s.domain("") as every host', async () => {
    const { url } = await startServer((s) => {
      const d = s.domain('');
      d.bindHandler('/:name/update', (r: Request) => r.response.write(r.get('name')));
    });
    assert.equal(await gfClient(url).getContent('/john/update'), 'john');
  });
});
