// Streamed bodies both ways: r.bodyStream() for uploads, r.response.stream()/ndjson() stopping
// their source when the client leaves, and a pino logger as the server's logger.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pino } from 'pino';
import { startServer, waitFor } from './helpers/server.js';

describe('streamed bodies', () => {
  it('r.bodyStream() streams an upload and enforces the body limit', async () => {
    const { url } = await startServer(
      (s) =>
        s.post('/up', async (r) => {
          let n = 0;
          const reader = r.bodyStream().getReader();
          for (let c = await reader.read(); !c.done; c = await reader.read())
            n += c.value.byteLength;
          return { bytes: n };
        }),
      { bodyLimit: 64 * 1024 },
    );
    const ok = await fetch(`${url}/up`, { method: 'POST', body: new Uint8Array(50_000) });
    assert.deepEqual(await ok.json(), { bytes: 50_000 });
    const tooBig = await fetch(`${url}/up`, {
      method: 'POST',
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(10_000));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(tooBig.status, 413);
  });

  it('r.response.stream() of a Node Readable destroys the source when the client leaves', async () => {
    let destroyed = false;
    let pulled = 0;
    const { s } = await startServer((s) =>
      s.get('/s', async (r) => {
        const source = new Readable({
          read() {
            pulled++;
            setTimeout(() => this.push(`chunk ${pulled}\n`), 5);
          },
          destroy(err, cb) {
            destroyed = true;
            cb(err);
          },
        });
        await r.response.stream(source, { contentType: 'text/plain' });
      }),
    );
    const sock = net.connect(s.port, '127.0.0.1');
    let got = '';
    sock.on('data', (c) => (got += c.toString()));
    sock.write('GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => got.includes('chunk 3'), 2000, 'chunks');
    sock.destroy();
    await waitFor(() => destroyed, 2000, 'source destroyed');
    const at = pulled;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(pulled <= at + 1);
  });

  it('r.response.ndjson() sends one JSON value per line with backpressure', async () => {
    const { url } = await startServer((s) =>
      s.get('/n', async (r) => {
        await r.response.ndjson(
          (async function* () {
            for (let i = 0; i < 3; i++) yield { i, text: 'a\nb' };
          })(),
        );
      }),
    );
    const res = await fetch(`${url}/n`);
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
    assert.equal(
      await res.text(),
      '{"i":0,"text":"a\\nb"}\n{"i":1,"text":"a\\nb"}\n{"i":2,"text":"a\\nb"}\n',
    );
  });
});

describe('logging', () => {
  it('takes a pino logger; r.log is a child carrying the request id', async () => {
    const lines: string[] = [];
    const dest = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'info' }, dest);
    const { url } = await startServer(
      (s) =>
        s.get('/l', (r) => {
          r.log.info({ answer: 42 }, 'handled');
          return 'ok';
        }),
      { logger },
    );
    await (await fetch(`${url}/l`, { headers: { 'x-request-id': 'req-7' } })).text();
    await waitFor(() => lines.length > 0, 1000, 'a log line');
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(record.msg, 'handled');
    assert.equal(record.answer, 42);
    assert.equal(record.reqId, 'req-7');
  });
});
