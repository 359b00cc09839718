// Limits against slow and vanishing clients, on a real port with shortened timeouts: slow
// headers and slow bodies cut at their timeouts, a reader that never reads cut at the stream cap
// or the stall deadline, a pipelined flood from a non-reader closed, and a 1,000-stream SSE
// connect/disconnect storm that leaves nothing behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from '../src/index.js';
import { connectRaw, parseResponses, whenClosed } from './helpers/raw-http.js';

const HEADER_TIMEOUT = 500;
const REQUEST_TIMEOUT = 1000;
const STALL = 800;
const CAP = 256 * 1024;
const HIGH_WATER = 64 * 1024;
const CHUNK = Buffer.alloc(16 * 1024, 'x');
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

let s: Server;
let cutStreams = 0;

before(async () => {
  s = new Server({ logger: quiet });
  s.setAddress('127.0.0.1:0');
  s.setConfig({
    headerTimeout: HEADER_TIMEOUT,
    requestTimeout: REQUEST_TIMEOUT,
    keepAliveTimeout: 1000,
    writeStallTimeout: STALL,
    streamCap: CAP,
    highWaterMark: HIGH_WATER,
  });
  s.get('/', () => 'ok');
  s.get('/page', (r) => {
    r.response.write(Buffer.alloc(32 * 1024, 'p'));
  });
  s.post('/echo', async (r) => ({ got: await r.json() }));
  // A writer that awaits backpressure: blocked by a non-reader, cut at the stall deadline.
  s.get('/awaiting', async (r) => {
    for (let i = 0; i < 100_000; i++) {
      r.response.write(CHUNK);
      if (!(await r.response.flush())) break;
    }
    cutStreams++;
  });
  // A writer that never awaits: cut once more than streamCap is unsent.
  s.get('/careless', async (r) => {
    for (let i = 0; i < 100_000; i++) {
      r.response.write(CHUNK);
      const sent = r.response.flush();
      if (i % 16 === 15) {
        await new Promise((resolve) => setImmediate(resolve));
        if (r.signal.aborted) break;
      }
      void sent;
    }
    cutStreams++;
  });
  s.get('/sse', async (r) => {
    const es = r.response.sse({ heartbeat: 0 });
    await es.pipe(ticks(r.signal));
  });
  await s.start();
});
after(() => s.shutdown({ timeout: 200 }));

async function* ticks(signal: AbortSignal): AsyncGenerator<{ data: number }> {
  for (let i = 0; !signal.aborted; i++) {
    yield { data: i };
    await sleep(20, undefined, { ref: false }).catch(() => {});
  }
}

/** Waits until `check` holds, polling, or fails after `ms`. */
async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`${what} (stats ${JSON.stringify(s.stats())})`);
    await sleep(20);
  }
}

function collect(sock: net.Socket): () => Buffer {
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => {});
  return () => Buffer.concat(chunks);
}

describe('slow clients', () => {
  it('cuts headers trickled a line at a time (slowloris) at the header timeout with 408', async () => {
    const sock = await connectRaw(s.port);
    const got = collect(sock);
    sock.write('GET / HTTP/1.1\r\nHost: a\r\n');
    const trickle = setInterval(() => sock.writable && sock.write('X-Slow: 1\r\n'), 100);
    try {
      const ms = await whenClosed(sock, HEADER_TIMEOUT + 1500);
      assert.ok(ms >= HEADER_TIMEOUT * 0.8, `not before the header timeout (${ms} ms)`);
    } finally {
      clearInterval(trickle);
    }
    const { responses } = parseResponses(got());
    assert.deepEqual(
      responses.map((r) => [r.status, r.headers.connection?.[0]]),
      [[408, 'close']],
    );
  });

  it('cuts a body trickled a byte at a time at the request timeout with 408', async () => {
    const sock = await connectRaw(s.port);
    const got = collect(sock);
    const t0 = Date.now();
    sock.write(
      'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[',
    );
    const trickle = setInterval(() => sock.writable && sock.write('1'), 100);
    try {
      await whenClosed(sock, REQUEST_TIMEOUT + 1500);
    } finally {
      clearInterval(trickle);
    }
    const ms = Date.now() - t0;
    assert.ok(ms >= REQUEST_TIMEOUT * 0.9, `not before the request timeout (${ms} ms)`);
    const { responses, garbage } = parseResponses(got());
    assert.deepEqual(
      responses.map((r) => r.status),
      [408],
    );
    assert.equal(garbage.length, 0);
    await eventually(() => s.stats().inflight === 0, 1000, 'the request is over');
  });

  it('bounds the unsent bytes of an awaiting writer to a non-reader and cuts it at the stall deadline', async () => {
    const before = cutStreams;
    const sockets = tcpHandles();
    const sock = await connectRaw(s.port);
    sock.pause(); // never reads
    sock.on('error', () => {});
    sock.write('GET /awaiting HTTP/1.1\r\nHost: a\r\n\r\n');
    let maxUnsent = 0;
    const t0 = Date.now();
    while (cutStreams === before) {
      maxUnsent = Math.max(maxUnsent, s.stats().maxUnsent);
      assert.ok(Date.now() - t0 < 15_000, 'the stream is cut');
      await sleep(10);
    }
    assert.ok(maxUnsent <= HIGH_WATER + CHUNK.length, `unsent stayed bounded: ${maxUnsent}`);
    await eventually(
      () => s.stats().streams === 0 && s.stats().inflight === 0,
      2000,
      'no stream left',
    );
    // The client never reads, so it cannot see the close: count the server's side instead.
    await eventually(() => tcpHandles() <= sockets + 1, 2000, 'the server closed its side');
    sock.destroy();
  });

  it('cuts a writer that never awaits once more than streamCap is unsent', async () => {
    const before = cutStreams;
    const sockets = tcpHandles();
    const sock = await connectRaw(s.port);
    sock.pause();
    sock.on('error', () => {});
    sock.write('GET /careless HTTP/1.1\r\nHost: a\r\n\r\n');
    let maxUnsent = 0;
    const t0 = Date.now();
    while (cutStreams === before) {
      maxUnsent = Math.max(maxUnsent, s.stats().maxUnsent);
      assert.ok(Date.now() - t0 < 15_000, 'the stream is cut');
      await sleep(5);
    }
    assert.ok(maxUnsent <= CAP + 16 * CHUNK.length, `unsent stayed bounded: ${maxUnsent}`);
    await eventually(
      () => s.stats().streams === 0 && s.stats().inflight === 0,
      2000,
      'no stream left',
    );
    // The client never reads, so it cannot see the close: count the server's side instead.
    await eventually(() => tcpHandles() <= sockets + 1, 2000, 'the server closed its side');
    sock.destroy();
  });

  it('stops reading a pipelined flood from a client that never reads, and closes it at the stall deadline', async () => {
    const sockets = tcpHandles();
    const sock = await connectRaw(s.port);
    sock.pause();
    sock.on('error', () => {});
    const request = Buffer.from('GET /page HTTP/1.1\r\nHost: a\r\n\r\n');
    const burst = Buffer.concat(new Array<Buffer>(256).fill(request));
    let written = 0;
    let accepted = true;
    const t0 = Date.now();
    // Write until the server stops taking bytes (its kernel buffer and ours are full).
    while (accepted && written < 64 * 1024 * 1024 && !sock.destroyed) {
      accepted = sock.write(burst);
      written += burst.length;
      if (!accepted) {
        const drained = await Promise.race([
          new Promise<boolean>((resolve) => sock.once('drain', () => resolve(true))),
          sleep(300).then(() => false),
        ]);
        accepted = drained;
      }
    }
    assert.ok(written < 64 * 1024 * 1024, `the server stopped reading (${written} bytes taken)`);
    const stopped = Date.now() - t0;
    await eventually(
      () => tcpHandles() <= sockets + 1,
      STALL + 3000,
      `the server closed its side (stopped reading after ${stopped} ms)`,
    );
    sock.destroy();
    await eventually(() => s.stats().inflight === 0, 2000, 'nothing in flight');
  });
});

describe('connect/disconnect storm', () => {
  it('1,000 SSE streams opened and dropped leave no streams, requests or handles behind', async () => {
    const baseline = handleCount();
    const TOTAL = 1000;
    const PARALLEL = 50;
    let opened = 0;
    const one = async (): Promise<void> => {
      const sock = await connectRaw(s.port);
      sock.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no SSE frame within 3 s')), 3000);
        let buf = '';
        sock.on('data', (c: Buffer) => {
          buf += c.toString('latin1');
          if (buf.includes('\r\n\r\n') && buf.includes('data:')) {
            clearTimeout(timer);
            resolve();
          }
        });
        sock.write('GET /sse HTTP/1.1\r\nHost: a\r\n\r\n');
      });
      opened++;
      // Half leave politely, half vanish (reset).
      if (opened % 2 === 0) sock.end();
      else sock.resetAndDestroy();
      sock.destroy();
    };
    for (let i = 0; i < TOTAL; i += PARALLEL) {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, TOTAL - i) }, one));
    }
    assert.equal(opened, TOTAL);
    await eventually(
      () => s.stats().streams === 0 && s.stats().inflight === 0,
      5000,
      'every stream and request is gone',
    );
    await eventually(() => handleCount() <= baseline, 5000, `handles back to ${baseline}`);
  });
});

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((t) => t === 'TCPSocketWrap').length;
}

function handleCount(): number {
  return process
    .getActiveResourcesInfo()
    .filter((t) => t === 'TCPSocketWrap' || t === 'TCPWRAP' || t === 'Timeout').length;
}
