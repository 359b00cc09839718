// Durable runs on the Redis hub, in one process: the contract (test/runs-contract.ts) against
// a real Redis (REDIS_URL, default 127.0.0.1:6379) under a unique prefix, removed afterwards.
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { createClient } from 'redis';
import { createRedisHub } from '../src/hub/redis/index.js';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RUN_STORE, type RunStoreProvider } from '../src/hub/run-store.js';
import { runsContract } from './runs-contract.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `sluice-runs-test:${randomBytes(6).toString('hex')}:`;

after(async () => {
  const c = createClient({ url: REDIS_URL });
  await c.connect();
  const keys: string[] = [];
  for await (const batch of c.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 1000 }))
    keys.push(...batch);
  if (keys.length) await c.del(keys);
  c.destroy();
});

runsContract({
  name: 'Redis hub',
  hub: () => createRedisHub({ url: REDIS_URL, prefix: PREFIX }),
  options: { leaseMs: 1000 },
});

it('the Redis run store is safe to retry: an append repeated with its sequence number lands once, an end is written once, a creation repeated by its own caller is not a conflict', async () => {
  const hub = createRedisHub({ url: REDIS_URL, prefix: PREFIX });
  const store = (hub as unknown as RunStoreProvider)[RUN_STORE]({
    ttl: 60_000,
    maxEvents: 10,
    maxBytes: 1000,
    leaseMs: 1000,
  });
  try {
    const id = 'retry-test-run';
    assert.equal(await store.create(id, { owner: '', unwatchedMs: 0 }), true);
    assert.equal(await store.create(id, { owner: '', unwatchedMs: 0 }), false, 'another creator');
    const input = { event: 'token', data: 'x', size: 6 };
    const first = await store.append(id, 1, input, true);
    const again = await store.append(id, 1, input, true); // the same append, retried
    assert.deepEqual(again, first);
    assert.equal((await store.get(id))?.events, 1, 'kept once');
    assert.equal(await store.finish(id, { outcome: 'done' }), true);
    assert.equal(await store.finish(id, { outcome: 'failed' }), false, 'the end is written once');
    const record = await store.get(id);
    assert.equal(record?.state, 'done');
    const seen: string[] = [];
    for await (const ev of store.subscribe(id, { from: record!.start })) {
      seen.push(ev.event ?? '');
      if (ev.event === 'sluice-end') break;
    }
    assert.deepEqual(seen, ['token', 'sluice-end']);
  } finally {
    await store.close();
    await hub.close();
  }
});
