// The Redis hub across real processes: each node is its own `node` process running
// test/fixtures/hub-node.ts (a Sluice server over createRedisHub). Clients are sluice/client's
// stream() behind a small "load balancer" fetch that sends each (re)connect to the first node
// that answers, so a client whose node dies comes back on another one with Last-Event-ID.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createClient } from 'redis';
import { collectEvents, stream, type StreamEvent } from '../src/client/index.js';
import { startPrivateRedis } from './helpers/redis-server.js';
import { sleep, waitFor } from './helpers/server.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FIXTURE = new URL('./fixtures/hub-node.ts', import.meta.url).pathname;
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) c.kill('SIGKILL');
});

interface HubNode {
  url: string;
  /** SIGKILL: no shutdown, no retry hint, the sockets just die. */
  kill(): Promise<void>;
}

/** Starts one hub node process and resolves once it printed its address. */
function startNode(redisUrl: string, prefix: string): Promise<HubNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, REDIS_URL: redisUrl, HUB_PREFIX: prefix, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${out}${err}`)), 10_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
          children.delete(child);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}: ${err}`));
    });
  });
}

type Published = { id: string } | { code: string };

/** POSTs `data` to a node's /publish/{topic}; `{ id }` once Redis acknowledged it. */
async function publish(
  node: HubNode,
  topic: string,
  data: unknown,
  event?: string,
): Promise<Published> {
  const q = event ? `?event=${encodeURIComponent(event)}` : '';
  const res = await fetch(`${node.url}/publish/${topic}${q}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  return (await res.json()) as Published;
}

interface Connect {
  node: string;
  lastEventId: string | null;
}

/**
 * A fetch that sends each request to the first of `nodes()` that accepts the connection (the
 * path is kept), after `gate` resolves, and records where each (re)connect went and with which
 * Last-Event-ID.
 */
function balancer(
  nodes: () => string[],
  connects: Connect[],
  gate = (): Promise<void> => Promise.resolve(),
): typeof fetch {
  return async (input, init) => {
    await gate();
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    let lastError: unknown = new Error('no node');
    for (const base of nodes()) {
      try {
        const res = await fetch(base + path, init);
        connects.push({ node: base, lastEventId: new Headers(init?.headers).get('last-event-id') });
        return res;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  };
}

/** Passes every event through and keeps a copy in `seen`, to act on progress mid-stream. */
async function* tap<T>(source: AsyncIterable<T>, seen: T[]): AsyncGenerator<T> {
  for await (const ev of source) {
    seen.push(ev);
    yield ev;
  }
}

/** Publishes warm-up events until the client saw one: its subscription is then live on its node. */
async function untilSubscribed(node: HubNode, topic: string, seen: StreamEvent[]): Promise<void> {
  for (let i = 0; seen.length === 0; i++) {
    if (i > 200) throw new Error('the client never received a warm-up event');
    await publish(node, topic, 'warm-up');
    await sleep(25);
  }
}

/** Ids `<epoch>-<ms>-<seq>` all in one epoch and strictly increasing (so none repeated). */
function ordered(ids: string[]): boolean {
  const parse = (id: string): [string, bigint, bigint] => {
    const [epoch = '', ms = '0', seq = '0'] = id.split('-');
    return [epoch, BigInt(ms), BigInt(seq)];
  };
  for (let i = 1; i < ids.length; i++) {
    const [ea, ma, sa] = parse(ids[i - 1]!);
    const [eb, mb, sb] = parse(ids[i]!);
    if (ea !== eb || ma > mb || (ma === mb && sa >= sb)) return false;
  }
  return true;
}

describe('Redis hub across processes', () => {
  it('a client on node A gets what is published on node B; A is SIGKILLed mid-stream and the client resumes on B with Last-Event-ID: every event once, in order', async () => {
    const prefix = `sluice-mp:${randomBytes(6).toString('hex')}:`;
    after(async () => {
      const c = createClient({ url: REDIS_URL });
      await c.connect();
      const keys: string[] = [];
      for await (const batch of c.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 }))
        keys.push(...batch);
      if (keys.length) await c.del(keys);
      c.destroy();
    });
    const [a, b] = await Promise.all([startNode(REDIS_URL, prefix), startNode(REDIS_URL, prefix)]);
    let aAlive = true;
    let releaseReconnect!: () => void;
    const reconnectAllowed = new Promise<void>((resolve) => (releaseReconnect = resolve));
    const connects: Connect[] = [];
    const fetchVia = balancer(
      () => (aAlive ? [a.url, b.url] : [b.url]),
      connects,
      // The first connect goes through; a reconnect waits until B published more while it was away.
      () => (connects.length === 0 ? Promise.resolve() : reconnectAllowed),
    );
    const seen: StreamEvent[] = [];
    const collecting = collectEvents(
      tap(stream('http://sluice.invalid/events/room', { fetch: fetchVia, retry: 20 }), seen),
      { until: 'end', strict: true, timeoutMs: 15_000 },
    );
    await untilSubscribed(b, 'room', seen);
    assert.equal(connects[0]?.node, a.url, 'the client is on A');

    const acked: string[] = [];
    const TOTAL = 60;
    for (let i = 0; i < TOTAL; i++) {
      if (i === 20) {
        await waitFor(() => seen.some((e) => e.data === '19'), 5000, 'event 19 on A');
        await a.kill();
        aAlive = false;
      }
      if (i === 40) releaseReconnect(); // 20 events were published while the client was away
      const res = await publish(b, 'room', i);
      assert.ok('id' in res, `publish ${i}: ${JSON.stringify(res)}`);
      acked.push(res.id);
      await sleep(5);
    }
    const end = await publish(b, 'room', 'end', 'end');
    assert.ok('id' in end);
    const events = await collecting;

    const main = events.filter((e) => e.data !== 'warm-up');
    assert.deepEqual(
      main.map((e) => e.data),
      [...Array.from({ length: TOTAL }, (_, i) => String(i)), 'end'],
    );
    assert.deepEqual(
      main.map((e) => e.id),
      [...acked, end.id],
      'the ids B acknowledged, in order',
    );
    assert.ok(ordered(events.map((e) => e.id)), 'ids strictly increasing: nothing repeated');
    assert.equal(connects.length, 2, 'one reconnect');
    assert.equal(connects[1]!.node, b.url, 'the reconnect went to B');
    const lastOnA = events.find((e) => e.data === '19')!;
    assert.equal(connects[0]!.lastEventId, null, 'the first request carries no Last-Event-ID');
    assert.equal(
      connects[1]!.lastEventId,
      lastOnA.id,
      'B was asked to resume after the last event A delivered',
    );
    await b.kill();
  });

  it('a persistent Redis (appendfsync always) restarted mid-stream: every acknowledged publish is delivered exactly once', async (t) => {
    const redis = await startPrivateRedis({ persistent: true });
    after(() => redis.stop());
    const [a, b] = await Promise.all([startNode(redis.url, 'p:'), startNode(redis.url, 'p:')]);
    const seen: StreamEvent[] = [];
    const connects: Connect[] = [];
    const collecting = collectEvents(
      tap(
        stream(`${a.url}/events/t`, { fetch: balancer(() => [a.url], connects), retry: 20 }),
        seen,
      ),
      { until: 'end', strict: true, timeoutMs: 18_000 },
    );
    await untilSubscribed(b, 't', seen);

    const acked = new Map<string, number>();
    let refused = 0;
    let restarting: Promise<void> | undefined;
    let backAfter = -1; // publishes answered when Redis was back
    let attempts = 0;
    const TOTAL = 80;
    for (let i = 0; i < TOTAL; i++) {
      // Not awaited: publishes go on while Redis is killed and comes back.
      if (i === 30) {
        restarting = redis.restart().then(() => {
          backAfter = attempts;
        });
      }
      const res = await publish(b, 't', i);
      attempts++;
      if ('id' in res) acked.set(res.id, i);
      else {
        assert.ok(
          res.code === 'SLUICE_HUB_UNAVAILABLE' || res.code === 'SLUICE_HUB_PUBLISH_FAILED',
          res.code,
        );
        refused++;
      }
      await sleep(5);
    }
    await restarting;
    assert.ok(
      backAfter >= 30 && backAfter < TOTAL,
      `Redis came back mid-stream (after ${backAfter})`,
    );
    // After the restart, publishes get through again before the end marker.
    let end: Published = { code: '' };
    for (let i = 0; !('id' in end) && i < 50; i++) end = await publish(b, 't', 'end', 'end');
    assert.ok('id' in end);
    const events = await collecting;

    const ids = events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event delivered twice');
    assert.ok(ordered(ids), 'in order, in one epoch');
    assert.ok(!events.some((e) => e.event === 'sluice-reset'), 'history survived: no reset');
    for (const [id, i] of acked) {
      const got = events.find((e) => e.id === id);
      assert.equal(got?.data, String(i), `acknowledged event ${i} (${id}) delivered`);
    }
    assert.equal(connects.length, 1, 'the SSE connection itself never broke');
    assert.ok(acked.size >= TOTAL / 2, `${acked.size} acknowledged, ${refused} refused`);
    t.diagnostic(
      `${acked.size} acknowledged, ${refused} refused, Redis back after ${backAfter} publishes, ${events.length} delivered`,
    );
    await Promise.all([a.kill(), b.kill()]);
  });

  it('a non-persistent Redis restarted while node A is cut off, node B publishing meanwhile: the client on A gets sluice-reset at the new epoch start, then every event B acknowledged; a stale Last-Event-ID gets the same', async () => {
    const redis = await startPrivateRedis({ persistent: false });
    after(() => redis.stop());
    const proxy = await redis.proxy(); // node A reaches Redis through it: A's own outage
    after(() => proxy.close());
    const [a, b] = await Promise.all([startNode(proxy.url, 'np:'), startNode(redis.url, 'np:')]);
    const seen: StreamEvent[] = [];
    const collecting = collectEvents(tap(stream(`${a.url}/events/t`, { retry: 20 }), seen), {
      until: 'end',
      strict: true,
      timeoutMs: 20_000,
    });
    await untilSubscribed(b, 't', seen);
    const before = await publish(b, 't', 'before');
    assert.ok('id' in before);
    await waitFor(() => seen.some((e) => e.id === before.id), 5000, 'the event before the restart');

    proxy.cut(); // A loses Redis...
    await redis.restart(); // ...Redis comes back empty...
    const acked: string[] = []; // ...and B publishes in the new epoch before A is back.
    for (const data of ['after-1', 'after-2', 'after-3']) {
      let res: Published = { code: '' };
      for (let i = 0; !('id' in res) && i < 100; i++) res = await publish(b, 't', data);
      assert.ok('id' in res, `publish ${data}`);
      acked.push(res.id);
    }
    proxy.restore();
    await waitFor(() => seen.some((e) => e.id === acked[2]), 10_000, 'after-3 on A');
    const end = await publish(b, 't', 'end', 'end');
    assert.ok('id' in end);
    const events = await collecting;

    const epoch = acked[0]!.split('-')[0]!;
    assert.notEqual(epoch, before.id.split('-')[0], 'a new epoch');
    const resetAt = events.findIndex((e) => e.event === 'sluice-reset');
    assert.ok(resetAt > events.findIndex((e) => e.id === before.id));
    assert.deepEqual(
      events.slice(resetAt).map((e) => [e.event, e.id, e.data]),
      [
        ['sluice-reset', `${epoch}-0-0`, `${epoch}-0-0`],
        ['message', acked[0], 'after-1'],
        ['message', acked[1], 'after-2'],
        ['message', acked[2], 'after-3'],
        ['end', end.id, 'end'],
      ],
      'the reset at the new epoch start, then every acknowledged event, none skipped',
    );
    assert.equal(events.filter((e) => e.event === 'sluice-reset').length, 1);

    // A client that comes back with the pre-restart id, on the other node: the same.
    const stale = stream(`${b.url}/events/t`, { lastEventId: before.id });
    const again = await collectEvents(stale, { count: 5, strict: true });
    assert.deepEqual(
      again.map((e) => e.id),
      [`${epoch}-0-0`, ...acked, end.id],
    );
    assert.equal(again[0]!.event, 'sluice-reset');
    await Promise.all([a.kill(), b.kill()]);
  });
});
