// What a team porting a GoFrame service relies on beyond GoFrame's own tests: sessions (fixation,
// regeneration, a failing storage), basicAuth, server-wide cookie defaults, domains that scope
// middleware, hooks and status handlers, REST objects, JSONP and XML writers, static mount
// options (precompressed siblings, dotfiles, caching, If-Range, listings), and the parameter
// parser's hard edges.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { createClient } from 'redis';
import {
  cors,
  handlerResponse,
  MemorySessionStorage,
  RedisSessionStorage,
  type Request,
} from '../src/index.js';
import { memoryLogger, startServer } from './helpers/server.js';
import { gfClient, cookieOf } from './goframe/gf-client.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function site(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-port-static-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('sessions', () => {
  it('never adopts an unknown id, and regenerate() moves the data to a new id', async () => {
    const { url } = await startServer((s) => {
      s.get('/login', async (r) => {
        await r.session.set('user', 'ada');
        await r.session.regenerate();
        return r.session.id;
      });
      s.get('/who', async (r) => String(await r.session.get('user', 'nobody')));
      s.get('/touch', async (r) => {
        await r.session.set('n', 1);
        return r.session.id;
      });
    });
    const planted = 'attacker-chosen-id-0123456789';
    const c = gfClient(url).header('Cookie', `gfsessionid=${planted}`);
    const touched = await c.get('/touch');
    assert.notEqual(touched.body, planted);
    assert.equal(cookieOf(touched, 'gfsessionid'), touched.body);
    const login = await gfClient(url).get('/login');
    const id = cookieOf(login, 'gfsessionid');
    assert.equal(id, login.body, 'the cookie carries the regenerated id');
    assert.equal(await gfClient(url).header('gfsessionid', id!).getContent('/who'), 'ada');
  });

  it('a memory storage keeps at most maxSessions, dropping the least recently used', async () => {
    const storage = new MemorySessionStorage({ maxSessions: 2 });
    await storage.set('a', { v: 1 }, 60_000);
    await storage.set('b', { v: 2 }, 60_000);
    assert.deepEqual(await storage.get('a', 60_000), { v: 1 }); // a is now the most recent
    await storage.set('c', { v: 3 }, 60_000);
    assert.equal(storage.size, 2);
    assert.equal(await storage.get('b', 60_000), undefined);
    assert.deepEqual(await storage.get('a', 60_000), { v: 1 });
    await storage.set('d', { v: 4 }, -1); // already expired: dropped on the next access
    assert.equal(await storage.get('d', 60_000), undefined);
  });

  it('a Redis storage that fails answers 503 SLUICE_SESSION_STORAGE', async () => {
    const client = await createClient({ url: REDIS_URL }).connect();
    const storage = new RedisSessionStorage({ client, prefix: `sluice-test:${process.pid}:` });
    const { url } = await startServer((s) => {
      s.setSessionStorage(storage);
      s.use(handlerResponse());
      s.get('/set', async (r) => {
        await r.session.set('k', 'v');
        return 'ok';
      });
    });
    client.destroy();
    const res = await gfClient(url).get('/set');
    assert.equal(res.status, 503);
    assert.equal((JSON.parse(res.body) as { code: string }).code, 'SLUICE_SESSION_STORAGE');
  });
});

describe('basicAuth', () => {
  it('challenges, refuses wrong and malformed credentials, and lets the right ones in', async () => {
    const { url } = await startServer((s) =>
      s.get('/admin', (r) => {
        if (!r.basicAuth('admin', 'pä55', 'Back office')) return undefined;
        return 'welcome';
      }),
    );
    const c = gfClient(url);
    const none = await c.get('/admin');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="Back office", charset="UTF-8"');
    const basic = (s: string): string => 'Basic ' + Buffer.from(s).toString('base64');
    assert.equal((await c.header('Authorization', basic('admin:wrong')).get('/admin')).status, 401);
    assert.equal((await c.header('Authorization', basic('nocolon')).get('/admin')).status, 403);
    assert.equal((await c.header('Authorization', 'Bearer x').get('/admin')).status, 403);
    const ok = await c.header('Authorization', basic('admin:pä55')).get('/admin');
    assert.deepEqual([ok.status, ok.body], [200, 'welcome']);
  });
});

describe('cookie defaults', () => {
  it('applies setConfig({ cookie }) to every cookie; a call overrides', async () => {
    const { url } = await startServer(
      (s) =>
        s.get('/', (r) => {
          r.response.setCookie('a', '1');
          r.response.setCookie('b', '2', { maxAge: 5, sameSite: 'Strict' });
          r.response.removeCookie('c');
        }),
      { cookie: { maxAge: 3600, domain: 'example.com', sameSite: 'Lax', httpOnly: true } },
    );
    const res = await gfClient(url).get('/');
    assert.deepEqual(res.headers['set-cookie'], [
      'a=1; Max-Age=3600; Domain=example.com; Path=/; HttpOnly; SameSite=Lax',
      'b=2; Max-Age=5; Domain=example.com; Path=/; HttpOnly; SameSite=Strict',
      'c=; Max-Age=0; Domain=example.com; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
    ]);
  });
});

describe('domains', () => {
  it('scopes routes, groups, middleware, hooks and status handlers to their hosts', async () => {
    const { url } = await startServer((s) => {
      const d = s.domain('a.example, B.example:8080');
      d.use(async (r) => {
        r.response.header().set('X-Site', 'ab');
        await r.middleware.next();
      });
      d.bindHookHandler('/api/*', 'beforeServe', (r) => r.response.write('<'));
      d.group('/api', (g) => g.get('/ping', (r) => r.response.write('pong')));
      d.bindStatusHandler(404, (r) => r.response.writeOver('ab 404'));
      s.bindStatusHandler(404, (r) => r.response.writeOver('global 404'));
      s.get('/api/ping', () => 'other');
    });
    const port = new URL(url).port;
    for (const host of ['a.example', 'b.example']) {
      const c = gfClient(url).host(`${host}:${port}`);
      const res = await c.get('/api/ping');
      assert.deepEqual([res.body, res.headers['x-site']], ['<pong', 'ab'], host);
      assert.equal(await c.getContent('/missing'), 'ab 404');
    }
    const other = await gfClient(url).get('/api/ping');
    assert.deepEqual([other.body, other.headers['x-site']], ['other', undefined]);
    assert.equal(await gfClient(url).getContent('/missing'), 'global 404');
  });
});

describe('REST objects and maps', () => {
  class UserRest {
    init(r: Request): void {
      r.response.write('[');
    }
    shut(r: Request): void {
      r.response.write(']');
    }
    get(r: Request): void {
      r.response.write(`get ${String(r.get('id'))}`);
    }
    delete(r: Request): void {
      r.response.write(`delete ${String(r.get('id'))}`);
    }
    helper(): void {}
  }

  it('binds verb methods with init/shut around them, group.rest and allMap', async () => {
    const { url } = await startServer((s) => {
      s.bindObjectRest('/user/{id}', new UserRest());
      s.group('/v2', (g) => {
        g.rest('/user/{id}', new UserRest());
        g.allMap({ 'POST:/any': () => 'any' });
      });
    });
    const c = gfClient(url);
    assert.equal(await c.getContent('/user/7'), '[get 7]');
    assert.equal(await c.deleteContent('/user/7'), '[delete 7]');
    const post = await c.post('/user/7');
    assert.deepEqual([post.status, post.headers.allow], [405, 'DELETE, GET, HEAD, OPTIONS']);
    assert.equal(await c.deleteContent('/v2/user/8'), '[delete 8]');
    assert.equal(await c.getContent('/v2/any'), 'any');
    assert.equal(await c.putContent('/v2/any'), 'any');
  });
});

describe('writers', () => {
  it('JSONP wraps in a checked callback; XML escapes; the *Exit writers end the handler', async () => {
    const { url } = await startServer((s) => {
      s.get('/jsonp', (r) => r.response.writeJsonP({ a: '</script>' }));
      s.get('/xml', (r) => r.response.writeXml({ name: 'a<b&"c"', tags: ['x', 'y'] }, 'user'));
      s.get('/exit', (r) => {
        r.response.writeflnExit('%s=%d', 'n', 1);
      });
    });
    const c = gfClient(url);
    const ok = await c.get('/jsonp?callback=app.on_data');
    assert.equal(ok.body, 'app.on_data({"a":"</script>"})');
    assert.equal(ok.headers['x-content-type-options'], 'nosniff');
    const bad = await c.get('/jsonp?callback=alert(1)//');
    assert.equal(bad.status, 400);
    assert.equal(
      await c.getContent('/xml'),
      '<user><name>a&lt;b&amp;&quot;c&quot;</name><tags>x</tags><tags>y</tags></user>',
    );
    assert.equal(await c.getContent('/exit'), 'n=1\n');
  });
});

describe('static mounts', () => {
  const css = 'body { color: red }\n'.repeat(20);

  it('serves a precompressed sibling the client accepts, with the original type', async () => {
    const dir = site({
      'app.css': css,
      'app.css.br': brotliCompressSync(css),
      'app.css.gz': gzipSync(css),
    });
    const { url } = await startServer((s) =>
      s.addStaticPath('/assets', dir, { precompressed: true, maxAge: 31536000, immutable: true }),
    );
    const get = (encoding: string) =>
      fetch(`${url}/assets/app.css`, { headers: { 'accept-encoding': encoding } });
    const br = await get('gzip, br');
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.equal(br.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(br.headers.get('vary'), 'Accept-Encoding');
    assert.equal(br.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await br.text(), css);
    const gz = await get('gzip');
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal(await gz.text(), css);
    const plain = await get('identity');
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(plain.headers.get('vary'), 'Accept-Encoding');
    assert.equal(await plain.text(), css);
  });

  it('serves a file alone: an afterServe hook writing after it adds nothing, small or large', async () => {
    const big = 'z'.repeat(200 * 1024);
    const dir = site({ 'small.txt': 'small', 'big.txt': big });
    const log = memoryLogger();
    const { url } = await startServer(
      (s) => {
        s.bindHookHandler('/*', 'afterServe', (r) => r.response.write('AFTER'));
        s.setServerRoot(dir);
      },
      { logger: log },
    );
    assert.equal(await (await fetch(`${url}/small.txt`)).text(), 'small');
    const res = await fetch(`${url}/big.txt`);
    assert.equal(res.headers.get('content-length'), String(big.length));
    assert.equal(await res.text(), big);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      log.records.filter((x) => x.level === 'error'),
      [],
      'no length error: the hook output was dropped, not sent past Content-Length',
    );
  });

  it('applies the dotfiles policy per mount', async () => {
    const dir = site({ '.env': 'SECRET=1', 'ok.txt': 'ok' });
    const { url } = await startServer((s) => {
      s.addStaticPath('/ignore', dir);
      s.addStaticPath('/deny', dir, { dotfiles: 'deny' });
      s.addStaticPath('/allow', dir, { dotfiles: 'allow' });
    });
    assert.equal((await fetch(`${url}/ignore/.env`)).status, 404);
    assert.equal((await fetch(`${url}/deny/.env`)).status, 403);
    assert.equal(await (await fetch(`${url}/allow/.env`)).text(), 'SECRET=1');
  });

  it('honours If-Range with the strong ETag: a range when it matches, the whole file when not', async () => {
    const dir = site({ 'data.txt': '0123456789' });
    const { url } = await startServer((s) => s.setServerRoot(dir));
    const first = await fetch(`${url}/data.txt`);
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    const match = await fetch(`${url}/data.txt`, {
      headers: { range: 'bytes=2-4', 'if-range': etag },
    });
    assert.deepEqual([match.status, await match.text()], [206, '234']);
    const stale = await fetch(`${url}/data.txt`, {
      headers: { range: 'bytes=2-4', 'if-range': '"0-0"' },
    });
    assert.deepEqual([stale.status, await stale.text()], [200, '0123456789']);
    const weak = await fetch(`${url}/data.txt`, {
      headers: { range: 'bytes=2-4', 'if-range': 'W/' + etag },
    });
    assert.equal(weak.status, 200);
  });

  it('lists a directory only when asked, escaping names; setIndexFiles picks the index', async () => {
    const dir = site({
      'docs/<script>x.txt': 'x',
      'docs/sub/a.txt': 'a',
      'home/start.htm': 'start',
    });
    const { url } = await startServer((s) => {
      s.setIndexFiles(['start.htm']);
      s.setServerRoot(dir);
      s.addStaticPath('/list', dir, { indexFolder: true });
    });
    assert.equal((await fetch(`${url}/docs/`)).status, 403);
    assert.equal(await (await fetch(`${url}/home/`)).text(), 'start');
    const listing = await fetch(`${url}/list/docs/`);
    assert.equal(listing.headers.get('content-type'), 'text/html; charset=utf-8');
    const html = await listing.text();
    assert.ok(html.includes('<a href="/list/docs/sub/">sub/</a>'), html);
    assert.ok(html.includes('&#60;script&#62;x.txt'), html);
    assert.ok(!html.includes('<script>'), html);
    assert.ok(html.indexOf('sub/') < html.indexOf('x.txt'), 'directories first');
  });
});

describe('routing edges', () => {
  it('collapses slashes for routes, hooks and middleware; a method prefix may carry spaces', async () => {
    const { url } = await startServer((s) => {
      s.bindMiddleware('/api/*', async (r) => {
        r.response.write('m');
        await r.middleware.next();
      });
      s.bindHookHandler('GET: /api/*', 'beforeServe', (r) => r.response.write('h'));
      s.bindHandler('GET:  /api/user', (r) => r.response.write(`:${r.path}`));
    });
    assert.equal(await gfClient(url).getContent('//api///user/'), 'hm:/api/user/');
  });

  it("runs a group's cors() on the preflight for its route", async () => {
    const { url } = await startServer((s) =>
      s.group('/api', (g) => {
        g.middleware(cors({ origin: ['https://app.example'] }));
        g.put('/item', () => 'ok');
      }),
    );
    const res = await fetch(`${url}/api/item`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'x-token',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(
      res.headers.get('access-control-allow-headers'),
      'Origin,Content-Type,Accept,User-Agent,Cookie,Authorization,X-Auth-Token,X-Requested-With,x-token,Last-Event-ID',
    );
    assert.equal(res.headers.get('access-control-max-age'), '3628800');
  });
});

describe('parameters', () => {
  it('refuses a key that is both a value and a map, and nesting past 32', async () => {
    const { url } = await startServer((s) => s.get('/q', (r) => r.query));
    assert.equal((await fetch(`${url}/q?a=1&a[b]=2`)).status, 400);
    assert.equal((await fetch(`${url}/q?a${'[x]'.repeat(33)}=1`)).status, 400);
    assert.deepEqual(await (await fetch(`${url}/q?a[b]=2&a=1`)).json(), { a: '1' });
  });

  it('never pollutes prototypes', async () => {
    const { url } = await startServer((s) =>
      s.post('/f', async (r) => {
        const fields = await r.parse();
        return {
          proto: ({} as Record<string, unknown>).polluted ?? null,
          own: Object.keys(fields),
        };
      }),
    );
    const res = await fetch(`${url}/f`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '__proto__[polluted]=1&constructor[prototype][polluted]=1',
    });
    assert.deepEqual(await res.json(), { proto: null, own: ['__proto__', 'constructor'] });
  });
});
