// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_status_test.go: each fails on Sluice
// today. Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_status.ts
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

describe('GoFrame status handlers (pending)', () => {
  // Test_StatusHandler_Multi
  // GAP: several status handlers bound for one status all run, in binding order ("12"); today the last binding replaces the first ("2").
  it('runs every handler bound for a status', async () => {
    const { url } = await startServer((s) => {
      s.bindStatusHandler(502, (r) => r.response.writeOver('1'));
      s.bindStatusHandler(502, (r) => r.response.write('2'));
      s.bindHandler('/502', (r) => r.response.writeStatusExit(502));
    });
    assert.equal(await gfClient(url).getContent('/502'), '12');
  });
});
