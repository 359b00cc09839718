// The slow-reader policy and shutdown: awaited sends wait at the high-water mark, a writer that
// does not await is cut at the per-stream cap, a stalled socket is cut at the stall timeout, and
// shutdown ends every stream with a retry hint and aborts other open responses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Server, SluiceError } from '../src/index.js';
import { memoryLogger, waitFor } from './helpers/server.js';

async function started(
  define: (s: Server) => void,
  config: ConstructorParameters<typeof Server>[0] = {},
): Promise<Server> {
  const s = new Server({ logger: memoryLogger(), ...config });
  s.setAddress('127.0.0.1:0');
  define(s);
  await s.start();
  return s;
}

/** A client that connects, sends a GET, and never reads (small receive window). */
function stuckClient(port: number, path: string): net.Socket {
  const sock = net.connect({ port, host: '127.0.0.1' });
  sock.pause();
  sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return sock;
}

describe('slow readers', () => {
  it('an awaited send() waits at the high-water mark; memory per stream stays near it', async () => {
    let sent = 0;
    let maxUnsent = 0;
    const s = await started(
      (s) =>
        s.get('/e', async (r) => {
          const es = r.response.sse({ heartbeat: 0 });
          const chunk = 'x'.repeat(4096);
          while (await es.send(chunk)) {
            sent++;
            maxUnsent = Math.max(maxUnsent, r.response.sink!.unsent);
          }
        }),
      { writeStallTimeout: 400 },
    );
    const sock = stuckClient(s.port, '/e');
    await waitFor(() => sent > 0, 2000, 'first sends');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const plateau = sent;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(sent, plateau, 'send() kept resolving while the client read nothing');
    assert.ok(maxUnsent < 64 * 1024 + 8192, `unsent reached ${maxUnsent}`);
    sock.destroy();
    await s.shutdown({ timeout: 200 });
  });

  it('a writer that does not await is cut off at the per-stream cap, with the reason on the signal', async () => {
    let reason: unknown;
    const s = await started(
      (s) =>
        s.get('/e', async (r) => {
          const es = r.response.sse({ heartbeat: 0 });
          const chunk = 'y'.repeat(16 * 1024);
          for (let i = 0; i < 1000 && !es.closed; i++) void es.send(chunk);
          reason = es.signal.reason;
        }),
      { streamCap: 256 * 1024 },
    );
    const sock = stuckClient(s.port, '/e');
    await waitFor(() => reason !== undefined, 3000, 'cut off');
    assert.ok(reason instanceof SluiceError);
    assert.equal((reason as SluiceError).code, 'SLUICE_STREAM_OVERFLOW');
    assert.equal(s.stats().streams, 0);
    sock.destroy();
    await s.shutdown({ timeout: 200 });
  });

  it('a stream whose socket accepts nothing is cut at the write-stall timeout', async () => {
    let reason: unknown;
    const s = await started(
      (s) =>
        s.get('/e', async (r) => {
          const es = r.response.sse({ heartbeat: 0 });
          while (await es.send('z'.repeat(8192)));
          reason = es.signal.reason;
        }),
      { writeStallTimeout: 300 },
    );
    const sock = stuckClient(s.port, '/e');
    const t0 = Date.now();
    await waitFor(() => reason !== undefined, 3000, 'stall cut');
    const took = Date.now() - t0;
    assert.equal((reason as SluiceError).code, 'SLUICE_STREAM_STALLED');
    assert.ok(took >= 250 && took < 2500, `cut after ${took} ms`);
    sock.destroy();
    await s.shutdown({ timeout: 200 });
  });

  it('past the process budget of unsent bytes, the worst lagger is cut first', async () => {
    const reasons = new Map<string, unknown>();
    const s = await started(
      (s) =>
        s.get('/e/{name}', async (r) => {
          const es = r.response.sse({ heartbeat: 0 });
          const size = r.get('name') === 'big' ? 96 * 1024 : 1024;
          // Writes that never wait, paced so the sweep can run, until the stream is cut (the
          // kernel may take several MB of a stuck socket's bytes before any stay unsent).
          for (let i = 0; i < 400 && !es.closed; i++) {
            void es.send('b'.repeat(size));
            if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await new Promise((resolve) => es.signal.addEventListener('abort', resolve));
          reasons.set(r.get('name') as string, es.signal.reason);
        }),
      { unsentBudget: 1024 * 1024, streamCap: 64 * 1024 * 1024, writeStallTimeout: 60_000 },
    );
    const big = stuckClient(s.port, '/e/big');
    const small = stuckClient(s.port, '/e/small');
    await waitFor(() => reasons.has('big'), 4000, 'budget cut');
    assert.equal((reasons.get('big') as SluiceError).code, 'SLUICE_STREAM_BUDGET');
    assert.equal(reasons.has('small'), false);
    big.destroy();
    small.destroy();
    await s.shutdown({ timeout: 200 });
  });
});

describe('shutdown', () => {
  it('ends every EventStream with a retry hint, aborts other open responses, and resolves within the timeout', async () => {
    const aborted: string[] = [];
    const s = await started((s) => {
      s.get('/sse', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('hi');
        await new Promise((resolve) => es.signal.addEventListener('abort', resolve));
      });
      s.get('/seed', async (r) => {
        r.response.header().set('Content-Type', 'text/event-stream');
        while (!r.signal.aborted) {
          r.response.writefln('data: x\n');
          await r.response.flush();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        aborted.push((r.signal.reason as SluiceError).code);
      });
    });
    const streams = await Promise.all(
      Array.from({ length: 50 }, () => openAndCollect(s.port, '/sse')),
    );
    const seed = await openAndCollect(s.port, '/seed');
    const t0 = Date.now();
    await s.shutdown({ timeout: 2000 });
    assert.ok(Date.now() - t0 < 2000);
    const bodies = await Promise.all(streams.map((c) => c.done));
    for (const body of bodies) {
      assert.match(body, /data: hi\n\n\r\n[0-9a-f]+\r\nretry: \d+\n\n/);
      assert.match(body, /0\r\n\r\n$/, 'stream ended cleanly with the last chunk');
    }
    const retries = new Set(bodies.map((b) => /retry: (\d+)/.exec(b)![1]));
    assert.ok(retries.size > 1, 'retry hints are jittered');
    const seedBody = await seed.done;
    assert.doesNotMatch(seedBody, /retry:/, 'nothing injected into a seed-style stream');
    assert.deepEqual(aborted, ['SLUICE_SHUTDOWN']);
  });
});

describe('shutdown at scale', () => {
  it('with 1,000 open streams, each gets its retry hint and a clean end within the timeout', async () => {
    const s = await started((s) =>
      s.get('/sse', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('hi');
        await new Promise((resolve) => es.signal.addEventListener('abort', resolve));
      }),
    );
    const clients: Array<{ done: Promise<string> }> = [];
    for (let batch = 0; batch < 10; batch++) {
      clients.push(
        ...(await Promise.all(Array.from({ length: 100 }, () => openAndCollect(s.port, '/sse')))),
      );
    }
    assert.equal(s.stats().streams, 1000);
    const t0 = Date.now();
    await s.shutdown({ timeout: 3000 });
    const took = Date.now() - t0;
    const bodies = await Promise.all(clients.map((c) => c.done));
    const clean = bodies.filter((b) => /retry: \d+\n\n\r\n0\r\n\r\n$/.test(b)).length;
    assert.equal(clean, 1000, `${clean} of 1000 streams ended with retry + last chunk`);
    assert.ok(took < 3000, `shutdown took ${took} ms`);
    const { inflight, streams, maxUnsent } = s.stats();
    assert.deepEqual({ inflight, streams, maxUnsent }, { inflight: 0, streams: 0, maxUnsent: 0 });
  });
});

function openAndCollect(port: number, path: string): Promise<{ done: Promise<string> }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let body = '';
    const done = new Promise<string>((res) => sock.on('close', () => res(body)));
    sock.on('data', (c) => {
      const first = body === '';
      body += c.toString();
      if (first) resolve({ done });
    });
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}
