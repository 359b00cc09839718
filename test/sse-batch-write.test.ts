// A hub broadcast is written as one batch per stream per flush (src/stream/frame-batch.ts): the
// frames joined once, framed once as an HTTP/1.1 chunk, and the same bytes written to every
// socket that may take them directly. These tests hold the framing to the bytes on every path:
// the direct socket write, a response queued behind another on a pipelined connection, an
// HTTP/1.0 client (no chunked framing), and a socket that fills up and drains.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHub, type Hub } from '../src/index.js';
import { batchFrames } from '../src/stream/frame-batch.js';
import { NodeWire } from '../src/wire/node-wire.js';
import { parseResponses } from './helpers/raw-http.js';
import { startServer, waitFor } from './helpers/server.js';

/** A raw client reading one SSE response: every byte it received so far. */
function rawClient(port: number, request: string): { bytes: () => Buffer; sock: net.Socket } {
  const sock = net.connect({ port, host: '127.0.0.1' });
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => {});
  sock.write(request);
  return { bytes: () => Buffer.concat(chunks), sock };
}

/** The chunks of a chunked body after the head, each as [declared size, bytes]. */
function chunksOf(raw: Buffer): Array<{ size: number; text: string }> {
  const out: Array<{ size: number; text: string }> = [];
  let at = raw.indexOf('\r\n\r\n') + 4;
  while (at < raw.length) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(raw.toString('latin1', at, eol), 16);
    const start = eol + 2;
    if (start + size + 2 > raw.length) break;
    assert.equal(
      raw.toString('latin1', start + size, start + size + 2),
      '\r\n',
      'chunk ends in CRLF',
    );
    out.push({ size, text: raw.toString('utf8', start, start + size) });
    at = start + size + 2;
  }
  return out;
}

async function hubServer(hub: Hub): Promise<{ port: number; live: () => number }> {
  let live = 0;
  const { s } = await startServer((srv) => {
    srv.get('/live', async (r) => {
      const es = r.response.sse({ heartbeat: 0 });
      live++;
      await es.subscribe(hub, 'room');
    });
    srv.get('/slow', async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      r.response.write('slow done');
    });
  });
  return { port: s.port, live: () => live };
}

/** Publishes `warm-N` until every client got one: then all are subscribed. */
async function untilSubscribed(hub: Hub, clients: Array<{ bytes: () => Buffer }>): Promise<void> {
  let n = 0;
  await waitFor(
    () => {
      void hub.publish('room', { event: 'warm', data: `w${n++}` });
      return clients.every((c) => c.bytes().includes('event: warm'));
    },
    3000,
    'every client subscribed',
  );
  // Let the last warm-up events reach every client before the batch under test is published.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('hub broadcast: one batch per stream per flush', () => {
  it('frames published in one turn reach every client as one chunk holding exactly their bytes', async (t) => {
    const hub = createHub();
    t.after(() => hub.close());
    const { port } = await hubServer(hub);
    const clients = [0, 1, 2].map(() => rawClient(port, 'GET /live HTTP/1.1\r\nHost: x\r\n\r\n'));
    t.after(() => clients.forEach((c) => c.sock.destroy()));
    await untilSubscribed(hub, clients);
    const before = clients.map((c) => chunksOf(c.bytes()).length);
    // Five events in one turn; the second carries multi-byte UTF-8 (the size counts bytes).
    const datas = ['a', 'é€😀', 'c', 'x'.repeat(3000), 'e'];
    for (const d of datas) void hub.publish('room', { event: 'batch', data: d });
    await waitFor(
      () => clients.every((c) => c.bytes().toString('utf8').includes('data: e\n\n')),
      3000,
      'the batch',
    );
    for (const [i, c] of clients.entries()) {
      const chunks = chunksOf(c.bytes()).slice(before[i]);
      assert.equal(chunks.length, 1, `client ${i}: the five frames arrive as one chunk`);
      const { size, text } = chunks[0]!;
      assert.equal(size, Buffer.byteLength(text), 'the size line counts the bytes');
      assert.deepEqual(
        [...text.matchAll(/data: (.*)\n/g)].map((m) => m[1]),
        datas,
        'every frame, in order',
      );
    }
  });

  it('on a busy loop a stream is flushed at most once per 4 ms window, every event kept in order', async (t) => {
    const hub = createHub();
    t.after(() => hub.close());
    const { port } = await hubServer(hub);
    const c = rawClient(port, 'GET /live HTTP/1.1\r\nHost: x\r\n\r\n');
    t.after(() => c.sock.destroy());
    await untilSubscribed(hub, [c]);
    const before = chunksOf(c.bytes()).length;
    // One publish per event-loop turn for 200 ms: thousands of turns, each with a frame queued.
    const t0 = Date.now();
    let n = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        void hub.publish('room', { data: `b${n++}` });
        if (Date.now() - t0 < 200) setImmediate(tick);
        else resolve();
      };
      tick();
    });
    const ms = Date.now() - t0;
    await waitFor(() => c.bytes().includes(`data: b${n - 1}\n`), 3000, 'the last event');
    const chunks = chunksOf(c.bytes()).slice(before);
    const got = chunks.flatMap((ch) => [...ch.text.matchAll(/data: (b\d+)\n/g)].map((m) => m[1]));
    assert.deepEqual(
      got,
      Array.from({ length: n }, (_, i) => `b${i}`),
      'every event, in order',
    );
    assert.ok(n > 3 * chunks.length, `${n} events in ${chunks.length} writes: several per write`);
    assert.ok(
      chunks.length <= Math.ceil(ms / 4) + 2,
      `${chunks.length} writes in ${ms} ms: at most one per 4 ms window`,
    );
  });

  it('a response queued behind another on a pipelined connection gets every event, framed right', async (t) => {
    const hub = createHub();
    t.after(() => hub.close());
    const { port, live } = await hubServer(hub);
    // /slow answers after 300 ms; /live is parsed and subscribed meanwhile, its bytes held by Node.
    const c = rawClient(
      port,
      'GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /live HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    t.after(() => c.sock.destroy());
    await waitFor(() => live() === 1, 2000, 'the queued response subscribed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!c.bytes().includes('slow done'), 'the first response is still pending');
    for (let i = 0; i < 5; i++) void hub.publish('room', { data: `q${i}` });
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 5; i < 10; i++) void hub.publish('room', { data: `q${i}` });
    await waitFor(() => c.bytes().includes('data: q9\n'), 3000, 'every event after /slow');
    const { responses, garbage } = parseResponses(c.bytes());
    assert.equal(garbage.length, 0, 'nothing outside the framing');
    assert.equal(responses[0]!.body.toString(), 'slow done');
    assert.equal(responses[0]!.complete, true);
    const body = responses[1]!.body.toString();
    assert.match(body, /^(id: \S+\ndata: q\d\n\n)+$/, 'the body is the frames and nothing else');
    const events = [...body.matchAll(/data: (q\d)\n/g)].map((m) => m[1]);
    assert.deepEqual(events, ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9']);
  });

  it('an HTTP/1.0 client (no chunked framing) gets the bare frames', async (t) => {
    const hub = createHub();
    t.after(() => hub.close());
    const { port } = await hubServer(hub);
    const c = rawClient(port, 'GET /live HTTP/1.0\r\nHost: x\r\n\r\n');
    t.after(() => c.sock.destroy());
    await untilSubscribed(hub, [c]);
    for (let i = 0; i < 3; i++) void hub.publish('room', { event: 'old', data: `h${i}` });
    await waitFor(() => c.bytes().includes('data: h2\n\n'), 3000, 'the events');
    const raw = c.bytes().toString('latin1');
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    assert.doesNotMatch(head, /transfer-encoding/i);
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    assert.match(
      body,
      /event: old\nid: \S+\ndata: h0\n\nevent: old\nid: \S+\ndata: h1\n\nevent: old\nid: \S+\ndata: h2\n\n$/,
    );
    assert.doesNotMatch(body, /\r\n/, 'no chunk size lines in an HTTP/1.0 body');
  });
});

describe('NodeWire.writeBatch', () => {
  it('writes the pre-framed chunk to the socket itself, and still reports drain when the socket filled up', async (t) => {
    let wire: NodeWire | undefined;
    let resWrites = 0;
    const ready = new Promise<void>((resolve) => {
      const server = http.createServer((req, res) => {
        const write = res.write.bind(res) as (c: unknown) => boolean;
        (res as unknown as { write: (c: unknown) => boolean }).write = (c) => {
          resWrites++;
          return write(c);
        };
        wire = new NodeWire(req, res, { expectsContinue: false, hasBody: false });
        wire.openStream(200, { 'content-type': 'text/event-stream' });
        resolve();
      });
      server.listen(0, '127.0.0.1');
      t.after(() => server.close());
      server.once('listening', () => {
        const port = (server.address() as net.AddressInfo).port;
        client = rawClient(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        client.sock.pause(); // reads nothing until told
      });
    });
    let client!: ReturnType<typeof rawClient>;
    await ready;
    t.after(() => client.sock.destroy());
    let drains = 0;
    wire!.listen({ onDrain: () => drains++, onClose: () => {}, onFinish: () => {} });
    const frame = Buffer.from(`data: ${'z'.repeat(16 * 1024)}\n\n`);
    let written = 0;
    let full = false;
    // Fill the socket (the client reads nothing): each batch a new frame list, so a new join.
    for (let i = 0; i < 2000 && !full; i++) {
      full = !wire!.writeBatch(batchFrames([frame, Buffer.from(`data: ${i}\n\n`)]));
      written++;
    }
    assert.ok(full, 'the socket filled up');
    assert.equal(resWrites, 1, 'only the empty write that arms drain went through res.write');
    assert.equal(drains, 0);
    client.sock.resume();
    await waitFor(() => drains > 0, 5000, 'drain after the client read');
    wire!.end();
    await waitFor(() => client.bytes().includes('\r\n0\r\n\r\n'), 5000, 'the end of the body');
    const { responses, garbage } = parseResponses(client.bytes());
    assert.equal(garbage.length, 0);
    assert.equal(responses[0]!.complete, true);
    const count = (responses[0]!.body.toString().match(/data: \d+\n/g) ?? []).length;
    assert.equal(count, written, 'every batch arrived once');
  });
});
