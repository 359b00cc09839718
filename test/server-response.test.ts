// r.response: buffered writers, Content-Length vs chunked, flush() semantics, the committed
// state, cookies, return values, errors before and after commit, rawWriter, inject().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Readable } from 'node:stream';
import { ClientClosedError, HttpError, Server, SluiceError } from '../src/index.js';
import { memoryLogger, rawRequest, readBody, startServer, waitFor } from './helpers/server.js';

describe('buffered response', () => {
  it('sends a never-flushed response whole, with Content-Length', async () => {
    const { s } = await startServer((s) =>
      s.get('/', (r) => {
        r.response.write('a', 1, true);
        r.response.writeln();
        r.response.writef('%s=%d;', 'x', 42);
        r.response.writefln('%05.1f|%-3s|', 3.14159, 'ab');
      }),
    );
    const out = await rawRequest(s.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const body = 'a1true\nx=42;003.1|ab |\n';
    assert.match(out, new RegExp(`Content-Length: ${body.length}\r\n`));
    assert.doesNotMatch(out, /Transfer-Encoding/i);
    assert.ok(out.endsWith(`\r\n\r\n${body}`));
  });

  it('writeJson, writeStatus, writeOver, buffer accessors and redirectTo', async () => {
    const { url } = await startServer((s) => {
      s.get('/json', (r) => r.response.writeJson({ a: [1, 2] }));
      s.get('/status', (r) => r.response.writeStatus(418));
      s.get('/over', (r) => {
        r.response.write('old');
        r.response.writeOver('new');
        r.response.write(` ${r.response.bufferLength()} ${r.response.bufferString()}`);
      });
      s.get('/go', (r) => r.response.redirectTo('/json'));
    });
    const a = await fetch(`${url}/json`);
    assert.equal(a.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await a.json(), { a: [1, 2] });
    const b = await fetch(`${url}/status`);
    assert.equal(b.status, 418);
    assert.equal(await b.text(), "I'm a teapot"); // the one status table knows every registered status
    assert.equal(await (await fetch(`${url}/over`)).text(), 'new 3 new');
    const c = await fetch(`${url}/go`, { redirect: 'manual' });
    assert.equal(c.status, 302);
    assert.equal(c.headers.get('location'), '/json');
  });

  it('sends cookies with the headers', async () => {
    const { url } = await startServer((s) =>
      s.get('/c', (r) => {
        r.response.setCookie('session', 'a b', { httpOnly: true, sameSite: 'Lax' });
        r.response.setCookie('theme', 'dark');
        return r.cookie('incoming') ?? 'none';
      }),
    );
    const res = await fetch(`${url}/c`, { headers: { cookie: 'incoming=yes' } });
    assert.equal(await res.text(), 'yes');
    const cookies = res.headers.getSetCookie();
    assert.equal(cookies.length, 2);
    assert.match(cookies[0]!, /^session=a%20b; Path=\/; HttpOnly; SameSite=Lax$/);
  });
});

describe('flush() and the committed state', () => {
  it('flush() commits with an empty buffer, switches to chunked, and later setters throw a coded error', async () => {
    let lateError: unknown;
    const { s } = await startServer((s) =>
      s.get('/', async (r) => {
        r.response.header().set('X-Early', '1');
        assert.equal(await r.response.flush(), true);
        assert.equal(r.response.committed, true);
        try {
          r.response.header().set('X-Late', '1');
        } catch (e) {
          lateError = e;
        }
        assert.throws(
          () => (r.response.status = 500),
          /SLUICE_HEADERS_COMMITTED|headers were already sent/,
        );
        r.response.write('after');
      }),
    );
    const out = await rawRequest(s.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(out, /X-Early: 1/);
    assert.match(out, /Transfer-Encoding: chunked/);
    assert.doesNotMatch(out, /X-Late/);
    assert.ok(out.endsWith('5\r\nafter\r\n0\r\n\r\n'));
    assert.ok(lateError instanceof SluiceError && lateError.code === 'SLUICE_HEADERS_COMMITTED');
  });

  it('flush() resolves false, never hangs, once the client is gone', async () => {
    const results: boolean[] = [];
    let finished = false;
    const { s } = await startServer((s) =>
      s.get('/', async (r) => {
        for (let i = 0; i < 200 && !r.signal.aborted; i++) {
          r.response.write('x'.repeat(1024));
          results.push(await r.response.flush());
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        results.push(await r.response.flush());
        finished = true;
      }),
    );
    const sock = net.connect(s.port, '127.0.0.1');
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => sock.once('data', resolve));
    sock.destroy();
    await waitFor(() => finished, 3000, 'handler to notice');
    assert.equal(results[0], true);
    assert.equal(results.at(-1), false);
  });

  it('rawWriter commits at its first write (headers set after rawWriter() go out) and throws ClientClosedError after the client left', async () => {
    let thrown: unknown;
    const { s } = await startServer((s) =>
      s.get('/', async (r) => {
        const rw = r.response.rawWriter();
        rw.header().set('X-Set-After', 'yes');
        rw.writeHeader(201);
        rw.write('one\n');
        await rw.flush();
        await new Promise((resolve) => r.signal.addEventListener('abort', resolve));
        try {
          rw.write('two\n');
        } catch (e) {
          thrown = e;
        }
      }),
    );
    const sock = net.connect(s.port, '127.0.0.1');
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const first = await new Promise<string>((resolve) =>
      sock.once('data', (c) => resolve(c.toString())),
    );
    assert.match(first, /^HTTP\/1\.1 201 /);
    assert.match(first, /X-Set-After: yes/);
    sock.destroy();
    await waitFor(() => thrown !== undefined, 2000, 'write to throw');
    assert.ok(thrown instanceof ClientClosedError);
  });
});

describe('return values and errors', () => {
  it('turns return values into bodies: text, bytes, JSON, Readable, ReadableStream, Response, AsyncIterable', async () => {
    const { url } = await startServer((s) => {
      s.get('/text', () => 'hi');
      s.get('/bytes', () => new Uint8Array([1, 2, 3]));
      s.get('/json', () => ({ ok: true }));
      s.get('/readable', () => Readable.from(['a', 'b', 'c']));
      s.get(
        '/web',
        () =>
          new ReadableStream({
            start: (c) => (c.enqueue(new TextEncoder().encode('web')), c.close()),
          }),
      );
      s.get(
        '/response',
        () => new Response('teapot', { status: 418, headers: { 'x-from': 'response' } }),
      );
      s.get('/gen', async function* () {
        yield { n: 1 };
        yield { n: 2 };
      });
      s.get('/typed', (r) => {
        r.response.header().set('Content-Type', 'text/csv');
        r.response.status = 201;
        return 'a,b';
      });
      s.get('/empty', () => undefined);
    });
    const text = await fetch(`${url}/text`);
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await text.text(), 'hi');
    const bytes = await fetch(`${url}/bytes`);
    assert.equal(bytes.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual([...new Uint8Array(await bytes.arrayBuffer())], [1, 2, 3]);
    assert.deepEqual(await (await fetch(`${url}/json`)).json(), { ok: true });
    assert.equal(await (await fetch(`${url}/readable`)).text(), 'abc');
    assert.equal(await (await fetch(`${url}/web`)).text(), 'web');
    const resp = await fetch(`${url}/response`);
    assert.equal(resp.status, 418);
    assert.equal(resp.headers.get('x-from'), 'response');
    assert.equal(await resp.text(), 'teapot');
    const nd = await fetch(`${url}/gen`);
    assert.equal(nd.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
    assert.equal(nd.headers.get('vary'), 'Accept');
    assert.equal(await nd.text(), '{"n":1}\n{"n":2}\n');
    const sse = await fetch(`${url}/gen`, { headers: { accept: 'text/event-stream' } });
    assert.equal(sse.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(await sse.text(), 'data: {"n":1}\n\ndata: {"n":2}\n\n');
    const typed = await fetch(`${url}/typed`);
    assert.equal(typed.status, 201);
    assert.equal(typed.headers.get('content-type'), 'text/csv');
    const empty = await fetch(`${url}/empty`);
    assert.equal(empty.status, 200);
    assert.equal(await empty.text(), '');
  });

  it('an error before commit is a real response: 500 hides the message, HttpError keeps status and message', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) => {
        s.get('/boom', () => {
          throw new Error('secret detail');
        });
        s.get('/gone', async () => {
          throw new HttpError(410, 'gone for good');
        });
      },
      { logger: log },
    );
    const a = await fetch(`${url}/boom`);
    assert.equal(a.status, 500);
    assert.equal(await a.text(), 'Internal Server Error');
    const b = await fetch(`${url}/gone`);
    assert.equal(b.status, 410);
    assert.equal(await b.text(), 'gone for good');
    assert.equal(log.records.filter((x) => x.level === 'error').length, 1);
  });

  it('an error after commit is logged and cuts the connection without the terminating chunk; its text is never appended', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) =>
        s.get('/s', async (r) => {
          r.response.write('data: 1\n\n');
          await r.response.flush();
          throw new Error('secret after commit');
        }),
      { logger: log },
    );
    const { text: body, complete } = await readBody(await fetch(`${url}/s`));
    assert.equal(body, 'data: 1\n\n');
    assert.equal(complete, false, 'a truncated body must not look complete');
    assert.ok(log.records.some((x) => x.level === 'error'));
  });

  it('a client that left is not logged as an error', async () => {
    const log = memoryLogger();
    let done = false;
    const { s } = await startServer(
      (s) =>
        s.get('/', async (r) => {
          const rw = r.response.rawWriter();
          try {
            for (;;) {
              rw.write('tick\n');
              await rw.flush();
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
          } finally {
            done = true;
          }
        }),
      { logger: log },
    );
    const sock = net.connect(s.port, '127.0.0.1');
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => sock.once('data', resolve));
    sock.destroy();
    await waitFor(() => done, 2000, 'loop to end');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(
      log.records.filter((x) => x.level === 'error'),
      [],
    );
  });
});

describe('inject()', () => {
  it('runs a request in-process with the same routing, middleware and bodies', async () => {
    const s = new Server({ logger: memoryLogger() });
    s.use(async (r) => {
      r.response.header().set('X-Mw', '1');
      await r.middleware.next();
    });
    s.post('/echo/{id}', async (r) => ({ id: r.get('id'), body: await r.json() }));
    const res = await s.inject({ method: 'POST', path: '/echo/5', body: { a: 1 } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-mw'], '1');
    assert.deepEqual(await res.json(), { id: '5', body: { a: 1 } });
    const missing = await s.inject({ path: '/nope' });
    assert.equal(missing.status, 404);
  });
});
