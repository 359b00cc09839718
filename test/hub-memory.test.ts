import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHub } from '../src/hub/index.js';
import { hubContract, take } from './hub-contract.js';
import { startServer } from './helpers/server.js';
import { exposeGc, MiB } from './stress/lib/gc.js';

hubContract('memory', {
  make: (options) =>
    Promise.resolve(
      createHub({
        history: { maxEvents: options?.maxEvents },
        maxEventSize: options?.maxEventSize,
      }),
    ),
  idParts: 1,
  overflow: 30,
});

describe('memory hub', () => {
  it('bounds history by bytes as well as by count', async () => {
    const hub = createHub({ history: { maxEvents: 1000, maxBytes: 4000 } });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await hub.publish('t', { data: 'x'.repeat(100) }));
    const it = hub.subscribe('t', { from: ids[0]! })[Symbol.asyncIterator]();
    const [ev] = await take(it, 1);
    assert.equal(ev!.event, 'sluice-reset');
    const k = ids.indexOf(ev!.id) + 1;
    // Each event counts its strings and objects (an encoding only once a sink asks for one):
    // 4000 bytes keep a dozen or so of the 50, never all, never none.
    assert.ok(k > 25 && k < 49, `kept from ${k}`);
    const kept = await take(it, 50 - k);
    assert.deepEqual(
      kept.map((e) => e.id),
      ids.slice(k),
    );
    await hub.close();
  });

  it('drops the least recently published idle topic past maxTopics, and refuses when all are busy', async () => {
    const hub = createHub({ maxTopics: 2 });
    const a = await hub.publish('a', { data: 1 });
    await hub.publish('b', { data: 1 });
    await hub.publish('c', { data: 1 }); // evicts a
    const [ev] = await take(hub.subscribe('a', { from: a })[Symbol.asyncIterator](), 1); // a recreated, evicts b
    assert.equal(ev!.event, 'sluice-reset');
    hub.subscribe('c');
    await assert.rejects(hub.publish('d', { data: 1 }), { code: 'SLUICE_HUB_TOPICS' });
    await hub.close();
  });

  it('ids compare numerically, not as strings', async () => {
    const hub = createHub();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await hub.publish('t', { data: i }));
    const got = await take(hub.subscribe('t', { from: ids[8]! })[Symbol.asyncIterator](), 3);
    assert.deepEqual(
      got.map((e) => e.id),
      ids.slice(9),
    );
    await hub.close();
  });
});

/** Heap plus array buffers after full GCs: what the process holds. */
function held(): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * What the measured memory may exceed the budget by: 1 MiB plus 5%, for the ring arrays, the
 * topics and what GC leaves around. (Without the budget the tests below hold about 30 MiB; with
 * the old per-topic accounting, strings of two-byte characters held 4/3 of the limit.)
 */
const slack = (budget: number): number => budget * 0.05 + MiB;

describe('memory hub: history byte budget', () => {
  it('keeps the history of all topics within history.maxTotalBytes, measured as held memory', async () => {
    assert.ok(exposeGc());
    const budget = 8 * MiB;
    const before = held();
    const hub = createHub({ history: { maxTotalBytes: budget } });
    const ids: string[] = [];
    // 150 topics of one 200 KiB event each (all of one size): 30 MiB without the budget.
    for (let i = 0; i < 150; i++) {
      const data = { i: String(i).padStart(3, '0'), text: 'a'.repeat(200 * 1024) };
      ids.push(await hub.publish(`t${i}`, { data }));
    }
    const kept = held() - before;
    assert.ok(kept <= budget + slack(budget), `held ${(kept / MiB).toFixed(2)} MiB`);
    assert.ok(kept > budget / 2, `held ${(kept / MiB).toFixed(2)} MiB: the budget is used`);
    // The newest events are kept; an early one is gone, and asking for it is a reset.
    const last = await take(
      hub.subscribe('t149', { from: `${ids[149]!.split('-')[0]}-0` })[Symbol.asyncIterator](),
      1,
    );
    assert.equal(last[0]!.id, ids[149]);
    const [gone] = await take(hub.subscribe('t0', { from: ids[0]! })[Symbol.asyncIterator](), 1);
    assert.equal(gone!.event, 'sluice-reset');
    await hub.close();
  });

  it('counts history as held in memory (strings of two-byte characters at two bytes each)', async () => {
    assert.ok(exposeGc());
    const limit = 8 * MiB;
    const before = held();
    const hub = createHub({ history: { maxBytes: limit, maxTotalBytes: 1024 * MiB } });
    // 'ж' is 2 UTF-8 bytes in the frame and 2 bytes in V8's string: 64 KiB per event.
    for (let i = 0; i < 1000; i++) {
      await hub.publish('t', { data: { i, text: 'ж'.repeat(16 * 1024) } });
    }
    const kept = held() - before;
    assert.ok(kept <= limit + slack(limit), `held ${(kept / MiB).toFixed(2)} MiB`);
    assert.ok(kept > limit * 0.9, `held ${(kept / MiB).toFixed(2)} MiB: the limit is used`);
    await hub.close();
  });

  it('past history.maxTotalBytes drops the oldest events of the largest topic first; a subscriber asking for them gets sluice-reset, then what is kept', async () => {
    const hub = createHub({ history: { maxTotalBytes: 1 * MiB } });
    const small: string[] = [];
    for (let i = 0; i < 10; i++)
      small.push(await hub.publish('small', { data: { i, text: 'b'.repeat(1000) } }));
    const big: string[] = [];
    for (let i = 0; i < 20; i++)
      big.push(await hub.publish('big', { data: { i, text: 'a'.repeat(100_000) } }));
    // The small topic kept everything.
    const s = await take(
      hub.subscribe('small', { from: `${small[0]!.split('-')[0]}-0` })[Symbol.asyncIterator](),
      10,
    );
    assert.deepEqual(
      s.map((e) => e.id),
      small,
    );
    // The big one lost its oldest: a reset just before the oldest kept, then the kept ones.
    const it = hub.subscribe('big', { from: big[0]! })[Symbol.asyncIterator]();
    const [reset] = await take(it, 1);
    assert.equal(reset!.event, 'sluice-reset');
    const k = big.indexOf(reset!.id) + 1;
    assert.ok(k >= 10 && k < 20, `kept from ${k}`);
    const rest = await take(it, 20 - k);
    assert.deepEqual(
      rest.map((e) => e.id),
      big.slice(k),
    );
    await hub.close();
  });
});

describe('memory hub: event size', () => {
  it('an oversized publish thrown from a request handler answers 413', async () => {
    const hub = createHub({ maxEventSize: 1000 });
    const { url } = await startServer((srv) =>
      srv.post('/publish', async (r) => ({
        id: await hub.publish('room', { data: await r.json() }),
      })),
    );
    const ok = await fetch(`${url}/publish`, {
      method: 'POST',
      body: JSON.stringify('x'.repeat(900)),
    });
    assert.equal(ok.status, 200);
    const res = await fetch(`${url}/publish`, {
      method: 'POST',
      body: JSON.stringify('x'.repeat(1001)),
    });
    assert.equal(res.status, 413);
    await res.body?.cancel();
    await hub.close();
  });
});
