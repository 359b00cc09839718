// The response, the engine and EventStream on a fake wire (sluice/testing): no socket, the
// test plays the client. The real-socket suites prove the same on the wire; these pin the
// state machine and the one commit path fast.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../src/index.js';
import { serveFake } from '../src/testing/index.js';
import { memoryLogger } from './helpers/server.js';

function server(define: (s: Server) => void): Server {
  const s = new Server({ logger: memoryLogger() });
  define(s);
  return s;
}

describe('a response on a fake wire', () => {
  it('a buffered body goes out whole, with its length, in one answer', async () => {
    const s = server((s) => s.get('/hi', (r) => r.response.write('hello')));
    const wire = serveFake(s, { path: '/hi' });
    assert.equal(await wire.whenEnded(), 'ended');
    assert.equal(wire.status, 200);
    assert.equal(wire.sentHeaders?.['Content-Length'], '5');
    assert.equal(wire.text, 'hello');
  });

  it('flush() commits, each flush reaches the client, the end finishes the body', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = server((s) =>
      s.get('/s', async (r) => {
        r.response.write('a');
        await r.response.flush();
        await gate;
        r.response.write('b');
      }),
    );
    const wire = serveFake(s, { path: '/s' });
    await wire.until(() => wire.text === 'a');
    assert.equal(wire.end_, 'open');
    assert.equal(wire.sentHeaders?.['Content-Length'], undefined, 'a stream has no length');
    release();
    assert.equal(await wire.whenEnded(), 'ended');
    assert.equal(wire.text, 'ab');
  });

  it('an awaited send() waits while the client does not read, and goes on when it does', async () => {
    let sent = 0;
    const s = server((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        for (let i = 0; i < 5; i++) {
          await es.send('x'.repeat(40_000));
          sent++;
        }
      }),
    );
    const wire = serveFake(s, { path: '/e', capacity: 50_000 });
    // The second send leaves 80 KB unsent, past the 64 KiB high-water mark: it must wait.
    await wire.until(() => wire.unsent >= 80_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(sent, 1, 'send() resolved while more than 64 KiB were unsent');
    while (wire.end_ === 'open') {
      wire.read();
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(sent, 5);
    assert.equal(wire.end_, 'ended');
  });

  it('a client that leaves aborts r.signal and ends the handler', async () => {
    let reason: unknown;
    const s = server((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('hi');
        await new Promise((resolve) => r.signal.addEventListener('abort', resolve));
        reason = r.signal.reason;
      }),
    );
    const wire = serveFake(s, { path: '/e' });
    await wire.until(() => wire.text.includes('hi'));
    wire.leave();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal((reason as { code?: string }).code, 'SLUICE_CLIENT_CLOSED');
  });

  it('an error after commit truncates the body (no clean end)', async () => {
    const s = server((s) =>
      s.get('/x', async (r) => {
        r.response.write('part');
        await r.response.flush();
        throw new Error('boom');
      }),
    );
    const wire = serveFake(s, { path: '/x' });
    assert.equal(await wire.whenEnded(), 'truncated');
    assert.equal(wire.text, 'part');
  });

  it('a body shorter than its declared Content-Length destroys the exchange', async () => {
    const s = server((s) =>
      s.get('/x', async (r) => {
        r.response.header().set('Content-Length', '10');
        r.response.write('12345');
        await r.response.flush();
      }),
    );
    const wire = serveFake(s, { path: '/x' });
    assert.equal(await wire.whenEnded(), 'destroyed');
  });
});

describe('the one commit path', () => {
  // beforeOutput runs once, at commit, however the handler commits.
  const ways: Record<string, (r: import('../src/index.js').Request) => Promise<unknown> | unknown> =
    {
      'the end of a buffered response': (r) => r.response.write('x'),
      'flush()': async (r) => {
        r.response.write('x');
        await r.response.flush();
      },
      'sse()': async (r) => {
        await r.response.sse({ heartbeat: 0 }).send('x');
      },
      'stream()': (r) => r.response.stream(['x']),
      'ndjson()': (r) => r.response.ndjson([1]),
      'rawWriter().write()': (r) => {
        r.response.rawWriter().write('x');
      },
      'a returned value': () => 'x',
    };
  for (const [way, handler] of Object.entries(ways)) {
    it(`beforeOutput runs once before the head when the response commits by ${way}`, async () => {
      let runs = 0;
      let committedWhenRun: boolean | undefined;
      const s = server((s) => {
        s.bindHookHandler('/c', 'beforeOutput', (r) => {
          runs++;
          committedWhenRun = r.response.committed;
          r.response.header().set('X-Hook', 'ran');
        });
        s.get('/c', handler);
      });
      const wire = serveFake(s, { path: '/c' });
      await wire.whenEnded();
      assert.equal(runs, 1);
      assert.equal(committedWhenRun, false, 'the hook runs before the head goes out');
      assert.equal(wire.sentHeaders?.['X-Hook'], 'ran');
    });
  }
});
