// Static files end to end: s.addStaticPath(prefix, dir) and s.setServerRoot(dir) on a real port,
// with fetch and with raw sockets (fetch normalises `..` and `%2e%2e` before sending).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type Logger } from '../src/index.js';

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quiet,
};

const SECRET = 'TOP-SECRET-do-not-serve';
const BIG = randomBytes(3 * 1024 * 1024 + 123);
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let base = '';
let port = 0;
let url = '';
let cleanup = async (): Promise<void> => undefined;

before(async () => {
  const top = mkdtempSync(join(tmpdir(), 'sluice-static-'));
  const root = join(top, 'public');
  const site = join(top, 'site');
  mkdirSync(join(root, 'docs'), { recursive: true });
  mkdirSync(join(root, 'empty-dir'));
  mkdirSync(site);
  writeFileSync(join(top, 'secret.txt'), SECRET);
  mkdirSync(join(top, 'outside'));
  writeFileSync(join(top, 'outside', 'secret.txt'), SECRET);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>home</title>');
  writeFileSync(join(root, 'style.css'), 'body { color: red }');
  writeFileSync(join(root, 'app.js'), 'console.log(1);');
  writeFileSync(join(root, 'data.json'), '{"a":1}');
  writeFileSync(join(root, 'pixel.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  writeFileSync(join(root, 'digits.txt'), '0123456789abcdefghij');
  writeFileSync(join(root, 'empty.txt'), '');
  writeFileSync(join(root, '%2e%2e'), 'a file literally named %2e%2e');
  writeFileSync(join(root, '.env'), SECRET);
  writeFileSync(join(root, 'docs', 'index.html'), '<p>docs</p>');
  writeFileSync(join(root, 'docs', 'readme.txt'), 'read me');
  writeFileSync(join(root, 'big.bin'), BIG);
  symlinkSync(join(top, 'secret.txt'), join(root, 'link-out.txt'));
  symlinkSync(join(top, 'outside'), join(root, 'dir-link-out'));
  symlinkSync(join(root, 'style.css'), join(root, 'link-in.css'));
  writeFileSync(join(site, 'index.html'), '<h1>site</h1>');
  writeFileSync(join(site, 'robots.txt'), 'User-agent: *');

  const s = new Server({ logger: quiet });
  s.setAddress('127.0.0.1:0');
  s.addStaticPath('/static', root);
  s.setServerRoot(site);
  s.get('/static/routed', () => 'a route wins over a file');
  await s.start();
  port = s.port;
  url = `http://127.0.0.1:${port}`;
  base = `${url}/static`;
  cleanup = async () => {
    await s.shutdown({ timeout: 500 });
    rmSync(top, { recursive: true, force: true });
  };
});

after(() => cleanup());

/** Sends one raw request on a fresh socket; resolves with status, headers and body bytes. */
function raw(
  target: string,
  {
    method = 'GET',
    headers = '',
    pauseMs = 0,
  }: { method?: string; headers?: string; pauseMs?: number } = {},
): Promise<{ status: number; head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(new Error(`no answer for ${target}`)), 10_000);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split).toString('latin1');
      resolve({ status: Number(head.split(' ')[1]), head, body: all.subarray(split + 4) });
    });
    sock.write(
      `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`,
    );
    if (pauseMs > 0) {
      // A slow reader: the server must wait for the socket to drain, not buffer the whole file.
      sock.pause();
      setTimeout(() => sock.resume(), pauseMs);
    }
  });
}

describe('static files: content', () => {
  it('serves files with their content type from the MIME table', async () => {
    const cases: Array<[string, RegExp, string]> = [
      ['/index.html', /^text\/html; charset=utf-8$/, '<!doctype html><title>home</title>'],
      ['/style.css', /^text\/css; charset=utf-8$/, 'body { color: red }'],
      ['/app.js', /^(text|application)\/javascript(; charset=utf-8)?$/, 'console.log(1);'],
      ['/data.json', /^application\/json(; charset=utf-8)?$/, '{"a":1}'],
      ['/docs/readme.txt', /^text\/plain; charset=utf-8$/, 'read me'],
      ['/link-in.css', /^text\/css; charset=utf-8$/, 'body { color: red }'],
    ];
    for (const [path, type, body] of cases) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type, path);
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(body)));
      assert.equal(await res.text(), body, path);
    }
    const png = await fetch(`${base}/pixel.png`);
    assert.equal(png.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await png.arrayBuffer()), Buffer.from('89504e470d0a1a0a', 'hex'));
    const empty = await fetch(`${base}/empty.txt`);
    assert.equal(empty.status, 200);
    assert.equal(empty.headers.get('content-length'), '0');
    assert.equal(await empty.text(), '');
  });

  it('serves index files, redirects a directory without its slash (keeping the query)', async () => {
    assert.equal(await (await fetch(`${base}/`)).text(), '<!doctype html><title>home</title>');
    assert.equal(await (await fetch(`${base}/docs/`)).text(), '<p>docs</p>');
    const redirect = await fetch(`${base}/docs?x=1`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/static/docs/?x=1');
    const prefix = await fetch(base, { redirect: 'manual' });
    assert.equal(prefix.status, 301);
    assert.equal(prefix.headers.get('location'), '/static/');
    // A directory without an index file: 403, as GoFrame answers (listing is off by default).
    assert.equal((await fetch(`${base}/empty-dir/`)).status, 403);
    assert.equal((await fetch(`${base}/missing.txt`)).status, 404);
    assert.equal((await fetch(`${base}/docs/readme.txt/`)).status, 404);
  });

  it('setServerRoot serves the site root; routes take priority over files', async () => {
    const home = await fetch(`${url}/`);
    assert.equal(home.status, 200);
    assert.equal(await home.text(), '<h1>site</h1>');
    assert.equal(await (await fetch(`${url}/robots.txt`)).text(), 'User-agent: *');
    assert.equal(await (await fetch(`${base}/routed`)).text(), 'a route wins over a file');
    assert.equal((await fetch(`${url}/nope`)).status, 404);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await raw('/static/docs/readme.txt', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.match(res.head, /content-length: 7/i);
    assert.match(res.head, /content-type: text\/plain; charset=utf-8/i);
    assert.equal(res.body.length, 0);
  });

  it('streams a large file whole and exact, also to a slow reader', async () => {
    const res = await fetch(`${base}/big.bin`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(BIG.length));
    assert.equal(sha(new Uint8Array(await res.arrayBuffer())), sha(BIG));
    const slow = await raw('/static/big.bin', { pauseMs: 300 });
    assert.equal(slow.status, 200);
    assert.equal(slow.body.length, BIG.length);
    assert.equal(sha(slow.body), sha(BIG));
  });
});

describe('static files: caching and ranges', () => {
  it('sends ETag and Last-Modified, and answers 304 to If-None-Match / If-Modified-Since', async () => {
    const first = await fetch(`${base}/style.css`);
    const etag = first.headers.get('etag');
    const modified = first.headers.get('last-modified');
    assert.ok(etag && /^"[0-9a-f]+-[0-9a-f]+"$/.test(etag), String(etag));
    assert.ok(modified && !Number.isNaN(Date.parse(modified)));
    await first.arrayBuffer();
    const byTag = await fetch(`${base}/style.css`, { headers: { 'if-none-match': etag } });
    assert.equal(byTag.status, 304);
    assert.equal(await byTag.text(), '');
    const byDate = await fetch(`${base}/style.css`, { headers: { 'if-modified-since': modified } });
    assert.equal(byDate.status, 304);
    const stale = await fetch(`${base}/style.css`, { headers: { 'if-none-match': '"other"' } });
    assert.equal(stale.status, 200);
    assert.equal(await stale.text(), 'body { color: red }');
    const old = await fetch(`${base}/style.css`, {
      headers: { 'if-modified-since': new Date(0).toUTCString() },
    });
    assert.equal(old.status, 200);
    await old.arrayBuffer();
  });

  it('answers Range with 206 and exactly the bytes asked, and 416 past the end', async () => {
    const cases: Array<[string, string, string]> = [
      ['bytes=0-3', '0123', 'bytes 0-3/20'],
      ['bytes=10-', 'abcdefghij', 'bytes 10-19/20'],
      ['bytes=-5', 'fghij', 'bytes 15-19/20'],
      ['bytes=18-100', 'ij', 'bytes 18-19/20'],
    ];
    for (const [range, body, contentRange] of cases) {
      const res = await fetch(`${base}/digits.txt`, { headers: { range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), contentRange, range);
      assert.equal(res.headers.get('content-length'), String(body.length), range);
      assert.equal(await res.text(), body, range);
    }
    const past = await fetch(`${base}/digits.txt`, { headers: { range: 'bytes=20-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), 'bytes */20');
    await past.arrayBuffer();
    const big = await fetch(`${base}/big.bin`, { headers: { range: 'bytes=1048576-2097151' } });
    assert.equal(big.status, 206);
    assert.equal(sha(new Uint8Array(await big.arrayBuffer())), sha(BIG.subarray(1048576, 2097152)));
    const malformed = await fetch(`${base}/digits.txt`, { headers: { range: 'lines=1-2' } });
    assert.equal(malformed.status, 200);
    assert.equal(await malformed.text(), '0123456789abcdefghij');
  });
});

describe('static files: nothing outside the root', () => {
  // Each target is sent as-is on a raw socket; every answer is a refusal, never the secret.
  const attempts = [
    '/static/../secret.txt',
    '/static/docs/../../secret.txt',
    '/static/%2e%2e/secret.txt',
    '/static/.%2e/secret.txt',
    '/static/%2E%2E/%2E%2E/secret.txt',
    '/static/..%2fsecret.txt',
    '/static/%2e%2e%2fsecret.txt',
    '/static/..%5csecret.txt',
    '/static/..%5c..%5csecret.txt',
    '/static/..\\secret.txt',
    '/static/docs/readme.txt%00.html',
    '/static/%00',
    '/static//etc/passwd',
    '/static/%2fetc%2fpasswd',
    '/static/C:%5cWindows%5cwin.ini',
    '/static/link-out.txt',
    '/static/dir-link-out/secret.txt',
    '/static/.env',
    '/static/%2eenv',
    '/static/%',
    '/static/%zz',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2f%2e%2e%2fsecret.txt',
    '//secret.txt',
    'http://127.0.0.1/static/../secret.txt',
    'http://127.0.0.1/../secret.txt',
  ];
  for (const target of attempts) {
    it(`refuses ${target}`, async () => {
      const res = await raw(target);
      assert.ok([400, 403, 404].includes(res.status), `${target} answered ${res.status}`);
      assert.ok(!res.body.toString('latin1').includes(SECRET), `${target} leaked the file`);
      assert.ok(!res.body.toString('latin1').includes('root:'), `${target} leaked /etc/passwd`);
    });
  }

  it('answers 403 for traversal and encoded separators, 404 for what is simply absent', async () => {
    assert.equal((await raw('/static/../secret.txt')).status, 403);
    assert.equal((await raw('/static/%2e%2e/secret.txt')).status, 403);
    assert.equal((await raw('/static/..%2fsecret.txt')).status, 403);
    assert.equal((await raw('/static/..%5csecret.txt')).status, 403);
    assert.equal((await raw('/static/docs/readme.txt%00')).status, 403);
    assert.equal((await raw('/static/link-out.txt')).status, 403);
    assert.equal((await raw('/static/.env')).status, 404);
    // Decoded once: %252e%252e is the literal name "%2e%2e", a real file inside the root.
    const literal = await raw('/static/%252e%252e');
    assert.equal(literal.status, 200);
    assert.equal(literal.body.toString(), 'a file literally named %2e%2e');
  });

  it('fetch cannot reach outside either (it normalises, the server still checks)', async () => {
    for (const path of [
      '/static/../secret.txt',
      '/static/%2e%2e/secret.txt',
      '/static/..%2fsecret.txt',
    ]) {
      const res = await fetch(url + path);
      assert.ok([403, 404].includes(res.status), `${path} answered ${res.status}`);
      assert.ok(!(await res.text()).includes(SECRET));
    }
  });
});
