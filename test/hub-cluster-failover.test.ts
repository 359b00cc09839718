// The failover drill: a private Redis Cluster (3 primaries + 3 replicas, node timeout 1 s), two
// hubs in this process (each with its own connections and read loops) and a third Sluice process
// (test/fixtures/cluster-subscriber.ts) subscribed to topics on every primary while one hub
// publishes; a primary is SIGKILLed mid-stream, its
// replica is promoted, then the killed node is started again and rejoins as a replica.
// - durability 'replicated': every acknowledged event is delivered exactly once, in order, to
//   every subscriber on every hub, with no reset;
// - durability 'primary': the topics of the failed primary get a `sluice-reset` (the failover
//   may have lost acknowledged events: never silent), every other topic is untouched, and no
//   event is ever delivered twice.
// Fast tier: one kill per mode, about 4 s of publishing each. The stress tier runs it longer,
// with more kills (CLUSTER_DRILL_MS, CLUSTER_DRILL_KILLS; scripts/stress.mjs stage `cluster`).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createRedisHub } from '../src/hub/redis/index.js';
import type { Hub, HubEvent } from '../src/index.js';
import { startCluster, type Node } from './helpers/redis-cluster.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const DRILL_MS = Number(process.env.CLUSTER_DRILL_MS ?? 2500);
const KILLS = Number(process.env.CLUSTER_DRILL_KILLS ?? 1);
const TOPICS = 6;

const cluster = await startCluster();
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cluster.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Figures {
  acked: number;
  failed: number;
  resets: number;
  missing: number;
  /** ms from each kill to the first acknowledged publish on a topic of the killed primary. */
  recoveries: number[];
}

async function drill(durability: 'primary' | 'replicated'): Promise<Figures> {
  const prefix = `fo${randomBytes(4).toString('hex')}:`;
  const make = (): Hub =>
    createRedisHub({
      cluster: { rootNodes: cluster.urls },
      prefix,
      durability,
      replicaTimeoutMs: 500,
      publishTimeoutMs: 15_000,
    });
  const hubs = [make(), make()];
  const topics = Array.from({ length: TOPICS }, (_, i) => `room-${i}`);
  const keyOf = (t: string): string => `${prefix}{t:${t}}s`;
  try {
    // Every primary holds some topic (else pick more names).
    const owners = new Map<string, number>();
    for (let k = TOPICS; new Set(owners.values()).size < 3; k++) {
      owners.clear();
      for (const t of topics) owners.set(t, (await cluster.primaryOf(keyOf(t))).port);
      if (new Set(owners.values()).size < 3) topics.push(`room-${k}`);
    }
    const starts = await Promise.all(topics.map((t) => hubs[0]!.publish(t, { data: 'start' })));
    const seen = hubs.map(() => topics.map(() => [] as HubEvent[]));
    // A third subscriber in a Sluice process of its own.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/cluster-subscriber.ts', import.meta.url)),
      ],
      {
        env: {
          ...process.env,
          ROOTS: cluster.urls.join(','),
          PREFIX: prefix,
          DURABILITY: durability,
          FROM: JSON.stringify(Object.fromEntries(topics.map((t, i) => [t, starts[i]!]))),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.add(child);
    const childLines = createInterface({ input: child.stdout! });
    let childLive!: () => void;
    let childDone!: (v: Record<string, [string | undefined, string][]>) => void;
    const live = new Promise<void>((r) => (childLive = r));
    const childResult = new Promise<Record<string, [string | undefined, string][]>>(
      (r) => (childDone = r),
    );
    childLines.on('line', (l) => {
      if (l === 'LIVE') childLive();
      else if (l.startsWith('{')) childDone(JSON.parse(l) as never);
    });
    await live;
    const readers = hubs.flatMap((hub, h) =>
      topics.map(async (t, i) => {
        for await (const ev of hub.subscribe(t, { from: starts[i]! })) {
          seen[h]![i]!.push(ev);
          if (ev.data === 'end') return;
        }
      }),
    );
    const acked = topics.map(() => [] as string[]);
    let failed = 0;
    let stop = false;
    const killedAt: number[] = [];
    const recoveries: number[] = [];
    let victimTopics = new Set<number>();
    const everVictim = new Set<number>();
    const publishers = topics.map(async (t, i) => {
      for (let n = 0; !stop; n++) {
        const began = Date.now();
        try {
          await hubs[0]!.publish(t, { data: `${n}` });
          acked[i]!.push(`${n}`);
          const k = killedAt.length - 1;
          // The first publish made after the kill that a topic of the killed primary acknowledged.
          if (k >= 0 && began > killedAt[k]! && victimTopics.has(i) && recoveries.length === k) {
            recoveries.push(Date.now() - killedAt[k]!);
          }
        } catch {
          failed++;
          await sleep(20);
        }
      }
    });
    const idle: { name: string; got: HubEvent[][]; failovers: number }[] = [];
    const idleReaders: Promise<void>[] = [];
    for (let k = 0; k < KILLS; k++) {
      await sleep(DRILL_MS / (KILLS + 1) / 2);
      // The primary of a topic, with a replica in sync to take over.
      const primaries = await cluster.primaries();
      const victim: Node = primaries[k % primaries.length]!;
      victimTopics = new Set(
        topics.flatMap((_, i) => (owners.get(topics[i]!) === victim.port ? [i] : [])),
      );
      assert.ok(victimTopics.size > 0);
      for (const i of victimTopics) everVictim.add(i);
      // A topic of the victim that nobody publishes to until the failover is over: a reader
      // idle at the moment of the kill must notice the new primary all the same.
      for (let j = 0; ; j++) {
        const name = `idle-${k}-${j}`;
        if ((await cluster.primaryOf(keyOf(name))).port !== victim.port) continue;
        const from = await hubs[0]!.publish(name, { data: 'start' });
        const got = hubs.map(() => [] as HubEvent[]);
        idle.push({ name, got, failovers: 0 });
        hubs.forEach((hub, h) =>
          idleReaders.push(
            (async () => {
              for await (const ev of hub.subscribe(name, { from })) {
                got[h]!.push(ev);
                if (ev.data === 'end') return;
              }
            })(),
          ),
        );
        await sleep(300); // live
        break;
      }
      // Every idle topic on the victim (this kill's, and earlier ones' that live there now).
      for (const e of idle) {
        if ((await cluster.primaryOf(keyOf(e.name))).port === victim.port) e.failovers++;
      }
      await cluster.kill(victim);
      killedAt.push(Date.now());
      await cluster.waitOk();
      // Back as a replica of the promoted one ('replicated' needs a replica to confirm).
      await cluster.revive(victim);
      await cluster.waitReplica(victim);
      await waitFor(
        () => recoveries.length > k,
        20_000,
        "a publish on the failed primary's topics",
      );
      for (const t of topics) owners.set(t, (await cluster.primaryOf(keyOf(t))).port);
      await sleep(DRILL_MS / (KILLS + 1) / 2);
    }
    await sleep(DRILL_MS / (KILLS + 1));
    stop = true;
    await Promise.all(publishers);
    for (const t of topics) await hubs[0]!.publish(t, { data: 'end' });
    for (const { name } of idle) await hubs[0]!.publish(name, { data: 'end' });
    await Promise.race([
      Promise.all([...readers, ...idleReaders]),
      sleep(20_000).then(() => {
        throw new Error('not every subscriber got the end marker');
      }),
    ]);
    const fromChild = await Promise.race([
      childResult,
      sleep(20_000).then(() => {
        throw new Error('the subscriber process did not get every end marker');
      }),
    ]);
    seen.push(
      topics.map((t) =>
        (fromChild[t] ?? []).map(([event, data]) => ({ id: '', event, data }) as HubEvent),
      ),
    );
    let resets = 0;
    let missing = 0;
    for (let h = 0; h < seen.length; h++) {
      for (let i = 0; i < topics.length; i++) {
        const events = seen[h]![i]!;
        const data = events.filter((e) => e.event !== 'sluice-reset').map((e) => e.data);
        const r = events.length - data.length;
        resets += r;
        assert.equal(data.at(-1), 'end', 'the subscriber continued after the failover');
        const numbers = data.slice(0, -1).map(Number);
        assert.equal(new Set(numbers).size, numbers.length, `hub ${h} ${topics[i]}: no duplicate`);
        for (let j = 1; j < numbers.length; j++) {
          assert.ok(numbers[j]! > numbers[j - 1]!, `hub ${h} ${topics[i]}: in order`);
        }
        const got = new Set(data);
        const lost = acked[i]!.filter((d) => !got.has(d));
        missing += lost.length;
        if (durability === 'replicated') {
          assert.deepEqual(lost, [], `hub ${h} ${topics[i]}: every acknowledged event`);
          assert.equal(r, 0, `hub ${h} ${topics[i]}: no reset`);
        } else {
          if (lost.length > 0)
            assert.ok(r > 0, `hub ${h} ${topics[i]}: ${lost.length} lost, and said so`);
          // The failover is signalled on the failed primary's topics, and only there.
          if (everVictim.has(i)) assert.ok(r > 0, `hub ${h} ${topics[i]}: the failover signalled`);
          else assert.equal(r, 0, `hub ${h} ${topics[i]}: not on a failed primary, no reset`);
        }
      }
    }
    for (const { name, got, failovers } of idle) {
      for (const events of got) {
        assert.equal(events.at(-1)?.data, 'end', `${name}: continued`);
        const r = events.filter((e) => e.event === 'sluice-reset').length;
        if (durability === 'primary') {
          assert.equal(r, failovers, `${name}: idle at the kill, signalled once per failover`);
        } else assert.equal(r, 0, `${name}: nothing could be lost, no reset`);
      }
    }
    return {
      acked: acked.reduce((a, x) => a + x.length, 0),
      failed,
      resets,
      missing,
      recoveries,
    };
  } finally {
    await Promise.all(hubs.map((h) => h.close()));
  }
}

describe('redis cluster failover drill', () => {
  it("durability 'replicated': a primary SIGKILLed mid-stream, every acknowledged event reaches every subscriber (two hubs here, one in its own process) exactly once, in order, no reset", async () => {
    const f = await drill('replicated');
    console.log(`# FIGURES cluster-failover-replicated ${JSON.stringify(f)}`);
    assert.ok(f.acked > 0);
  });

  it("durability 'primary': a primary SIGKILLed mid-stream, its topics' subscribers get sluice-reset (loss is never silent), no duplicate, every other topic untouched", async () => {
    const f = await drill('primary');
    console.log(`# FIGURES cluster-failover-primary ${JSON.stringify(f)}`);
    assert.ok(f.acked > 0);
  });
});
