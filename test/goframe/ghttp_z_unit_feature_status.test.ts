// GoFrame net/ghttp/ghttp_z_unit_feature_status_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_status.ts.
// GoFrame's `s.BindStatusHandlerByMap({status: fn})` is one `s.bindStatusHandler` per status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

describe('GoFrame status handlers', () => {
  // Test_StatusHandler
  it('replaces the body of a 404 and of a 502 the handler wrote', async () => {
    const { url } = await startServer((s) => {
      s.bindStatusHandler(404, (r) => r.response.writeOver('404'));
      s.bindStatusHandler(502, (r) => r.response.writeOver('502'));
      s.bindHandler('/502', (r) => r.response.writeStatusExit(502));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/404'), '404');
    assert.equal(await c.getContent('/502'), '502');
  });

  // Test_StatusHandler_Multi
  it('runs every handler bound for a status', async () => {
    const { url } = await startServer((s) => {
      s.bindStatusHandler(502, (r) => r.response.writeOver('1'));
      s.bindStatusHandler(502, (r) => r.response.write('2'));
      s.bindHandler('/502', (r) => r.response.writeStatusExit(502));
    });
    assert.equal(await gfClient(url).getContent('/502'), '12');
  });
});
