// The engine's chain: a handler's return value, its errors and the dev warning behave the same
// whether the handler runs alone (the engine calls it directly, one promise reaction) or behind
// middleware (through `r.middleware.next()`), synchronous or not. And the in-flight list: runs
// leave it in any order, and shutdown finds every run still in it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError, type Request, type Server } from '../src/index.js';
import { InflightRuns } from '../src/engine/inflight.js';
import { Run } from '../src/engine/run.js';
import { memoryLogger, startServer, waitFor } from './helpers/server.js';

type Handler = (r: Request) => unknown;

/** Binds `handler` at `/<name>` alone and at `/mw/<name>` behind a middleware that awaits next(). */
function bindBoth(s: Server, name: string, handler: Handler, seen: string[] = []): void {
  s.bindHandler(`GET:/${name}`, handler as never);
  s.group('/mw', (g) => {
    g.middleware(async (r) => {
      seen.push('before');
      await r.middleware.next();
      seen.push(`after:${JSON.stringify(r.getHandlerResponse() ?? null)}`);
    });
    g.bindHandler(`GET:/${name}`, handler as never);
  });
}

describe('engine: the handler step', () => {
  it('keeps the returned value, sync and async, alone and behind middleware', async () => {
    const seen: string[] = [];
    const { url } = await startServer((s) => {
      bindBoth(s, 'sync', () => ({ kind: 'sync' }), seen);
      bindBoth(s, 'async', async () => ({ kind: 'async' }), seen);
      bindBoth(s, 'late', () => sleep(20).then(() => 'late text'), seen);
    });
    for (const prefix of ['', '/mw']) {
      const sync = await fetch(`${url}${prefix}/sync`);
      assert.equal(sync.status, 200);
      assert.deepEqual(await sync.json(), { kind: 'sync' });
      const asy = await fetch(`${url}${prefix}/async`);
      assert.deepEqual(await asy.json(), { kind: 'async' });
      const late = await fetch(`${url}${prefix}/late`);
      assert.equal(await late.text(), 'late text');
    }
    // The middleware saw each value once its `next()` resolved.
    assert.deepEqual(seen, [
      'before',
      'after:{"kind":"sync"}',
      'before',
      'after:{"kind":"async"}',
      'before',
      'after:"late text"',
    ]);
  });

  it('answers a handler error with its status, thrown or rejected, alone and behind middleware', async () => {
    const { url } = await startServer((s) => {
      bindBoth(s, 'throws', () => {
        throw new HttpError(418, 'short and stout');
      });
      bindBoth(s, 'rejects', async () => {
        await sleep(5);
        throw new HttpError(409, 'taken');
      });
      bindBoth(s, 'plain', async () => {
        throw new Error('secret detail');
      });
    });
    for (const prefix of ['', '/mw']) {
      const t = await fetch(`${url}${prefix}/throws`);
      assert.equal(t.status, 418, `${prefix}/throws`);
      assert.match(await t.text(), /short and stout/);
      const j = await fetch(`${url}${prefix}/rejects`);
      assert.equal(j.status, 409, `${prefix}/rejects`);
      const p = await fetch(`${url}${prefix}/plain`);
      assert.equal(p.status, 500, `${prefix}/plain`);
      assert.doesNotMatch(await p.text(), /secret detail/);
    }
  });

  it('with devWarnings, logs SLUICE_RETURN_AFTER_WRITE for a handler that wrote and returned (the written body goes out)', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) => {
        bindBoth(s, 'both-sync', (r) => {
          r.response.write('written');
          return 'returned';
        });
        bindBoth(s, 'both-async', async (r) => {
          r.response.write('written');
          await sleep(5);
          return 'returned';
        });
      },
      { logger: log, devWarnings: true },
    );
    const paths = ['/both-sync', '/both-async', '/mw/both-sync', '/mw/both-async'];
    for (const path of paths) {
      const res = await fetch(`${url}${path}`);
      assert.equal(await res.text(), 'written', path);
    }
    const warned = log.records.filter((x) =>
      String((x.obj.err as { code?: string } | undefined)?.code).includes(
        'SLUICE_RETURN_AFTER_WRITE',
      ),
    );
    assert.equal(warned.length, paths.length, 'one logged error per request');
  });

  it('without devWarnings, the returned value is ignored silently when the handler wrote', async () => {
    const log = memoryLogger();
    const { url } = await startServer(
      (s) =>
        bindBoth(s, 'both', async (r) => {
          r.response.write('written');
          return 'returned';
        }),
      { logger: log, devWarnings: false },
    );
    for (const path of ['/both', '/mw/both']) {
      assert.equal(await (await fetch(`${url}${path}`)).text(), 'written');
    }
    assert.equal(log.records.filter((x) => x.level === 'error').length, 0);
  });

  it('calls the handler itself, whatever properties the function carries', async () => {
    const handler = Object.assign(() => 'the real handler', {
      handler: () => 'not this one',
      [Symbol('sluice.handlerStep')]: () => 'nor this one',
    });
    const { url } = await startServer((s) => bindBoth(s, 'props', handler));
    assert.equal(await (await fetch(`${url}/props`)).text(), 'the real handler');
    assert.equal(await (await fetch(`${url}/mw/props`)).text(), 'the real handler');
  });
});

describe('engine: the in-flight list', () => {
  function runs(n: number): Run[] {
    return Array.from({ length: n }, () => Object.create(Run.prototype) as Run).map((run) => {
      run.prevRun = run.nextRun = undefined;
      return run;
    });
  }

  it('removes runs from the head, the middle and the tail, once each', () => {
    const list = new InflightRuns();
    const [a, b, c, d, e] = runs(5) as [Run, Run, Run, Run, Run];
    for (const run of [a, b, c, d, e]) list.add(run);
    list.add(c); // a second add changes nothing
    assert.equal(list.size, 5);
    assert.deepEqual([...list], [e, d, c, b, a]);
    list.delete(c); // middle
    list.delete(e); // head
    list.delete(a); // tail
    list.delete(a); // again: nothing
    assert.equal(list.size, 2);
    assert.deepEqual([...list], [d, b]);
    list.add(a);
    assert.deepEqual([...list], [a, d, b]);
    // Iterating over a snapshot: deleting while iterating visits every run.
    const visited: Run[] = [];
    for (const run of list) {
      visited.push(run);
      list.delete(run);
    }
    assert.deepEqual(visited, [a, d, b]);
    assert.equal(list.size, 0);
    assert.deepEqual([...list], []);
  });

  it('counts requests that end in any order back to zero, and shutdown ends every stream still in flight', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { s, url } = await startServer((srv) => {
      srv.get('/slow/:ms', async (r) => {
        await gate;
        await sleep(Number(r.params.ms));
        return 'done';
      });
      srv.get('/sse', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('open');
        await new Promise<void>((resolve) => es.signal.addEventListener('abort', () => resolve()));
      });
    });
    const delays = [30, 5, 20, 0, 25, 10, 15, 35, 1, 12];
    const pending = delays.map((ms) => fetch(`${url}/slow/${ms}`).then((res) => res.text()));
    await waitFor(() => s.stats().inflight === delays.length, 3000, 'all requests in flight');
    release();
    assert.deepEqual(
      await Promise.all(pending),
      delays.map(() => 'done'),
    );
    await waitFor(() => s.stats().inflight === 0, 3000, 'every request left the list');

    const streams = await Promise.all([1, 2, 3].map(() => fetch(`${url}/sse`)));
    const readers = streams.map((res) => res.text());
    await waitFor(() => s.stats().inflight === 3, 3000, 'three streams in flight');
    await s.shutdown({ timeout: 2000 });
    const bodies = await Promise.all(readers);
    for (const body of bodies) assert.match(body, /data: open/);
    assert.equal(s.stats().inflight, 0);
  });
});
