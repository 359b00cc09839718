// HTTPS and HTTP/2 (h2 by ALPN, h2c with prior knowledge) with the same API: the seed's programs
// unchanged, backpressure and the slow-reader policy per stream, limits, floods, shutdown.
// Real clients only: curl, Node's http2 client, undici with allowH2, Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import { promisify } from 'node:util';
import { Agent, fetch as undiciFetch } from 'undici';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { Server, createHub, defineRoute, handle, type Request } from '../src/index.js';
import { testCert } from './helpers/tls.js';
import { memoryLogger, waitFor } from './helpers/server.js';
import { spawnExample } from './helpers/spawn-example.js';
import { launchChromium } from './helpers/chromium.js';

const run = promisify(execFile);
const cert = testCert();
const COUNT = 5;
const SEED_BODY = Array.from({ length: COUNT }, (_, i) => `data: ${i}\n`).join('');

/** A started server with TLS (h2 + http/1.1) on httpsPort and a plain port (h2c when asked). */
async function started(
  define: (s: Server) => void,
  options: { h2c?: boolean; http2?: boolean; [k: string]: unknown } = {},
): Promise<{ s: Server; https: string; http: string; log: ReturnType<typeof memoryLogger> }> {
  const log = memoryLogger();
  const s = new Server({ logger: log, tls: { cert: cert.cert, key: cert.key }, ...options });
  s.setAddress('127.0.0.1:0');
  s.setPort(0);
  s.setHTTPSPort(0);
  define(s);
  await s.start();
  after(() => s.shutdown({ timeout: 500 }));
  return { s, https: `https://127.0.0.1:${s.httpsPort}`, http: `http://127.0.0.1:${s.port}`, log };
}

/** An HTTP/2 session to a Sluice server (TLS, or h2c). */
function session(url: string): http2.ClientHttp2Session {
  const client = http2.connect(url, { rejectUnauthorized: false });
  client.on('error', () => {});
  after(() => client.destroy());
  return client;
}

/** GET over an HTTP/2 session: status, headers and the whole body. */
function h2get(
  client: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path, ...headers });
    let head: http2.IncomingHttpHeaders = {};
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => (head = h));
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve({ status: Number(head[':status']), headers: head, body }));
    req.on('error', reject);
    req.end();
  });
}

describe("the seed's programs over HTTP/2, unchanged", () => {
  for (const file of ['examples/seed-writefln.ts', 'examples/seed-raw-writer.ts']) {
    it(`${file}: curl --http2 over TLS gets the same bytes, with the seed's Connection header dropped`, async () => {
      const ex = await spawnExample(
        file,
        {
          SEED_COUNT: String(COUNT),
          SEED_INTERVAL_MS: '20',
          NODE_ENV: 'production',
          SLUICE_TEST_TLS_CERT: cert.certFile,
          SLUICE_TEST_TLS_KEY: cert.keyFile,
        },
        ['./test/helpers/configure-g-server.ts'],
      );
      after(() => ex.child.kill());
      assert.match(ex.url, /^https:/);
      const { stdout } = await run('curl', ['-sk', '--http2', '-N', '-D', '-', ex.url + '/']);
      const [head, body] = stdout.split('\r\n\r\n');
      assert.match(head!, /^HTTP\/2 200/);
      assert.doesNotMatch(head!, /connection:/i, 'no connection-specific header on HTTP/2');
      assert.equal(body, SEED_BODY);
    });

    it(`${file}: curl --http2-prior-knowledge (h2c) gets the same bytes; HTTP/1.1 still works on that port`, async () => {
      const ex = await spawnExample(
        file,
        {
          SEED_COUNT: String(COUNT),
          SEED_INTERVAL_MS: '20',
          NODE_ENV: 'production',
          SLUICE_TEST_H2C: '1',
        },
        ['./test/helpers/configure-g-server.ts'],
      );
      after(() => ex.child.kill());
      const h2 = await run('curl', [
        '-s',
        '--http2-prior-knowledge',
        '-N',
        '-w',
        '%{http_version}',
        ex.url + '/',
      ]);
      assert.equal(h2.stdout, SEED_BODY + '2');
      const h1 = await run('curl', [
        '-s',
        '--http1.1',
        '-N',
        '-w',
        '%{http_version}',
        ex.url + '/',
      ]);
      assert.equal(h1.stdout, SEED_BODY + '1.1');
    });
  }
});

describe('every API on HTTP/2', () => {
  it('r.httpVersion, r.url (https:), buffered answers, flush(), rawWriter, sse, stream, ndjson, returned values, static files, middleware, controllers, 404', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-h2-static-'));
    writeFileSync(join(dir, 'a.txt'), 'static over h2');
    after(() => rmSync(dir, { recursive: true, force: true }));
    const route = defineRoute({
      method: 'GET',
      path: '/typed/{id}',
      input: z.object({ id: z.coerce.number() }),
    });
    const { https } = await started((s) => {
      s.addStaticPath('/files', dir);
      s.use(async (r) => {
        r.response.header().set('X-Mw', 'ran');
        await r.middleware.next();
      });
      s.bind({ typed: handle(route, (_ctx, input) => ({ id: input.id })) });
      s.get('/v', (r) => ({ v: r.httpVersion, url: r.url.href, ip: r.ip }));
      s.get('/flush', async (r) => {
        r.response.header().set('Connection', 'keep-alive'); // dropped, never thrown
        r.response.header().set('Transfer-Encoding', 'chunked');
        r.response.header().set('Upgrade', 'websocket');
        r.response.write('a');
        await r.response.flush();
        r.response.write('b');
      });
      s.get('/raw', async (r) => {
        const rw = r.response.rawWriter();
        rw.write('x');
        await rw.flush();
        rw.write('y');
      });
      s.get('/sse', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send({ id: '1', data: 'one' });
        await es.send({ event: 'e', data: { two: 2 } });
      });
      s.get('/stream', (r) => r.response.stream(['s1', 's2']));
      s.get('/ndjson', (r) => r.response.ndjson([{ n: 1 }, { n: 2 }]));
      s.get('/gen', async function* () {
        yield 1;
        yield 2;
      });
      s.post('/echo', async (r) => ({ got: await r.json() }));
    });
    const client = session(https);
    const v = await h2get(client, '/v');
    assert.equal(v.status, 200);
    const got = JSON.parse(v.body) as { v: string; url: string; ip: string };
    assert.equal(got.v, '2.0');
    assert.match(got.url, /^https:\/\/127\.0\.0\.1:\d+\/v$/);
    assert.equal(got.ip, '127.0.0.1');
    const flush = await h2get(client, '/flush');
    assert.equal(flush.body, 'ab');
    assert.equal(flush.headers['upgrade'], undefined);
    assert.equal((await h2get(client, '/raw')).body, 'xy');
    assert.equal(
      (await h2get(client, '/sse')).body,
      'id: 1\ndata: one\n\nevent: e\ndata: {"two":2}\n\n',
    );
    assert.equal((await h2get(client, '/stream')).body, 's1s2');
    assert.equal((await h2get(client, '/ndjson')).body, '{"n":1}\n{"n":2}\n');
    assert.equal((await h2get(client, '/gen')).body, '1\n2\n');
    assert.equal(
      (await h2get(client, '/gen', { accept: 'text/event-stream' })).body,
      'data: 1\n\ndata: 2\n\n',
    );
    assert.equal((await h2get(client, '/nope')).status, 404);
    const file = await h2get(client, '/files/a.txt');
    assert.equal(file.body, 'static over h2');
    assert.equal(file.headers['x-mw'], 'ran');
    assert.equal((await h2get(client, '/typed/7')).body, '{"id":7}');
    const echo = await new Promise<string>((resolve, reject) => {
      const req = client.request({
        ':path': '/echo',
        ':method': 'POST',
        'content-type': 'application/json',
      });
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => resolve(body));
      req.on('error', reject);
      req.end('{"a":1}');
    });
    assert.equal(echo, '{"got":{"a":1}}');
  });

  it('undici with allowH2 talks HTTP/2 to it; without h2 (http2: false) ALPN gives HTTP/1.1', async () => {
    const on = await started((s) => s.get('/v', (r) => r.httpVersion));
    const off = await started((s) => s.get('/v', (r) => r.httpVersion), { http2: false });
    const agent = new Agent({ allowH2: true, connect: { rejectUnauthorized: false } });
    after(() => agent.close());
    assert.equal(await (await undiciFetch(`${on.https}/v`, { dispatcher: agent })).text(), '2.0');
    assert.equal(await (await undiciFetch(`${off.https}/v`, { dispatcher: agent })).text(), '1.1');
  });

  it(':authority is checked like Host, and the body limit answers 413', async () => {
    const { https } = await started((s) => s.post('/b', async (r) => (await r.body()).length), {
      bodyLimit: 10,
    });
    const client = session(https);
    const bad = await h2get(client, '/b', { ':authority': 'example.com:99999' });
    assert.equal(bad.status, 400);
    const big = await new Promise<number>((resolve, reject) => {
      const req = client.request({ ':path': '/b', ':method': 'POST' });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.on('error', reject);
      req.end('x'.repeat(100));
    });
    assert.equal(big, 413);
  });
});

describe('streams on one HTTP/2 connection', () => {
  it('50 concurrent SSE streams on ONE session each receive every event in order', async () => {
    const hub = createHub();
    after(() => hub.close());
    const { https, s } = await started((s) =>
      s.get('/room', (r) => r.response.sse({ heartbeat: 0 }).subscribe(hub, 'room')),
    );
    const client = session(https);
    const N = 50;
    const EVENTS = 20;
    const got: string[][] = Array.from({ length: N }, () => []);
    const done: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      done.push(
        new Promise((resolve, reject) => {
          const req = client.request({ ':path': '/room' });
          let buf = '';
          req.setEncoding('utf8');
          req.on('data', (c: string) => {
            buf += c;
            for (let k = buf.indexOf('\n\n'); k !== -1; k = buf.indexOf('\n\n')) {
              const frame = buf.slice(0, k);
              buf = buf.slice(k + 2);
              const data = /data: (.*)/.exec(frame)?.[1];
              if (data !== undefined) got[i]!.push(data);
              if (got[i]!.length === EVENTS) {
                req.close();
                resolve();
              }
            }
          });
          req.on('error', reject);
        }),
      );
    }
    await waitFor(() => s.stats().streams >= N, 5000, 'all streams open');
    for (let e = 0; e < EVENTS; e++) await hub.publish('room', { data: `e${e}` });
    await Promise.all(done);
    const want = Array.from({ length: EVENTS }, (_, e) => `e${e}`);
    for (const list of got) assert.deepEqual(list, want);
  });

  it('a stream whose reader stops is cut (RST_STREAM) while its sibling on the same connection keeps flowing', async () => {
    const reasons: string[] = [];
    const { https } = await started(
      (s) =>
        s.get('/fire', async (r: Request) => {
          const es = r.response.sse({ heartbeat: 0 });
          r.signal.addEventListener('abort', () =>
            reasons.push(String((r.signal.reason as { code?: string }).code)),
          );
          const chunk = 'z'.repeat(8192);
          while (!es.closed) {
            // A writer that does not wait: the cap bounds its backlog.
            void es.send(chunk);
            await new Promise((f) => setImmediate(f));
          }
        }),
      { streamCap: 256 * 1024, writeStallTimeout: 2000 },
    );
    const client = session(https);
    const stalled = client.request({ ':path': '/fire' });
    stalled.pause(); // never reads: its window closes, the server's backlog grows
    const closed = new Promise<number>((resolve) =>
      stalled.on('close', () => resolve(stalled.rstCode)),
    );
    stalled.on('error', () => {});
    const live = client.request({ ':path': '/fire' });
    let liveBytes = 0;
    live.on('data', (c: Buffer) => (liveBytes += c.length));
    live.on('error', () => {});
    const rst = await closed;
    assert.notEqual(rst, http2.constants.NGHTTP2_NO_ERROR, 'the stalled stream was reset');
    const before = liveBytes;
    await waitFor(() => liveBytes > before + 1_000_000, 5000, 'the sibling keeps flowing');
    assert.ok(!client.destroyed && !client.closed, 'the connection survives');
    assert.ok(reasons.includes('SLUICE_STREAM_OVERFLOW'), reasons.join());
    live.close();
  });
});

describe('limits and floods', () => {
  it('a rapid-reset flood and a PING flood from one client do not stall another client', async () => {
    const { https } = await started((s) => s.get('/hello', () => 'hi'));
    const attacker = session(https);
    let stop = false;
    const flood = (async () => {
      while (!stop && !attacker.destroyed) {
        for (let i = 0; i < 50 && !attacker.destroyed; i++) {
          try {
            const req = attacker.request({ ':path': '/hello' });
            req.on('error', () => {});
            req.close(http2.constants.NGHTTP2_CANCEL);
            attacker.ping(() => {});
          } catch {
            // the server may have closed the attacker's session: that is a fine answer too
          }
        }
        await new Promise((f) => setImmediate(f));
      }
    })();
    const other = session(https);
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      const res = await h2get(other, '/hello');
      times.push(performance.now() - t0);
      assert.equal(res.body, 'hi');
    }
    stop = true;
    await flood;
    times.sort((a, b) => a - b);
    assert.ok(times[Math.floor(times.length * 0.9)]! < 250, `p90 ${times.join(',')}`);
  });

  it('too many or too large header fields answer 431, as on HTTP/1.1', async () => {
    const { https } = await started((s) => s.get('/', () => 'ok'), {
      maxHeaders: 20,
      maxHeaderSize: 4096,
    });
    const client = session(https);
    assert.equal((await h2get(client, '/', { 'x-big': 'x'.repeat(5000) })).status, 431);
    const many: Record<string, string> = {};
    for (let i = 0; i < 30; i++) many[`x-h${i}`] = 'v';
    assert.equal((await h2get(client, '/', many)).status, 431);
    assert.equal((await h2get(client, '/')).status, 200, 'the connection still serves');
  });

  it('advertises http2MaxConcurrentStreams in its SETTINGS (the client holds further streams back)', async () => {
    const { https } = await started(
      (s) => s.get('/hold', (r) => r.response.sse({ heartbeat: 0 }).comment('open')),
      { http2MaxConcurrentStreams: 5 },
    );
    const client = session(https);
    await new Promise<void>((resolve) => client.once('remoteSettings', () => resolve()));
    assert.equal(client.remoteSettings.maxConcurrentStreams, 5);
  });
});

describe('HTTP/2 in a browser', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  async function openEventSources(origin: string, n: number): Promise<number> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/page`);
      return await page.evaluate(async (count) => {
        const sources: EventSource[] = [];
        let live = 0;
        for (let i = 0; i < count; i++) {
          const es = new EventSource(`/live?i=${i}`);
          es.onmessage = () => live++;
          sources.push(es);
        }
        await new Promise((f) => setTimeout(f, 1500));
        for (const es of sources) es.close();
        return live;
      }, n);
    } finally {
      await context.close();
    }
  }

  it('20 EventSources from one page are all live over HTTPS/h2; over HTTP/1.1 only 6 get through', async () => {
    const { https, http } = await started((s) => {
      s.get('/page', (r) => {
        r.response.header().set('Content-Type', 'text/html');
        return '<!doctype html><title>h2</title>';
      });
      s.get('/live', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('up');
        await new Promise((resolve) => r.signal.addEventListener('abort', resolve));
      });
    });
    assert.equal(await openEventSources(https, 20), 20);
    assert.equal(await openEventSources(http, 20), 6);
  });
});

describe('shutdown over HTTP/2', () => {
  it('1,000 open HTTP/2 streams each get their retry hint, then GOAWAY; shutdown resolves after the drain', async () => {
    const log = memoryLogger();
    const s = new Server({ logger: log, tls: { cert: cert.cert, key: cert.key } });
    s.setAddress('127.0.0.1:0');
    s.get('/e', async (r) => {
      const es = r.response.sse({ heartbeat: 0 });
      await es.send('hello');
      await new Promise((resolve) => r.signal.addEventListener('abort', resolve));
    });
    await s.start();
    const url = `https://127.0.0.1:${s.port}`;
    const SESSIONS = 10;
    const PER = 100;
    const texts: string[] = [];
    const ended: Promise<void>[] = [];
    const clients = Array.from({ length: SESSIONS }, () => session(url));
    for (const client of clients) {
      for (let i = 0; i < PER; i++) {
        ended.push(
          new Promise((resolve) => {
            const req = client.request({ ':path': '/e' });
            let text = '';
            req.setEncoding('utf8');
            req.on('data', (c: string) => (text += c));
            req.on('close', () => {
              texts.push(text);
              resolve();
            });
            req.on('error', () => {});
          }),
        );
      }
    }
    await waitFor(() => s.stats().streams === SESSIONS * PER, 15_000, 'all streams open');
    const goaway = clients.map(
      (c) => new Promise<void>((resolve) => c.once('goaway', () => resolve())),
    );
    const t0 = Date.now();
    await s.shutdown({ timeout: 5000 });
    await Promise.all(ended);
    await Promise.all(goaway);
    assert.equal(texts.length, SESSIONS * PER);
    for (const text of texts) assert.match(text, /^data: hello\n\nretry: \d+\n\n$/);
    assert.ok(Date.now() - t0 < 5000, 'shutdown waited for the drain, not for its timeout');
  });
});
