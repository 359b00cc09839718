// The Redis hub spread over several Redis: on a private Redis Cluster (3 primaries + 3
// replicas of Debian's redis-server on loopback, test/helpers/redis-cluster.ts) and in `shards`
// mode over independent instances. The hub contract and the durable-runs contract run against
// both; then the cluster-only behaviours: a topic's keys on one slot, topics on every primary
// read by one loop each, a slot resharded under live subscribers (MOVED/ASK), and in shards
// mode one instance down affecting only its topics. The failover drill is in
// test/hub-cluster-failover.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createRedisHub } from '../src/hub/redis/index.js';
import { keySlot } from '../src/hub/redis/slots.js';
import { SluiceError, type Hub, type HubEvent } from '../src/index.js';
import { hubContract, take } from './hub-contract.js';
import { command, startCluster, startInstances } from './helpers/redis-cluster.js';
import { runsContract } from './runs-contract.js';

const cluster = await startCluster();
const instances = await startInstances(3);
after(async () => {
  await cluster.stop();
  await instances.stop();
});

const prefix = (): string => `sl${randomBytes(4).toString('hex')}:`;
const onCluster = (extra: Parameters<typeof createRedisHub>[0] = {}): Hub =>
  createRedisHub({ cluster: { rootNodes: cluster.urls }, prefix: prefix(), ...extra });

hubContract('redis cluster', {
  make: (options) =>
    Promise.resolve(
      onCluster({
        history: { maxEvents: options?.maxEvents },
        maxEventSize: options?.maxEventSize,
      }),
    ),
  idParts: 2,
  overflow: 250,
});

hubContract('redis shards', {
  make: (options) =>
    Promise.resolve(
      createRedisHub({
        shards: instances.urls,
        prefix: prefix(),
        history: { maxEvents: options?.maxEvents },
        maxEventSize: options?.maxEventSize,
      }),
    ),
  idParts: 2,
  overflow: 250,
});

const clusterRunsPrefix = prefix();
runsContract({
  name: 'Redis Cluster hub',
  hub: () => createRedisHub({ cluster: { rootNodes: cluster.urls }, prefix: clusterRunsPrefix }),
  options: { leaseMs: 1000 },
});

/** Collects every event of an iterator in the background. */
function collect(it: AsyncIterable<HubEvent>): { events: HubEvent[]; done: Promise<void> } {
  const events: HubEvent[] = [];
  const done = (async () => {
    for await (const ev of it) events.push(ev);
  })();
  done.catch(() => {});
  return { events, done };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('redis hub on a cluster', () => {
  it('computes the slot Redis computes, and a topic keeps its keys (and its runs) on one slot', async () => {
    const keys = ['123456789', 'a{b}c', '{}x', 'x{}y{z}', 'é{ü}', '{t:room}s', 'plain', '}{'];
    for (const k of keys) {
      assert.equal(
        keySlot(k),
        Number(await command(cluster.urls[0]!, ['CLUSTER', 'KEYSLOT', k])),
        k,
      );
    }
    assert.equal(keySlot('123456789'), 12739);
    // Topics that would break a naive tag: braces, an empty tag, unicode.
    const hub = onCluster();
    try {
      for (const topic of ['}', '{', '{}', 'a}b{c', 'ünï ☃', 'sluice-run:x']) {
        const it = hub.subscribe(topic, { from: '0-0-0' })[Symbol.asyncIterator]();
        const id = await hub.publish(topic, { data: topic });
        const got = await take(it, 2); // the reset for an unknown epoch, then the event
        assert.equal(got[1]!.id, id);
        assert.equal(got[1]!.data, topic);
        await it.return?.();
      }
    } finally {
      await hub.close();
    }
  });

  it('spreads topics over every primary, each read by its own loop, across two hubs', async () => {
    const a = onCluster();
    const p = prefix();
    const b = createRedisHub({ cluster: { rootNodes: [cluster.urls[3]!] }, prefix: p });
    const a2 = createRedisHub({ cluster: { rootNodes: [{ url: cluster.urls[1]! }] }, prefix: p });
    try {
      const topics = Array.from({ length: 24 }, (_, i) => `spread-${i}`);
      const owners = new Set<number>();
      for (const t of topics) owners.add((await cluster.primaryOf(`${p}{t:${t}}s`)).port);
      assert.equal(owners.size, 3, 'the topics land on all three primaries');
      const subs = topics.map((t) => collect(b.subscribe(t, { from: '0-0-0' })));
      const sent: string[][] = topics.map(() => []);
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          topics.map(async (t, i) => sent[i]!.push(await a2.publish(t, { data: `${t}/${round}` }))),
        );
      }
      for (let i = 0; i < topics.length; i++) {
        await waitFor(() => subs[i]!.events.length >= 6, 5000, topics[i]!);
        const got = subs[i]!.events.slice(1);
        assert.deepEqual(
          got.map((e) => e.id),
          sent[i],
          `${topics[i]}: every event once, in order`,
        );
        assert.equal(subs[i]!.events[0]!.event, 'sluice-reset');
      }
    } finally {
      await Promise.all([a.close(), b.close(), a2.close()]);
    }
  });

  it('a slot resharded under live subscribers and a publisher (MIGRATING, ASK, MOVED): every event once, in order, no reset', async () => {
    const p = prefix();
    const pub = createRedisHub({ cluster: { rootNodes: cluster.urls }, prefix: p });
    const s1 = createRedisHub({ cluster: { rootNodes: cluster.urls }, prefix: p });
    const topic = 'moving';
    const key = `${p}{t:${topic}}s`;
    try {
      const first = await pub.publish(topic, { data: 'first' });
      const subs = [
        collect(s1.subscribe(topic, { from: first })),
        collect(pub.subscribe(topic, { from: first })),
      ];
      const acked: string[] = [];
      let stop = false;
      const publisher = (async () => {
        for (let i = 0; !stop; i++) acked.push(await pub.publish(topic, { data: String(i) }));
      })();
      await waitFor(() => acked.length >= 20, 5000, 'publishes before the move');
      const from = await cluster.primaryOf(key);
      const to = (await cluster.primaries()).find((n) => n !== from)!;
      await cluster.migrateSlot(keySlot(key), from, to, 300);
      const moved = acked.length;
      await waitFor(() => acked.length >= moved + 20, 10_000, 'publishes after the move');
      stop = true;
      await publisher;
      assert.equal((await cluster.primaryOf(key)).port, to.port, 'the slot moved');
      for (const s of subs) {
        await waitFor(() => s.events.length >= acked.length, 10_000, 'every event');
        assert.deepEqual(
          s.events.map((e) => e.id),
          acked,
          'every acknowledged event once, in order, no reset',
        );
      }
    } finally {
      await Promise.all([pub.close(), s1.close()]);
    }
  });

  it('refuses contradictory options with SLUICE_CONFIG', () => {
    const bad = [
      { shards: [] },
      { shards: ['redis://127.0.0.1:1', 'redis://127.0.0.1:1'] },
      { shards: ['redis://127.0.0.1:1'], url: 'redis://127.0.0.1:1' },
      { cluster: { rootNodes: [] } },
      { cluster: { rootNodes: ['redis://127.0.0.1:1'] }, shards: ['redis://127.0.0.1:1'] },
      { durability: 'sometimes' },
      { replicaTimeoutMs: -1 },
    ];
    for (const o of bad) {
      assert.throws(
        () => createRedisHub(o as Parameters<typeof createRedisHub>[0]),
        (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_CONFIG',
        JSON.stringify(o),
      );
    }
  });
});

describe('redis hub in shards mode', () => {
  it('runs (durable runs) keep their record with their topic: produced on one hub, read on another', async () => {
    const { createRuns } = await import('../src/index.js');
    const p = prefix();
    const hubA = createRedisHub({ shards: instances.urls, prefix: p });
    const hubB = createRedisHub({ shards: instances.urls, prefix: p });
    const runsA = createRuns(hubA, { leaseMs: 1000 });
    const runsB = createRuns(hubB, { leaseMs: 1000 });
    try {
      const run = await runsA.start(async ({ token }) => {
        for (const w of ['a', 'b', 'c']) await token(w);
      });
      const seen: string[] = [];
      for await (const ev of runsB.events(run.id)) seen.push(`${ev.event}:${ev.data}`);
      assert.deepEqual(seen.slice(0, 3), ['token:a', 'token:b', 'token:c']);
      assert.match(seen[3]!, /^sluice-end:.*"outcome":"done"/);
    } finally {
      await Promise.all([runsA.close(), runsB.close()]);
      await Promise.all([hubA.close(), hubB.close()]);
    }
  });

  it('one instance down affects only the topics it holds', async () => {
    const spare = await startInstances(3);
    const p = prefix();
    const hub = createRedisHub({ shards: spare.urls, prefix: p, publishTimeoutMs: 600 });
    try {
      const topicOn = (i: number): string => {
        for (let k = 0; ; k++) if (keySlot(`${p}{t:x${k}}s`) % 3 === i) return `x${k}`;
      };
      const topics = [0, 1, 2].map(topicOn);
      const subs = topics.map((t) => collect(hub.subscribe(t, { from: '0-0-0' })));
      for (const t of topics) {
        // The first publishes wait for the connections (a cold start may pass the short timeout).
        for (let tries = 0; ; tries++) {
          try {
            await hub.publish(t, { data: 'before' });
            break;
          } catch (err) {
            if (tries > 10) throw err;
          }
        }
      }
      for (const s of subs) await waitFor(() => s.events.length === 2, 5000, 'before');
      await spare.kill(spare.nodes[1]!);
      const t0 = Date.now();
      for (const i of [0, 2]) await hub.publish(topics[i]!, { data: 'after' });
      assert.ok(Date.now() - t0 < 500, 'the other instances answer at once');
      for (const i of [0, 2]) await waitFor(() => subs[i]!.events.length === 3, 5000, 'after');
      await assert.rejects(
        hub.publish(topics[1]!, { data: 'lost' }),
        (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_HUB_UNAVAILABLE',
      );
      assert.equal(subs[1]!.events.length, 2, 'its subscriber waits (no end, no error)');
    } finally {
      await hub.close();
      await spare.stop();
    }
  });

  it("an instance restarted empty: its topics get sluice-reset then the new events, the other instance's topics nothing", async () => {
    const spare = await startInstances(2);
    const p = prefix();
    const hub = createRedisHub({ shards: spare.urls, prefix: p });
    try {
      const topicOn = (i: number): string => {
        for (let k = 0; ; k++) if (keySlot(`${p}{t:y${k}}s`) % 2 === i) return `y${k}`;
      };
      const topics = [topicOn(0), topicOn(1)];
      const firsts = await Promise.all(topics.map((t) => hub.publish(t, { data: 'a' })));
      const subs = topics.map((t, i) => collect(hub.subscribe(t, { from: firsts[i]! })));
      await sleep(200); // live
      await spare.kill(spare.nodes[1]!);
      await spare.revive(spare.nodes[1]!);
      for (const t of topics) await hub.publish(t, { data: 'b' });
      for (const s of subs) await waitFor(() => s.events.some((e) => e.data === 'b'), 10_000, 'b');
      assert.deepEqual(
        subs[0]!.events.map((e) => e.data),
        ['b'],
        'the untouched instance: no reset',
      );
      const moved = subs[1]!.events;
      assert.equal(moved[0]!.event, 'sluice-reset', 'the restarted instance: a reset first');
      assert.equal(moved.at(-1)!.data, 'b');
      assert.notEqual(moved.at(-1)!.id.split('-')[0], firsts[1]!.split('-')[0], 'a new epoch');
    } finally {
      await hub.close();
      await spare.stop();
    }
  });

  it("durability 'replicated' with no replica: the publish rejects with SLUICE_HUB_NOT_REPLICATED (503), and the event, which the primary has, is still delivered", async () => {
    const hub = createRedisHub({
      shards: [instances.urls[0]!],
      prefix: prefix(),
      durability: 'replicated',
      replicaTimeoutMs: 50,
    });
    try {
      const first = await hub.publish('lonely', { data: 'x' }).catch((err: unknown) => err);
      assert.ok(first instanceof SluiceError && first.code === 'SLUICE_HUB_NOT_REPLICATED');
      assert.equal(first.status, 503);
      const it = hub.subscribe('lonely', { from: '0-0-0' })[Symbol.asyncIterator]();
      const got = await take(it, 2);
      assert.equal(got[0]!.event, 'sluice-reset');
      assert.equal(got[1]!.data, 'x');
      await it.return?.();
    } finally {
      await hub.close();
    }
  });
});
