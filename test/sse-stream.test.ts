// r.response.sse(): headers, framing of send/sendData/comment/retry, coded rejection of field
// injection, heartbeats, pipe() stopping its source, errorEvent, and the dev warning.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SluiceError, type EventStream } from '../src/index.js';
import { heartbeatTimerCount } from '../src/sse/heartbeat.js';
import { memoryLogger, readBody, startServer, waitFor } from './helpers/server.js';

describe('EventStream', () => {
  it('commits at once with the SSE headers and never a Connection header', async () => {
    const { s } = await startServer((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse();
        await es.send('hello');
      }),
    );
    const out = await rawHttp(s.port, '/e');
    assert.match(out, /Content-Type: text\/event-stream; charset=utf-8\r\n/);
    assert.match(out, /Cache-Control: no-cache, no-transform\r\n/);
    assert.match(out, /X-Accel-Buffering: no\r\n/);
    assert.doesNotMatch(out.split('\r\n\r\n')[0]!, /\r\nConnection: keep-alive/i);
  });

  it('frames events, data, comments and retry exactly', async () => {
    const { url } = await startServer((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send({ event: 'tick', id: '1', data: 'a\nb\r\nc\rd' });
        await es.send({ data: { x: 1 } });
        await es.send({ kind: 'not an event shape' });
        await es.sendData({ event: 'x' });
        await es.send('plain');
        await es.comment('two\nlines');
        await es.retry(2500);
        await es.send({ id: '' });
      }),
    );
    const body = await (await fetch(`${url}/e`)).text();
    assert.equal(
      body,
      'event: tick\nid: 1\ndata: a\ndata: b\ndata: c\ndata: d\n\n' +
        'data: {"x":1}\n\n' +
        'data: {"kind":"not an event shape"}\n\n' +
        'data: {"event":"x"}\n\n' +
        'data: plain\n\n' +
        ': two\n: lines\n\n' +
        'retry: 2500\n\n' +
        'id\n\n',
    );
  });

  it('rejects an id or event holding CR, LF or NUL with a coded error, writing nothing', async () => {
    const errors: unknown[] = [];
    const { url } = await startServer((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        for (const bad of [{ id: '1\nevent: admin' }, { event: 'a\rb' }, { id: 'x\0' }]) {
          await es.send({ ...bad, data: 'x' }).catch((e: unknown) => errors.push(e));
        }
        await es.retry(-1).catch((e: unknown) => errors.push(e));
        await es.send('ok');
      }),
    );
    assert.equal(await (await fetch(`${url}/e`)).text(), 'data: ok\n\n');
    assert.equal(errors.length, 4);
    assert.deepEqual(
      errors.map((e) => (e as SluiceError).code),
      ['SLUICE_SSE_FIELD', 'SLUICE_SSE_FIELD', 'SLUICE_SSE_FIELD', 'SLUICE_SSE_RETRY'],
    );
  });

  it('exposes Last-Event-ID as es.lastEventId', async () => {
    const { url } = await startServer((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse();
        await es.send({ data: es.lastEventId || 'none' });
      }),
    );
    assert.equal(
      await (await fetch(`${url}/e`, { headers: { 'last-event-id': '41' } })).text(),
      'data: 41\n\n',
    );
    assert.equal(await (await fetch(`${url}/e`)).text(), 'data: none\n\n');
  });

  it('sends heartbeats from a shared timer only on idle streams, and clears them at the end', async () => {
    let stream: EventStream | undefined;
    const { s } = await startServer((s) =>
      s.get('/e', async (r) => {
        stream = r.response.sse({ heartbeat: 50 });
        await new Promise((resolve) => stream!.signal.addEventListener('abort', resolve));
      }),
    );
    const before = heartbeatTimerCount();
    const sock = net.connect(s.port, '127.0.0.1');
    let received = '';
    sock.on('data', (c) => (received += c.toString()));
    sock.write('GET /e HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => (received.match(/:\n\n/g) ?? []).length >= 3, 2000, 'three heartbeats');
    assert.equal(heartbeatTimerCount(), before + 1);
    sock.destroy();
    await waitFor(() => stream?.closed === true, 2000, 'stream to close');
    await waitFor(() => heartbeatTimerCount() === before, 2000, 'heartbeat timer released');
  });

  it('skips the heartbeat of a stream that sent within the period', async () => {
    const { url } = await startServer((s) =>
      s.get('/busy', async (r) => {
        const es = r.response.sse({ heartbeat: 50 });
        for (let i = 0; i < 15; i++) {
          await es.send(String(i));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    const body = await (await fetch(`${url}/busy`)).text();
    assert.equal((body.match(/data: /g) ?? []).length, 15);
    assert.equal((body.match(/^:/gm) ?? []).length, 0, 'a busy stream got heartbeats');
  });

  it('pipe() sends an async iterable and calls its return() when the client leaves', async () => {
    let returned = false;
    let produced = 0;
    const { s } = await startServer((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        async function* source() {
          try {
            for (;;) {
              produced++;
              yield { data: produced };
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
          } finally {
            returned = true;
          }
        }
        await es.pipe(source());
      }),
    );
    const sock = net.connect(s.port, '127.0.0.1');
    let received = '';
    sock.on('data', (c) => (received += c.toString()));
    sock.write('GET /e HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => received.includes('data: 3'), 2000, 'three events');
    sock.destroy();
    await waitFor(() => returned, 2000, 'source return()');
    const at = produced;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(produced <= at + 1, 'the source kept producing after the client left');
  });

  it('with errorEvent, an error after commit sends event: error with a safe message, then cuts the connection', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) =>
        s.get('/e', async (r) => {
          const es = r.response.sse({ errorEvent: true, heartbeat: 0 });
          await es.send('first');
          throw new Error('db password leaked');
        }),
      { logger: log },
    );
    const { text: body, complete } = await readBody(await fetch(`${url}/e`));
    assert.equal(
      body,
      'data: first\n\nevent: error\ndata: {"message":"Internal Server Error"}\n\n',
    );
    assert.ok(!body.includes('leaked'));
    assert.equal(complete, false, 'no terminating chunk after an error');
  });

  it('warns once per route, outside production, about seed-style frames no EventSource dispatches', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) =>
        s.get('/seed', async (r) => {
          r.response.header().set('Content-Type', 'text/event-stream');
          for (let i = 0; i < 3; i++) {
            r.response.writefln('data: %d', i);
            await r.response.flush();
          }
        }),
      { logger: log, devWarnings: true },
    );
    await (await fetch(`${url}/seed`)).text();
    await (await fetch(`${url}/seed`)).text();
    const warnings = log.records.filter((x) => x.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.msg ?? '', /sse\(\)/);
  });
});

function rawHttp(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    sock.on('data', (c) => (out += c.toString()));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}
