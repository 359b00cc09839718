// GoFrame net/ghttp/ghttp_z_unit_feature_router_hook_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_router_hook.ts.
// GoFrame's `s.BindHookHandlerByMap(p, {hook: fn})` is one `s.bindHookHandler(p, hook, fn)` per hook.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

function bindPriorityHooks(s: Server): void {
  s.bindHandler('/priority/show', (r) => r.response.write('show'));
  s.bindHookHandler('/priority/:name', 'beforeServe', (r) => r.response.write('1'));
  s.bindHookHandler('/priority/*any', 'beforeServe', (r) => r.response.write('2'));
  s.bindHookHandler('/priority/show', 'beforeServe', (r) => r.response.write('3'));
}

describe('GoFrame router hooks', () => {
  // Test_Router_Hook_Basic
  it('runs the four hooks around a route and a miss', async () => {
    const { url } = await startServer((s) => {
      s.bindHookHandler('/*', 'beforeServe', (r) => r.response.write('1'));
      s.bindHookHandler('/*', 'afterServe', (r) => r.response.write('2'));
      s.bindHookHandler('/*', 'beforeOutput', (r) => r.response.write('3'));
      s.bindHookHandler('/*', 'afterOutput', (r) => r.response.write('4'));
      s.bindHandler('/test/test', (r) => r.response.write('test'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), '123');
    assert.equal(await c.getContent('/test/test'), '1test23');
  });

  // Test_Router_Hook_Fuzzy_Router
  it('gives a beforeOutput hook the route parameters', async () => {
    const i = 1000;
    const { url } = await startServer((s) => {
      const pattern2 = '/{object}/list/{page}.java';
      s.bindHookHandler(pattern2, 'beforeOutput', (r) =>
        r.response.setBuffer(`${String(r.get('object'))}&${String(r.get('page'))}&${i}`),
      );
      s.bindHandler(pattern2, (r) => r.response.write(r.routePattern));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/john'), 'Not Found');
    assert.equal(await c.getContent('/john/list/1.java'), 'john&1&1000');
    assert.equal(await c.getContent('/john/list/2.java'), 'john&2&1000');
  });

  // Test_Router_Hook_Priority
  it('runs every matching hook on paths with one or two matching patterns', async () => {
    const { url } = await startServer(bindPriorityHooks);
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/priority/any/any'), '2');
    assert.equal(await c.getContent('/priority/name'), '12');
  });

  // Test_Router_Hook_Multi
  it('runs two hooks bound to the same pattern in binding order', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/multi-hook', (r) => r.response.write('show'));
      s.bindHookHandler('/multi-hook', 'beforeServe', (r) => r.response.write('1'));
      s.bindHookHandler('/multi-hook', 'beforeServe', (r) => r.response.write('2'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Not Found');
    assert.equal(await c.getContent('/multi-hook'), '12show');
  });

  // Test_Router_Hook_Fuzzy_Router
  it('passes a parameter from a beforeServe hook to the handler', async () => {
    let i = 1000;
    const { url } = await startServer((s) => {
      const pattern1 = '/:name/info';
      s.bindHookHandler(pattern1, 'beforeServe', (r) => {
        r.setParam('uid', i);
        i++;
      });
      s.bindHandler(pattern1, (r) => r.response.write(r.get('uid')));
      const pattern2 = '/{object}/list/{page}.java';
      s.bindHookHandler(pattern2, 'beforeOutput', (r) =>
        r.response.setBuffer(`${String(r.get('object'))}&${String(r.get('page'))}&${i}`),
      );
      s.bindHandler(pattern2, (r) => r.response.write(r.routePattern));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/john'), 'Not Found');
    assert.equal(await c.getContent('/john/info'), '1000');
    assert.equal(await c.getContent('/john/info'), '1001');
    assert.equal(await c.getContent('/john/list/1.java'), 'john&1&1002');
    assert.equal(await c.getContent('/john/list/2.java'), 'john&2&1002');
  });

  // Test_Router_Hook_Priority
  it('runs the most specific hook first', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/priority/show', (r) => r.response.write('show'));
      s.bindHookHandler('/priority/:name', 'beforeServe', (r) => r.response.write('1'));
      s.bindHookHandler('/priority/*any', 'beforeServe', (r) => r.response.write('2'));
      s.bindHookHandler('/priority/show', 'beforeServe', (r) => r.response.write('3'));
    });
    assert.equal(await gfClient(url).getContent('/priority/show'), '312show');
  });

  // Test_Router_Hook_ExitAll
  it('stops the request at exitAll() in a hook', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/test', (r) => r.response.write('test'));
      s.group('/hook', (group) => {
        group.middleware(async (r) => {
          r.response.write('1');
          await r.middleware.next();
        });
        group.all('/test', (r) => r.response.write('2'));
      });
      s.bindHookHandler('/hook/*', 'beforeServe', (r) => {
        r.response.write('hook');
        r.exitAll();
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/test'), 'test');
    assert.equal(await c.getContent('/hook/test'), 'hook');
  });
});
