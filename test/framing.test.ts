// The framing on the wire always matches the bytes that follow it, so a client (or a proxy
// reusing the connection) never reads one response's bytes as part of another: a proxied
// fetch() Response loses the upstream's framing and hop-by-hop headers, a body shorter or longer
// than its Content-Length closes the connection, a failed stream never ends with the terminating
// chunk, and an error answered to a bodiless request keeps the connection.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { HttpError, type Request } from '../src/index.js';
import { memoryLogger, readBody, socketOf, startServer } from './helpers/server.js';
import {
  connectRaw,
  exchange,
  headerOf,
  whenClosed,
  type RawExchange,
} from './helpers/raw-http.js';

const NEXT = 'NEXT-RESPONSE-BODY';

/** Two pipelined GETs: `path`, then `/next` (which answers NEXT). */
function pipelined(port: number, path: string, timeout = 2000): Promise<RawExchange> {
  return exchange(
    port,
    Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n`,
      'latin1',
    ),
    { timeout, responses: 2, grace: 50 },
  );
}

function show(x: RawExchange): string {
  return `closed=${x.closed} raw=${JSON.stringify(x.raw.toString('latin1', 0, 700))}`;
}

describe('a fetch() Response returned by a handler', () => {
  const plain = 'hello from upstream, '.repeat(300);
  const gz = zlib.gzipSync(plain);
  let upstream: http.Server;
  let upstreamUrl = '';

  it('is sent decoded with its own framing, both cookies and no hop-by-hop headers; a pipelined request behind it is intact', async () => {
    upstream = http.createServer((_req, res) => {
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Encoding': 'gzip',
        'Content-Length': String(gz.length),
        Connection: 'keep-alive, X-Upstream-Hop',
        'Keep-Alive': 'timeout=5, max=97',
        'X-Upstream-Hop': 'for this connection only',
        'Set-Cookie': ['a=1; Path=/', 'b=2; Path=/'],
      });
      res.end(gz);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    after(() => {
      upstream.closeAllConnections();
      upstream.close();
    });
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;

    const { s } = await startServer((s) => {
      s.get('/proxy', () => fetch(upstreamUrl));
      s.get('/next', () => NEXT);
    });
    const x = await pipelined(s.port, '/proxy');
    assert.equal(x.responses.length, 2, show(x));
    assert.equal(x.garbage.length, 0, show(x));
    const [first, second] = x.responses as [
      RawExchange['responses'][0],
      RawExchange['responses'][0],
    ];
    assert.equal(first.status, 200);
    assert.ok(first.complete, show(x));
    assert.equal(first.body.toString('utf8'), plain, 'the decoded body, whole');
    assert.equal(headerOf(first, 'content-encoding'), undefined, 'the body is no longer gzip');
    const length = headerOf(first, 'content-length');
    assert.ok(
      length === undefined || length === String(Buffer.byteLength(plain)),
      `Content-Length ${length} is the upstream's compressed size`,
    );
    assert.equal(
      headerOf(first, 'x-upstream-hop'),
      undefined,
      'a header the upstream Connection names is hop-by-hop',
    );
    assert.ok(
      !(headerOf(first, 'keep-alive') ?? '').includes('max=97'),
      'the upstream Keep-Alive is not copied',
    );
    assert.deepEqual(first.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
    assert.equal(second.status, 200);
    assert.equal(second.body.toString('latin1'), NEXT);
  });

  it('a Response built in the handler with Content-Encoding: gzip keeps the header and its bytes as they are', async () => {
    const { s } = await startServer((s) => {
      s.get(
        '/built',
        () =>
          new Response(gz, {
            headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' },
          }),
      );
      s.get('/next', () => NEXT);
    });
    const x = await pipelined(s.port, '/built');
    assert.equal(x.responses.length, 2, show(x));
    const first = x.responses[0]!;
    assert.equal(headerOf(first, 'content-encoding'), 'gzip');
    assert.ok(first.body.equals(gz), 'the gzip bytes, untouched');
    assert.equal(x.responses[1]!.body.toString('latin1'), NEXT);
  });

  it('whose upstream dies mid-body reaches the client truncated (no terminating chunk, connection closed), never complete', async () => {
    const dying = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '1000' });
      res.write('x'.repeat(500));
      setImmediate(() => res.destroy());
    });
    await new Promise<void>((resolve) => dying.listen(0, '127.0.0.1', resolve));
    after(() => {
      dying.closeAllConnections();
      dying.close();
    });
    const dyingUrl = `http://127.0.0.1:${(dying.address() as AddressInfo).port}/`;
    const { s } = await startServer((s) => {
      s.get('/proxy', () => fetch(dyingUrl));
      s.get('/next', () => NEXT);
    });
    const x = await pipelined(s.port, '/proxy', 3000);
    assert.equal(x.responses.length, 1, show(x));
    assert.equal(x.responses[0]!.status, 200);
    assert.equal(x.responses[0]!.complete, false, show(x));
    assert.ok(!x.raw.includes('\r\n0\r\n\r\n'), show(x));
    assert.ok(!x.raw.includes(NEXT), show(x));
    assert.ok(x.closed, show(x));
  });
});

describe('a static file that shrinks while it is served', () => {
  it('closes the connection with a body shorter than declared; the pipelined request never shows up inside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-shrink-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'big.bin');
    const size = 8 * 1024 * 1024;
    writeFileSync(file, Buffer.alloc(size, 'a'));
    const { s } = await startServer((s) => {
      s.get('/next', () => NEXT);
      s.addStaticPath('/static', dir);
    });
    const sock = await connectRaw(s.port);
    const chunks: Buffer[] = [];
    let headEnd = -1;
    const head = new Promise<void>((resolve) => {
      sock.on('data', (c: Buffer) => {
        chunks.push(c);
        if (headEnd === -1) {
          headEnd = Buffer.concat(chunks).indexOf('\r\n\r\n');
          if (headEnd !== -1) {
            sock.pause(); // the client stops reading: the server cannot send the rest yet
            resolve();
          }
        }
      });
    });
    sock.write(
      'GET /static/big.bin HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    await head;
    truncateSync(file, 0);
    sock.resume();
    const closed = await whenClosed(sock, 4000).then(
      () => true,
      () => false,
    );
    sock.destroy();
    const raw = Buffer.concat(chunks);
    const headText = raw.toString('latin1', 0, headEnd);
    assert.match(headText, /^HTTP\/1\.1 200 /);
    assert.match(headText, new RegExp(`\r\ncontent-length: ${size}\r\n`, 'i'));
    const body = raw.subarray(headEnd + 4);
    assert.ok(!body.includes('HTTP/1.1'), 'the next response appears inside the first body');
    assert.ok(!body.includes(NEXT), 'the next response appears inside the first body');
    assert.ok(body.length < size, `${body.length} bytes: the file did not shrink in time`);
    assert.ok(closed, 'a body shorter than its Content-Length must close the connection');
  });
});

describe('a handler that declares a Content-Length', () => {
  it('and writes past it has its connection cut, logged with SLUICE_STREAM_LENGTH', async () => {
    const log = memoryLogger();
    const { s } = await startServer(
      (s) => {
        s.get('/over', async (r) => {
          r.response.header().set('Content-Length', '5');
          r.response.write('0123456789');
          await r.response.flush();
        });
        s.get('/next', () => NEXT);
      },
      { logger: log },
    );
    const x = await pipelined(s.port, '/over');
    assert.ok(x.closed, show(x));
    assert.ok(!x.raw.includes(NEXT), `the connection was reused: ${show(x)}`);
    assert.ok(!x.raw.includes('56789'), `bytes past the Content-Length went out: ${show(x)}`);
    assert.ok(
      log.records.some(
        (rec) =>
          rec.level === 'error' &&
          (rec.obj.err as { code?: string })?.code === 'SLUICE_STREAM_LENGTH',
      ),
      `logged: ${JSON.stringify(log.records.map((rec) => [rec.level, rec.msg]))}`,
    );
  });

  it('and ends short of it has its connection destroyed, never reused', async () => {
    const { s } = await startServer((s) => {
      s.get('/under', async (r) => {
        r.response.header().set('Content-Length', '10');
        r.response.write('01234');
        await r.response.flush();
      });
      s.get('/next', () => NEXT);
    });
    const x = await pipelined(s.port, '/under');
    assert.ok(x.closed, show(x));
    assert.equal(x.responses.length, 1, show(x));
    assert.equal(x.responses[0]!.complete, false, show(x));
    assert.ok(!x.raw.includes(NEXT), `the connection was reused: ${show(x)}`);
  });

  it('a Transfer-Encoding header set by the handler never reaches the wire (buffered or streamed)', async () => {
    const { s } = await startServer((s) => {
      s.get('/buffered', (r) => {
        r.response.header().set('Transfer-Encoding', 'chunked');
        return 'hello';
      });
      s.get('/streamed', async (r) => {
        r.response.header().set('Transfer-Encoding', 'gzip, chunked');
        r.response.write('hello');
        await r.response.flush();
      });
      s.get('/next', () => NEXT);
    });
    const buffered = await pipelined(s.port, '/buffered');
    assert.equal(buffered.responses.length, 2, show(buffered));
    assert.equal(headerOf(buffered.responses[0]!, 'transfer-encoding'), undefined, show(buffered));
    assert.equal(headerOf(buffered.responses[0]!, 'content-length'), '5');
    assert.equal(buffered.responses[1]!.body.toString('latin1'), NEXT);

    const streamed = await pipelined(s.port, '/streamed');
    assert.equal(streamed.responses.length, 2, show(streamed));
    // Node's own chunked framing, nothing the handler wrote.
    assert.equal(headerOf(streamed.responses[0]!, 'transfer-encoding'), 'chunked', show(streamed));
    assert.equal(streamed.responses[0]!.body.toString('latin1'), 'hello');
    assert.equal(streamed.responses[1]!.body.toString('latin1'), NEXT);
  });

  it('a Content-Length set in lower case on a buffered response goes out once, matching the body', async () => {
    const { s } = await startServer((s) => {
      s.get('/lower', (r) => {
        r.response.header().set('content-length', '99');
        return 'hi';
      });
      s.get('/next', () => NEXT);
    });
    const x = await pipelined(s.port, '/lower');
    assert.deepEqual(x.responses[0]?.headers['content-length'], ['2'], show(x));
    assert.equal(x.responses[1]?.body.toString('latin1'), NEXT, show(x));
  });

  it('a Content-Length appended twice never puts two Content-Length fields or bytes past it on the wire', async () => {
    const { s } = await startServer((s) => {
      s.get('/twice', async (r) => {
        r.response.header().append('Content-Length', '2');
        r.response.header().append('Content-Length', '2');
        r.response.write('0123456789');
        await r.response.flush();
      });
      s.get('/next', () => NEXT);
    });
    const x = await pipelined(s.port, '/twice');
    const fields = x.responses[0]?.headers['content-length'] ?? [];
    assert.ok(fields.length <= 1, `${fields.length} Content-Length fields: ${show(x)}`);
    assert.ok(!x.raw.includes('23456789'), `bytes past the Content-Length went out: ${show(x)}`);
  });
});

describe('a stream that fails midway never looks complete', () => {
  async function* failing<T>(items: T[]): AsyncGenerator<T> {
    for (const item of items) {
      yield item;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('the source failed (this text must not reach the client)');
  }

  async function startFailing(): Promise<{ port: number; url: string }> {
    const { s, url } = await startServer((s) => {
      s.get('/stream', (r) =>
        r.response.stream(failing(['one\n', 'two\n']), { contentType: 'text/plain' }),
      );
      s.get('/ndjson', (r) => r.response.ndjson(failing([{ n: 1 }, { n: 2 }])));
      s.get('/returned', () => failing([{ n: 1 }, { n: 2 }]));
      s.get('/seed', async (r: Request) => {
        r.response.header().set('Content-Type', 'text/event-stream');
        for (let i = 0; i < 10; i++) {
          if (i === 3) throw new Error('the loop failed');
          r.response.writefln('data: %d', i);
          await r.response.flush();
        }
      });
      s.get('/sse', async (r) => {
        const es = r.response.sse({ errorEvent: true, heartbeat: 0 });
        await es.send('first');
        throw new Error('leaked secret');
      });
    });
    return { port: s.port, url };
  }

  /** The raw view: bytes so far, no `0\r\n\r\n`, and the server closes the connection. */
  async function assertTruncatedRaw(
    port: number,
    path: string,
    expected: string,
    headers = '',
  ): Promise<void> {
    const x = await exchange(
      port,
      Buffer.from(`GET ${path} HTTP/1.1\r\nHost: a\r\n${headers}\r\n`, 'latin1'),
      { timeout: 3000 },
    );
    assert.equal(x.responses.length, 1, show(x));
    const res = x.responses[0]!;
    assert.equal(res.status, 200);
    assert.equal(res.body.toString('utf8'), expected, show(x));
    assert.equal(
      res.complete,
      false,
      `a failed stream ended with the terminating chunk: ${show(x)}`,
    );
    assert.ok(!x.raw.includes('\r\n0\r\n\r\n'), show(x));
    assert.ok(x.closed, `the connection stays open: ${show(x)}`);
    assert.ok(x.ms < 2500, `closed after ${x.ms} ms`);
  }

  it('r.response.stream(source) (raw socket: no terminating chunk, connection closed)', async () => {
    const { port } = await startFailing();
    await assertTruncatedRaw(port, '/stream', 'one\ntwo\n');
  });

  it('r.response.ndjson(source) (fetch: the body errors instead of ending)', async () => {
    const { url } = await startFailing();
    const { text, complete } = await readBody(await fetch(`${url}/ndjson`));
    assert.equal(text, '{"n":1}\n{"n":2}\n');
    assert.equal(complete, false, 'a truncated NDJSON body must not look complete');
  });

  it('a returned async iterable, as NDJSON (raw) and as SSE (fetch)', async () => {
    const { port, url } = await startFailing();
    await assertTruncatedRaw(port, '/returned', '{"n":1}\n{"n":2}\n');
    const res = await fetch(`${url}/returned`, { headers: { accept: 'text/event-stream' } });
    const { text, complete } = await readBody(res);
    assert.equal(text, 'data: {"n":1}\n\ndata: {"n":2}\n\n');
    assert.equal(complete, false, 'a truncated SSE body must not look complete');
  });

  it('a seed-style writefln + flush loop that throws: curl exits 18 (partial transfer)', async () => {
    const { url } = await startFailing();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>(
      (resolve) => {
        const curl = spawn('curl', ['-sN', '--max-time', '5', `${url}/seed`]);
        let out = '';
        curl.stdout.on('data', (c: Buffer) => (out += c.toString()));
        curl.on('close', (c) => resolve({ code: c, stdout: out }));
      },
    );
    assert.equal(stdout, 'data: 0\ndata: 1\ndata: 2\n');
    assert.equal(code, 18, 'curl must see a transfer that did not complete');
  });

  it('an EventStream with errorEvent sends its safe event: error first, then no terminating chunk', async () => {
    const { port } = await startFailing();
    await assertTruncatedRaw(
      port,
      '/sse',
      'data: first\n\nevent: error\ndata: {"message":"Internal Server Error"}\n\n',
    );
  });
});

describe('an error answered to a request', () => {
  function startErrors(sockets: Set<unknown>): ReturnType<typeof startServer> {
    return startServer((s) => {
      s.get('/missing', (r) => {
        sockets.add(socketOf(r));
        throw new HttpError(404);
      });
      s.all('/private', (r) => {
        sockets.add(socketOf(r));
        throw new HttpError(401);
      });
    });
  }

  it('a synchronous HttpError 404/401 to a bodiless GET keeps the connection (3 pipelined GETs, 3 answers, no Connection: close)', async () => {
    const { s } = await startErrors(new Set());
    const get = (p: string): string => `GET ${p} HTTP/1.1\r\nHost: a\r\n\r\n`;
    const x = await exchange(
      s.port,
      Buffer.from(get('/missing') + get('/private') + get('/missing'), 'latin1'),
      { responses: 3, grace: 50 },
    );
    assert.deepEqual(
      x.responses.map((res) => res.status),
      [404, 401, 404],
      show(x),
    );
    for (const res of x.responses) {
      assert.notEqual(headerOf(res, 'connection')?.toLowerCase(), 'close', show(x));
    }
    assert.equal(x.closed, false, show(x));
  });

  it('50 such requests on one keep-alive agent use one connection', async () => {
    const sockets = new Set<unknown>();
    const { s } = await startErrors(sockets);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    after(() => agent.destroy());
    for (let i = 0; i < 50; i++) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.get(
          { host: '127.0.0.1', port: s.port, path: i % 2 ? '/missing' : '/private', agent },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
      });
      assert.equal(status, i % 2 ? 404 : 401);
    }
    assert.equal(sockets.size, 1, `${sockets.size} connections for 50 requests`);
  });

  it('an error answered before a declared request body was read still closes the connection', async () => {
    const { s } = await startErrors(new Set());
    const x = await exchange(
      s.port,
      Buffer.from('POST /private HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234', 'latin1'),
      { timeout: 2000 },
    );
    assert.equal(x.responses.length, 1, show(x));
    assert.equal(x.responses[0]!.status, 401);
    assert.equal(headerOf(x.responses[0]!, 'connection')?.toLowerCase(), 'close');
    assert.ok(x.closed, show(x));
  });
});
