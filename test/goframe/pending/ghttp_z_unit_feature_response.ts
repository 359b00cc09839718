// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_response_test.go: each fails on
// Sluice today.
// Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_response.ts
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

const FILE1 = fileURLToPath(new URL('../testdata/upload/file1.txt', import.meta.url));
const CHINESE = fileURLToPath(new URL('../testdata/upload/中文.txt', import.meta.url));

describe('GoFrame response (pending)', () => {
  // Test_Response_ServeFileDownload
  // GAP: `r.response.serveFileDownload(path, name?)` sends the file as an attachment: Content-Type application/force-download, Accept-Ranges bytes, Content-Disposition `attachment;filename=<name>` (ASCII names, query-escaped) or `attachment;filename*=UTF-8''<query-escaped name>`, Access-Control-Expose-Headers Content-Disposition; 404 "Not Found" when the file is missing.
  it('serves a file as a download', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/ServeFileDownload', (r) =>
        // @ts-expect-error GAP: Response.serveFileDownload(path, name?) does not exist
        r.response.serveFileDownload(String(r.getQuery('filePath'))),
      );
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/ServeFileDownload', 'filePath=file1.txt'), 'Not Found');
    const res = await c.get('/ServeFileDownload', `filePath=${FILE1}`);
    assert.equal(res.body, 'file1.txt: a fixture for the serveFile cases.');
    assert.equal(res.headers['content-disposition'], 'attachment;filename=file1.txt');
    assert.equal(res.headers['content-type'], 'application/force-download');
    assert.equal(res.headers['access-control-expose-headers'], 'Content-Disposition');
    const cn = await c.get('/ServeFileDownload', `filePath=${encodeURIComponent(CHINESE)}`);
    assert.equal(cn.body, '中文.txt: a fixture for the serveFile cases.');
    assert.equal(
      cn.headers['content-disposition'],
      `attachment;filename*=UTF-8''${encodeURIComponent('中文.txt')}`,
    );
  });

  // Test_Response_Redirect
  // GAP: `r.response.redirectBack(status?)` redirects to the Referer (302 by default).
  it('redirects back to the Referer', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/', (r) => r.response.write('RedirectResult'));
      // @ts-expect-error GAP: Response.redirectBack(status?) does not exist
      s.bindHandler('/RedirectBack', (r) => r.response.redirectBack());
    });
    assert.equal(
      await gfClient(url).header('Referer', '/').getContent('/RedirectBack'),
      'RedirectResult',
    );
  });

  // Test_Response_Write
  // GAP: the printf/line "Exit" variants: `writefExit(format, ...args)` (also writelnExit, writeflnExit) write then end the handler like writeExit.
  it('writes with writefExit and ends the handler', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/WritefExit', (r) => {
        // @ts-expect-error GAP: Response.writefExit(format, ...args) does not exist
        r.response.writefExit('%s', 'WritefExit');
        r.response.write('not reached');
      });
    });
    assert.equal(await gfClient(url).getContent('/WritefExit'), 'WritefExit');
  });

  // Test_Response_Write
  // GAP: `writeJson(value)` writes a string or bytes as they are (already JSON), with Content-Type application/json; today they are JSON-encoded again.
  it('writes JSON bytes as they are', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/WriteJson', (r) =>
        r.response.writeJson(Buffer.from(JSON.stringify({ name: 'john' }))),
      );
    });
    assert.equal(await gfClient(url).getContent('/WriteJson'), '{"name":"john"}');
  });

  // Test_Response_Write
  // GAP: `writeJsonP(value)`: Content-Type application/javascript; strings/bytes as they are; otherwise JSON, wrapped as `<callback>(<json>)` when the request has a `callback` parameter.
  it('writes JSONP', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/WriteJsonP', (r) =>
        // @ts-expect-error GAP: Response.writeJsonP(value) does not exist
        r.response.writeJsonP(Buffer.from(JSON.stringify({ name: 'john' }))),
      );
      // @ts-expect-error GAP: Response.writeJsonP(value) does not exist
      s.bindHandler('/WriteJsonPWithStruct', (r) => r.response.writeJsonP({ name: 'john' }));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/WriteJsonP'), '{"name":"john"}');
    const res = await c.request('GET', '/WriteJsonP', '{"name":"john"}');
    assert.equal(res.headers['content-type'], 'application/javascript');
    assert.equal(await c.getContent('/WriteJsonPWithStruct'), '{"name":"john"}');
    assert.equal(
      await c.getContent('/WriteJsonPWithStruct', 'callback=callback'),
      'callback({"name":"john"})',
    );
  });

  // Test_Response_Write
  // GAP: `writeXml(value, rootTag?)`: Content-Type application/xml; strings/bytes as they are; objects encoded as XML elements (`{name:'john'}` -> `<name>john</name>`).
  it('writes XML', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/WriteXml', (r) =>
        // @ts-expect-error GAP: Response.writeXml(value, rootTag?) does not exist
        r.response.writeXml(Buffer.from('<name>john</name>')),
      );
      // @ts-expect-error GAP: Response.writeXml(value, rootTag?) does not exist
      s.bindHandler('/WriteXmlWithStruct', (r) => r.response.writeXml({ name: 'john' }));
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/WriteXml'), '<name>john</name>');
    assert.equal(await c.getContent('/WriteXmlWithStruct'), '<name>john</name>');
  });
});
