// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_static_test.go: each fails on Sluice
// today. Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_static.ts
// Where GoFrame answers 403 "Forbidden" for a directory without an index file, Sluice answers
// 404 on purpose (see DIFFERENCES.md), so those assertions expect 404 here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';
import { tempSite } from '../static-dirs.js';

describe('GoFrame static files (pending)', () => {
  // Test_Static_ServerRoot
  // GAP: the default index files are index.html then index.htm (GoFrame's default list); today only index.html.
  it('serves index.htm for the root', async () => {
    const dir = tempSite({ 'index.htm': 'index' });
    for (const root of [dir, relative(process.cwd(), dir)]) {
      const { url } = await startServer((s) => s.setServerRoot(root));
      assert.equal(await gfClient(url).getContent('/'), 'index', root);
    }
  });

  // Test_Static_IndexFolder
  // GAP: `s.setIndexFolder(true)` lists a directory without index file as HTML (text/html; charset=utf-8) with one `<a href="/<dir>/<name>">` per entry, directories first.
  it('lists a directory when index folders are on', async () => {
    const dir = tempSite({ 'test.html': 'test' });
    const { url } = await startServer((s) => {
      // @ts-expect-error GAP: Server.setIndexFolder(on) does not exist
      s.setIndexFolder(true);
      s.setServerRoot(dir);
    });
    const c = gfClient(url);
    const listing = await c.get('/');
    assert.equal(listing.status, 200);
    assert.ok(listing.body.includes('<a href="/test.html"'), listing.body);
    assert.equal(await c.getContent('/index.html'), 'Not Found');
    assert.equal(await c.getContent('/test.html'), 'test');
  });

  // Test_Static_IndexFiles2
  // GAP: `s.setIndexFiles(['index.html', 'test.html'])` sets the index file names tried for a directory, in order.
  it('uses the configured index files', async () => {
    const dir = tempSite({ 'test.html': 'test' });
    const { url } = await startServer((s) => {
      // @ts-expect-error GAP: Server.setIndexFiles(names) does not exist
      s.setIndexFiles(['index.html', 'test.html']);
      s.setServerRoot(dir);
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'test');
    assert.equal(await c.getContent('/index.html'), 'Not Found');
    assert.equal(await c.getContent('/test.html'), 'test');
  });

  // Test_Static_AddSearchPath1
  // GAP: `s.addSearchPath(dir)` adds a directory searched after the server root for the same URL paths.
  it('finds a file in a search path', async () => {
    const path1 = tempSite();
    const path2 = tempSite({ 'test.html': 'test' });
    const { url } = await startServer((s) => {
      s.setServerRoot(path1);
      // @ts-expect-error GAP: Server.addSearchPath(dir) does not exist
      s.addSearchPath(path2);
    });
    const c = gfClient(url);
    assert.equal((await c.get('/')).status, 404);
    assert.equal(await c.getContent('/test.html'), 'test');
  });

  // Test_Static_AddSearchPath2
  // GAP: the server root wins over a search path holding the same file.
  it('prefers the server root over a search path', async () => {
    const path1 = tempSite({ 'test.html': 'test1' });
    const path2 = tempSite({ 'test.html': 'test2' });
    const { url } = await startServer((s) => {
      s.setServerRoot(path1);
      // @ts-expect-error GAP: Server.addSearchPath(dir) does not exist
      s.addSearchPath(path2);
    });
    const c = gfClient(url);
    assert.equal((await c.get('/')).status, 404);
    assert.equal(await c.getContent('/test.html'), 'test1');
  });

  // Test_Static_Rewrite
  // GAP: `s.setRewrite(from, to)` and `s.setRewriteMap({ from: to })` rewrite an exact request path before routing and static lookup.
  it('rewrites request paths before serving', async () => {
    const dir = tempSite({ 'test1.html': 'test1', 'test2.html': 'test2' });
    const { url } = await startServer((s) => {
      s.setServerRoot(dir);
      // @ts-expect-error GAP: Server.setRewrite(from, to) does not exist
      s.setRewrite('/test.html', '/test1.html');
      // @ts-expect-error GAP: Server.setRewriteMap(map) does not exist
      s.setRewriteMap({ '/my-test1': '/test1.html', '/my-test2': '/test2.html' });
    });
    const c = gfClient(url);
    assert.equal((await c.get('/')).status, 404);
    assert.equal(await c.getContent('/test.html'), 'test1');
    assert.equal(await c.getContent('/test1.html'), 'test1');
    assert.equal(await c.getContent('/test2.html'), 'test2');
    assert.equal(await c.getContent('/my-test1'), 'test1');
    assert.equal(await c.getContent('/my-test2'), 'test2');
  });
});
