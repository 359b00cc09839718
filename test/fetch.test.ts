// s.fetch: the Web-standard handler. Buffered answers, SSE read as it arrives with pull
// backpressure, hub resume, the body limit, a client that aborts; and under Deno, unchanged.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Request as UndiciRequest } from 'undici';
import { Server, createHub } from '../src/index.js';
import { memoryLogger, waitFor } from './helpers/server.js';

function server(define: (s: Server) => void): Server {
  const s = new Server({ logger: memoryLogger() });
  define(s);
  return s;
}

async function readUntil(body: ReadableStream<Uint8Array>, until: (text: string) => boolean) {
  const reader = body.getReader();
  let text = '';
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
  }
  return { text, reader };
}

describe('s.fetch(request)', () => {
  it('answers a buffered route, a JSON POST, 404 and 405 as Web Responses', async () => {
    const s = server((s) => {
      s.get('/hello', (r) => ({ hello: 'world', version: r.httpVersion }));
      s.post('/echo', async (r) => ({ got: await r.json() }));
    });
    const hello = await s.fetch(new UndiciRequest('http://app.test/hello') as unknown as Request);
    assert.equal(hello.status, 200);
    assert.equal(hello.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await hello.json(), { hello: 'world', version: '1.1' });
    const echo = await s.fetch(
      new Request('http://app.test/echo', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      }),
    );
    assert.deepEqual(await echo.json(), { got: { a: 1 } });
    assert.equal((await s.fetch(new Request('http://app.test/none'))).status, 404);
    const wrong = await s.fetch(new Request('http://app.test/hello', { method: 'DELETE' }));
    assert.equal(wrong.status, 405);
    assert.match(String(wrong.headers.get('allow')), /GET/);
  });

  it('streams SSE as a ReadableStream: events are read as they are sent, and an awaited send() waits for the reader', async () => {
    let sent = 0;
    const s = server((s) =>
      s.get('/ticks', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        for (let i = 0; i < 100 && !es.closed; i++) {
          await es.send('x'.repeat(10_000));
          sent++;
        }
      }),
    );
    const res = await s.fetch(new Request('http://app.test/ticks'));
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    await reader.read();
    await new Promise((f) => setTimeout(f, 50));
    // Nobody reads: the queue passes its high-water mark (64 KiB) within a handful of events.
    assert.ok(sent < 15, `send() kept resolving while nobody read (${sent} sent)`);
    const before = sent;
    for (let i = 0; i < 20; i++) await reader.read();
    await new Promise((f) => setTimeout(f, 20));
    assert.ok(sent > before, 'reading lets the writer go on');
    await reader.cancel();
  });

  it('resumes a hub subscription from Last-Event-ID, then goes live', async () => {
    const hub = createHub();
    after(() => hub.close());
    const s = server((s) =>
      s.get('/room', (r) => r.response.sse({ heartbeat: 0 }).subscribe(hub, 'room')),
    );
    const ids = [
      await hub.publish('room', { data: 'a' }),
      await hub.publish('room', { data: 'b' }),
    ];
    const res = await s.fetch(
      new Request('http://app.test/room', { headers: { 'last-event-id': ids[0]! } }),
    );
    const first = await readUntil(res.body!, (t) => t.includes('data: b'));
    assert.equal(first.text, `id: ${ids[1]}\ndata: b\n\n`);
    const live = await hub.publish('room', { data: 'c' });
    const { value } = await first.reader.read();
    assert.equal(Buffer.from(value!).toString(), `id: ${live}\ndata: c\n\n`);
    await first.reader.cancel();
  });

  it('applies the body limit (413) to request.body', async () => {
    const s = new Server({ logger: memoryLogger(), bodyLimit: 16 });
    s.post('/b', async (r) => (await r.body()).length);
    const declared = await s.fetch(
      new Request('http://app.test/b', { method: 'POST', body: 'x'.repeat(100) }),
    );
    assert.equal(declared.status, 413);
    const chunked = await s.fetch(
      new Request('http://app.test/b', {
        method: 'POST',
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('xxxxx'));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit),
    );
    assert.equal(chunked.status, 413);
  });

  it("a request whose signal aborts is a client that left: the handler's r.signal aborts, nothing stays in flight", async () => {
    let aborted = false;
    const s = server((s) =>
      s.get('/wait', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('hi');
        await new Promise((resolve) => r.signal.addEventListener('abort', resolve));
        aborted = true;
      }),
    );
    const ac = new AbortController();
    const res = await s.fetch(new Request('http://app.test/wait', { signal: ac.signal }));
    await readUntil(res.body!, (t) => t.includes('hi'));
    ac.abort();
    await waitFor(() => aborted && s.stats().inflight === 0, 2000, 'the handler to end');
  });

  it('an error after the stream started errors the body: a truncated stream never looks complete', async () => {
    const s = server((s) =>
      s.get('/fail', async (r) => {
        await r.response.sse({ heartbeat: 0 }).send('part');
        throw new Error('boom');
      }),
    );
    const res = await s.fetch(new Request('http://app.test/fail'));
    await assert.rejects(res.text());
  });
});

describe('Deno.serve(s.fetch)', () => {
  it('serves JSON, SSE and a hub resume under Deno, unchanged', async () => {
    const deno = new URL('../node_modules/.bin/deno', import.meta.url).pathname;
    const child = spawn(
      deno,
      [
        'run',
        '--sloppy-imports',
        '--allow-net',
        '--allow-read',
        '--allow-env',
        '--allow-sys',
        'test/deno/serve-fetch.ts',
      ],
      {
        env: { ...process.env, DENO_SMOKE_MS: '30000', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    after(() => child.kill());
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`deno did not start: ${out}`)), 60_000);
      const onData = (c: Buffer): void => {
        out += c.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`deno exited ${code}: ${out}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const hello = (await (await fetch(`${base}/hello`)).json()) as { hello: string; ip: string };
    assert.equal(hello.hello, 'deno');
    assert.equal(hello.ip, '127.0.0.1', "Deno's remoteAddr reaches r.ip");
    assert.equal(
      await (await fetch(`${base}/sse`)).text(),
      'id: 0\ndata: 0\n\nid: 1\ndata: 1\n\nid: 2\ndata: 2\n\n',
    );
    const { id } = (await (
      await fetch(`${base}/publish`, { method: 'POST', body: 'm1' })
    ).json()) as { id: string };
    await fetch(`${base}/publish`, { method: 'POST', body: 'm2' });
    const res = await fetch(`${base}/room`, { headers: { 'last-event-id': id } });
    const { text, reader } = await readUntil(res.body!, (t) => t.includes('m2'));
    assert.match(text, /^id: \S+\ndata: m2\n\n$/);
    await reader.cancel();
  });
});
