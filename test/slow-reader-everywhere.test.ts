// One slow-reader policy for every response: the per-stream cap bounds a backlog (a writer that
// does not await), not one large awaited write; a buffered body the client never reads is under
// the same stall timeout and unsent budget as a stream; and a HEAD to an SSE route leaves no
// heartbeat timer or registered stream behind.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SluiceError } from '../src/index.js';
import { heartbeatTimerCount } from '../src/sse/heartbeat.js';
import { readBody, socketOf, startServer, waitFor } from './helpers/server.js';

const MiB = 1024 * 1024;

/** A client that sends a GET and never reads. */
function stuckClient(port: number, path: string): net.Socket {
  const sock = net.connect({ port, host: '127.0.0.1' });
  sock.pause();
  sock.on('error', () => undefined);
  sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return sock;
}

describe('the per-stream cap bounds a backlog, not a write', () => {
  it('one awaited 1.5 MiB es.send() to a client that reads arrives whole (default 1 MiB cap)', async () => {
    const big = 'x'.repeat(1.5 * MiB);
    const { url } = await startServer((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send(big);
        await es.send('done');
      }),
    );
    const { text, complete } = await readBody(await fetch(`${url}/e`));
    assert.equal(complete, true, 'the stream was cut');
    assert.equal(text.length, `data: ${big}\n\ndata: done\n\n`.length);
    assert.ok(text === `data: ${big}\n\ndata: done\n\n`, 'the event arrives whole, then the next');
  });

  it('one awaited 1.5 MiB flush() to a client that reads arrives whole', async () => {
    const { url } = await startServer((s) =>
      s.get('/f', async (r) => {
        r.response.write(Buffer.alloc(1.5 * MiB, 'y'));
        await r.response.flush();
        r.response.write('end');
        await r.response.flush();
      }),
    );
    const { text, complete } = await readBody(await fetch(`${url}/f`));
    assert.equal(complete, true, 'the stream was cut');
    assert.equal(text.length, 1.5 * MiB + 3);
    assert.ok(text.endsWith('yend'));
  });

  it('a flush() writer that does not await is still cut with SLUICE_STREAM_OVERFLOW on r.signal', async () => {
    let reason: unknown;
    const { s } = await startServer(
      (s) =>
        s.get('/w', async (r) => {
          const chunk = Buffer.alloc(16 * 1024, 'w');
          for (let i = 0; i < 2000 && !r.signal.aborted; i++) {
            r.response.write(chunk);
            void r.response.flush();
          }
          reason = r.signal.reason;
        }),
      { streamCap: 256 * 1024 },
    );
    const sock = stuckClient(s.port, '/w');
    try {
      await waitFor(() => reason !== undefined, 3000, 'the overflow cut');
      assert.ok(reason instanceof SluiceError, String(reason));
      assert.equal(reason.code, 'SLUICE_STREAM_OVERFLOW');
      await waitFor(() => s.stats().streams === 0, 1000, 'the stream released');
    } finally {
      sock.destroy();
    }
  });
});

describe('buffered responses under the slow-reader policy', () => {
  it('4 clients that never read an 8 MiB buffered response are cut at the write-stall timeout; their sockets close and no stream is left', async () => {
    const sockets: net.Socket[] = [];
    const { s } = await startServer(
      (s) =>
        s.get('/big', (r) => {
          sockets.push(socketOf(r));
          return Buffer.alloc(8 * MiB, 'b');
        }),
      { writeStallTimeout: 300 },
    );
    const clients = Array.from({ length: 4 }, () => stuckClient(s.port, '/big'));
    try {
      await waitFor(() => sockets.length === 4, 2000, 'the 4 requests');
      const t0 = Date.now();
      await waitFor(
        () => sockets.every((sock) => sock.destroyed),
        3000,
        'the server to close the connections of clients that never read',
      );
      const took = Date.now() - t0;
      assert.ok(took < 3000, `cut after ${took} ms`);
      assert.equal(s.stats().streams, 0);
      assert.equal(s.stats().inflight, 0);
    } finally {
      for (const c of clients) c.destroy();
    }
  });

  it('past a small unsentBudget the largest buffered laggers are cut (long before the stall timeout); a small one is not', async () => {
    const sockets = new Map<string, net.Socket>();
    const { s } = await startServer(
      (s) =>
        s.get('/body/{name}', (r) => {
          const name = r.get('name') as string;
          sockets.set(name, socketOf(r));
          return Buffer.alloc(name === 'small' ? 64 * 1024 : 8 * MiB, 'c');
        }),
      { writeStallTimeout: 60_000, unsentBudget: 2 * MiB },
    );
    const clients = ['big1', 'big2', 'small'].map((name) => stuckClient(s.port, `/body/${name}`));
    try {
      await waitFor(() => sockets.size === 3, 2000, 'the 3 requests');
      await waitFor(
        () => sockets.get('big1')!.destroyed && sockets.get('big2')!.destroyed,
        3000,
        'the budget to cut the largest laggers',
      );
      assert.equal(sockets.get('small')!.destroyed, false, 'the small response was cut too');
    } finally {
      for (const c of clients) c.destroy();
    }
  });
});

describe('HEAD to an SSE route', () => {
  it('200 HEAD requests to a route calling r.response.sse() leave no heartbeat timer and no open stream', async () => {
    assert.equal(heartbeatTimerCount(), 0, 'a heartbeat timer from an earlier test');
    let served = 0;
    const { s, url } = await startServer((s) =>
      s.get('/events', async (r) => {
        served++;
        const es = r.response.sse();
        if (!es.closed) await es.send('hello');
      }),
    );
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${url}/events`, { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      await res.arrayBuffer();
    }
    assert.equal(served, 200);
    // The keep-alive connection is still open: nothing may wait for it to close.
    await waitFor(() => s.stats().inflight === 0, 1000, 'the handlers to finish');
    await waitFor(
      () => heartbeatTimerCount() === 0,
      500,
      `no heartbeat timer (${heartbeatTimerCount()} left)`,
    );
    assert.equal(s.stats().streams, 0);
  });
});
