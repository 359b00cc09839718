import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHub } from '../src/hub/index.js';
import { hubContract, take } from './hub-contract.js';
import { startServer } from './helpers/server.js';

hubContract('memory', {
  make: (options) =>
    Promise.resolve(
      createHub({ history: { maxEvents: options?.maxEvents }, maxEventSize: options?.maxEventSize }),
    ),
  idParts: 1,
  overflow: 30,
});

describe('memory hub', () => {
  it('bounds history by bytes as well as by count', async () => {
    const hub = createHub({ history: { maxEvents: 1000, maxBytes: 1000 } });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await hub.publish('t', { data: 'x'.repeat(100) }));
    const [ev] = await take(hub.subscribe('t', { from: ids[0]! })[Symbol.asyncIterator](), 1);
    assert.equal(ev!.event, 'sluice-reset');
    const kept = await take(hub.subscribe('t', { from: ids[46]! })[Symbol.asyncIterator](), 3);
    assert.deepEqual(kept.map((e) => e.id), ids.slice(47));
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
    assert.deepEqual(got.map((e) => e.id), ids.slice(9));
    await hub.close();
  });
});

describe('memory hub: event size', () => {
  it('an oversized publish thrown from a request handler answers 413', async () => {
    const hub = createHub({ maxEventSize: 1000 });
    const { url } = await startServer((srv) =>
      srv.post('/publish', async (r) => ({ id: await hub.publish('room', { data: await r.json() }) })),
    );
    const ok = await fetch(`${url}/publish`, { method: 'POST', body: JSON.stringify('x'.repeat(900)) });
    assert.equal(ok.status, 200);
    const res = await fetch(`${url}/publish`, { method: 'POST', body: JSON.stringify('x'.repeat(1001)) });
    assert.equal(res.status, 413);
    await res.body?.cancel();
    await hub.close();
  });
});
