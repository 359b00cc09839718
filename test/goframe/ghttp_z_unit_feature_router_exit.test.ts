// GoFrame net/ghttp/ghttp_z_unit_feature_router_exit_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_router_exit.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request, Server } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

function bindPriority(s: Server, last: (r: Request) => void): void {
  s.bindHandler('/priority/show', (r) => r.response.write('show'));
  s.bindHookHandler('/priority/:name', 'beforeServe', (r) => r.response.write('1'));
  s.bindHookHandler('/priority/*any', 'beforeServe', (r) => r.response.write('2'));
  s.bindHookHandler('/priority/show', 'beforeServe', last);
}

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

  // Test_Router_ExitHook
  it('skips the less specific hooks after exitHook()', async () => {
    const { url } = await startServer((s) =>
      bindPriority(s, (r) => {
        r.response.write('3');
        r.exitHook();
      }),
    );
    assert.equal(await gfClient(url).getContent('/priority/show'), '3show');
  });

  // Test_Router_ExitAll
  it('ends the request at exitAll() in the most specific hook', async () => {
    const { url } = await startServer((s) =>
      bindPriority(s, (r) => {
        r.response.write('3');
        r.exitAll();
      }),
    );
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/priority/show'), '3');
  });
});
