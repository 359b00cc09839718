// GoFrame net/ghttp/ghttp_z_unit_feature_router_exit_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_router_exit.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

describe('GoFrame router exit', () => {
  // Test_Router_Exit
  it('ends the handler at exit() and still runs the hooks', async () => {
    const { url } = await startServer((s) => {
      s.bindHookHandler('/*', 'beforeServe', (r) => r.response.write('1'));
      s.bindHookHandler('/*', 'afterServe', (r) => r.response.write('2'));
      s.bindHookHandler('/*', 'beforeOutput', (r) => r.response.write('3'));
      s.bindHookHandler('/*', 'afterOutput', (r) => r.response.write('4'));
      s.bindHandler('/test/test', (r) => {
        r.response.write('test-start');
        r.exit();
        r.response.write('test-end');
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '123');
    assert.equal(await c.getContent('/test/test'), '1test-start23');
  });

  // Test_Router_ExitHook
  it('answers Not Found outside the hooked paths', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/priority/show', (r) => r.response.write('show'));
      s.bindHookHandler('/priority/show', 'beforeServe', (r) => {
        r.response.write('3');
        r.exitHook();
      });
    });
    assert.equal(await gfClient(url).getContent('/'), 'Not Found');
  });
});
