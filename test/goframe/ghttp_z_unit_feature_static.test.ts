// GoFrame net/ghttp/ghttp_z_unit_feature_static_test.go, translated case by case.
// Cases Sluice cannot pass yet are in pending/ghttp_z_unit_feature_static.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';
import { tempSite } from './static-dirs.js';

/** GoFrame's testdata/static1: an index.html and a test.html. */
const static1 = (): string => tempSite({ 'index.html': 'index', 'test.html': 'test' });

describe('GoFrame static files', () => {
  // Test_Static_ServerRoot
  it('serves files of a root given by an absolute and by a relative path', async () => {
    const dir = tempSite({ 'index.htm': 'index' });
    for (const root of [dir, relative(process.cwd(), dir)]) {
      const { url } = await startServer((s) => s.setServerRoot(root));
      assert.equal(await gfClient(url).getContent('/index.htm'), 'index', root);
    }
  });

  // Test_Static_ServerRoot_Security
  it('serves the index and files, and answers Not Found for a missing file', async () => {
    const { url } = await startServer((s) => s.setServerRoot(static1()));
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'index');
    assert.equal(await c.getContent('/index.htm'), 'Not Found');
    assert.equal(await c.getContent('/index.html'), 'index');
    assert.equal(await c.getContent('/test.html'), 'test');
  });

  // Test_Static_ServerRoot_Security
  // DIFFERENCE: a path that tries to leave the root (a `..` segment, or an encoded `/`) is refused
  // with 403 before the disk is touched; GoFrame answers 404 "Not Found".
  it('refuses traversal with 403 (GoFrame: 404)', async () => {
    const { url } = await startServer((s) => s.setServerRoot(static1()));
    const c = gfClient(url);
    for (const path of ['/../main.html', '/..%2Fmain.html']) {
      const res = await c.get(path);
      assert.equal(res.status, 403, path);
      assert.notEqual(res.body, 'index', path);
    }
  });

  // Test_Static_Folder_Forbidden
  it('serves a file of a root without an index file', async () => {
    const { url } = await startServer((s) => s.setServerRoot(tempSite({ 'test.html': 'test' })));
    const c = gfClient(url);
    assert.equal(await c.getContent('/index.html'), 'Not Found');
    assert.equal(await c.getContent('/test.html'), 'test');
  });

  // Test_Static_Folder_Forbidden
  it('answers 403 for a directory without an index file', async () => {
    const { url } = await startServer((s) => s.setServerRoot(tempSite({ 'test.html': 'test' })));
    const res = await gfClient(url).get('/');
    assert.equal(res.status, 403);
    assert.equal(res.body, 'Forbidden');
  });

  // Test_Static_IndexFiles1
  it('serves index.html for the root', async () => {
    const dir = tempSite({ 'index.html': 'index', 'test.html': 'test' });
    const { url } = await startServer((s) => s.setServerRoot(dir));
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'index');
    assert.equal(await c.getContent('/index.html'), 'index');
    assert.equal(await c.getContent('/test.html'), 'test');
  });

  // Test_Static_AddStaticPath
  it('serves a static path next to the server root', async () => {
    const path1 = tempSite({ 'test.html': 'test1' });
    const path2 = tempSite({ 'test.html': 'test2' });
    const { url } = await startServer((s) => {
      s.setServerRoot(path1);
      s.addStaticPath('/my-test', path2);
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/test.html'), 'test1');
    assert.equal(await c.getContent('/my-test/test.html'), 'test2');
  });

  // Test_Static_AddStaticPath_Priority
  it('prefers the static path over a same-named directory of the root', async () => {
    const base1 = tempSite({ 'test/test.html': 'test1' });
    const base2 = tempSite({ 'test/test.html': 'test2' });
    const { url } = await startServer((s) => {
      s.setServerRoot(join(base1, 'test'));
      s.addStaticPath('/test', join(base2, 'test'));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/test.html'), 'test1');
    assert.equal(await c.getContent('/test/test.html'), 'test2');
  });

  // Test_Static_AddStaticPath
  it('answers 403 for the root without an index next to a static path', async () => {
    const { url } = await startServer((s) => {
      s.setServerRoot(tempSite({ 'test.html': 'test1' }));
      s.addStaticPath('/my-test', tempSite({ 'test.html': 'test2' }));
    });
    assert.equal(await gfClient(url).getContent('/'), 'Forbidden');
  });

  // Test_Static_ServerRoot
  it('serves index.htm for the root', async () => {
    const dir = tempSite({ 'index.htm': 'index' });
    for (const root of [dir, relative(process.cwd(), dir)]) {
      const { url } = await startServer((s) => s.setServerRoot(root));
      assert.equal(await gfClient(url).getContent('/'), 'index', root);
    }
  });

  // Test_Static_IndexFolder
  it('lists a directory when index folders are on', async () => {
    const dir = tempSite({ 'test.html': 'test' });
    const { url } = await startServer((s) => {
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
  it('uses the configured index files', async () => {
    const dir = tempSite({ 'test.html': 'test' });
    const { url } = await startServer((s) => {
      s.setIndexFiles(['index.html', 'test.html']);
      s.setServerRoot(dir);
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'test');
    assert.equal(await c.getContent('/index.html'), 'Not Found');
    assert.equal(await c.getContent('/test.html'), 'test');
  });

  // Test_Static_AddSearchPath1
  it('finds a file in a search path', async () => {
    const path1 = tempSite();
    const path2 = tempSite({ 'test.html': 'test' });
    const { url } = await startServer((s) => {
      s.setServerRoot(path1);
      s.addSearchPath(path2);
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Forbidden');
    assert.equal(await c.getContent('/test.html'), 'test');
  });

  // Test_Static_AddSearchPath2
  it('prefers the server root over a search path', async () => {
    const path1 = tempSite({ 'test.html': 'test1' });
    const path2 = tempSite({ 'test.html': 'test2' });
    const { url } = await startServer((s) => {
      s.setServerRoot(path1);
      s.addSearchPath(path2);
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Forbidden');
    assert.equal(await c.getContent('/test.html'), 'test1');
  });

  // Test_Static_Rewrite
  it('rewrites request paths before serving', async () => {
    const dir = tempSite({ 'test1.html': 'test1', 'test2.html': 'test2' });
    const { url } = await startServer((s) => {
      s.setServerRoot(dir);
      s.setRewrite('/test.html', '/test1.html');
      s.setRewriteMap({ '/my-test1': '/test1.html', '/my-test2': '/test2.html' });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/'), 'Forbidden');
    assert.equal(await c.getContent('/test.html'), 'test1');
    assert.equal(await c.getContent('/test1.html'), 'test1');
    assert.equal(await c.getContent('/test2.html'), 'test2');
    assert.equal(await c.getContent('/my-test1'), 'test1');
    assert.equal(await c.getContent('/my-test2'), 'test2');
  });
});
