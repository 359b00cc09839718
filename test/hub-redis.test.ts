import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createClient, ErrorReply } from 'redis';
import { createRedisHub } from '../src/hub/redis/index.js';
import type { Hub } from '../src/hub/index.js';
import { hubContract, recordingSink, take } from './hub-contract.js';
import { startPrivateRedis } from './helpers/redis-server.js';
import { startServer } from './helpers/server.js';
import { freePort } from './stress/lib/redis-proc.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefixes: string[] = [];

function uniquePrefix(): string {
  const p = `sluice-test:${randomBytes(6).toString('hex')}:`;
  prefixes.push(p);
  return p;
}

after(async () => {
  const c = createClient({ url: REDIS_URL });
  await c.connect();
  for (const p of prefixes) {
    const keys: string[] = [];
    for await (const batch of c.scanIterator({ MATCH: `${p}*`, COUNT: 1000 })) keys.push(...batch);
    if (keys.length) await c.del(keys);
  }
  c.destroy();
});

hubContract('redis', {
  make: (options) =>
    Promise.resolve(
      createRedisHub({
        url: REDIS_URL,
        prefix: uniquePrefix(),
        history: { maxEvents: options?.maxEvents },
        maxEventSize: options?.maxEventSize,
      }),
    ),
  idParts: 2,
  overflow: 250, // MAXLEN ~ trims whole stream nodes (100 entries each)
});

describe('redis hub', () => {
  it('delivers across two hubs on one Redis, and a client resumes on the other node', async () => {
    const prefix = uniquePrefix();
    const a = createRedisHub({ url: REDIS_URL, prefix });
    const b = createRedisHub({ url: REDIS_URL, prefix });
    try {
      const onA = a.subscribe('room')[Symbol.asyncIterator]();
      const sinkA = recordingSink();
      const detach = a.attach('room', sinkA);
      // Live-only subscribers start where the hub stood when they went live: wait for that.
      await detach.live;
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await b.publish('room', { data: { i } }));
      const got = await take(onA, 10);
      assert.deepEqual(
        got.map((e) => e.id),
        ids,
      );
      // Node A dies after event 4; the client resumes on B with A's id.
      await onA.return!();
      const onB = b.subscribe('room', { from: got[4]!.id })[Symbol.asyncIterator]();
      ids.push(await a.publish('room', { data: 'late' }));
      const resumed = await take(onB, 6);
      assert.deepEqual(
        resumed.map((e) => e.id),
        ids.slice(5),
      );
      await sinkA.until(11);
      assert.deepEqual(sinkA.ids, ids);
      detach();
      await onB.return!();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a persistent Redis restarted mid-stream: every acknowledged event is delivered exactly once', async () => {
    const redis = await startPrivateRedis({ persistent: true });
    const hub: Hub = createRedisHub({ url: redis.url, prefix: 'p:' });
    try {
      const seen: string[] = [];
      const sink = recordingSink();
      hub.attach('t', sink);
      const acked: string[] = [];
      let restarted = false;
      const publishing = (async () => {
        for (let i = 0; i < 120; i++) {
          try {
            acked.push(await hub.publish('t', { data: i }));
          } catch (err) {
            const code = (err as { code?: string }).code;
            assert.ok(
              code === 'SLUICE_HUB_PUBLISH_FAILED' || code === 'SLUICE_HUB_UNAVAILABLE',
              String(err),
            );
          }
          if (i === 40) {
            await redis.restart();
            restarted = true;
          }
        }
      })();
      await publishing;
      assert.ok(restarted);
      const last = acked[acked.length - 1]!;
      const deadline = Date.now() + 10_000;
      while (!sink.ids.includes(last) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      seen.push(...sink.ids);
      assert.equal(new Set(seen).size, seen.length, 'no duplicate');
      for (const id of acked) assert.ok(seen.includes(id), `acknowledged ${id} was delivered`);
      assert.ok(!seen.some((id) => id.includes('sluice-reset')));
      assert.ok(acked.length >= 100, `acked ${acked.length}`);
    } finally {
      await hub.close();
      await redis.stop();
    }
  });

  it('a non-persistent Redis restarted: subscribers get sluice-reset, never a silent skip', async () => {
    const redis = await startPrivateRedis({ persistent: false });
    const hub = createRedisHub({ url: redis.url, prefix: 'np:' });
    try {
      const it = hub.subscribe('t')[Symbol.asyncIterator]();
      const before = await hub.publish('t', { data: 'before' });
      assert.equal((await take(it, 1))[0]!.id, before);
      await redis.restart();
      // The reader reconnects, finds the history gone and says so before anything else.
      const [reset] = await take(it, 1, 10_000);
      assert.equal(reset!.event, 'sluice-reset');
      assert.equal(reset!.data, reset!.id);
      assert.equal(reset!.id, `${reset!.id.split('-')[0]}-0-0`, 'at the new epoch start');
      assert.notEqual(reset!.id.split('-')[0], before.split('-')[0], 'a new epoch');
      let afterId: string | undefined;
      const deadline = Date.now() + 10_000;
      while (afterId === undefined && Date.now() < deadline) {
        afterId = await hub.publish('t', { data: 'after' }).catch(() => undefined);
      }
      assert.ok(afterId, 'publishes again after the restart');
      assert.equal(afterId.split('-')[0], reset!.id.split('-')[0]);
      const [next] = await take(it, 1, 10_000);
      assert.equal(next!.id, afterId);
      // The old id is foreign now: a reset at the new epoch's start, then its whole history.
      const epochStart = `${afterId.split('-')[0]}-0-0`;
      const stale = await take(hub.subscribe('t', { from: before })[Symbol.asyncIterator](), 2);
      assert.deepEqual(stale, [
        { id: epochStart, event: 'sluice-reset', data: epochStart },
        { id: afterId, event: undefined, data: 'after' },
      ]);
      await it.return!();
    } finally {
      await hub.close();
      await redis.stop();
    }
  });
});

/** Settles with `p`, or rejects once `ms` passed. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Publishes until Redis acknowledges (it may be restarting). */
async function publishAcked(hub: Hub, topic: string, data: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await hub.publish(topic, { data });
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

describe('redis hub: error replies', () => {
  it('an error reply (WRONGTYPE) fails the publish at once with SLUICE_HUB_REDIS_ERROR, its cause attached, and spends nothing', async () => {
    const prefix = uniquePrefix();
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    const hub = createRedisHub({ url: REDIS_URL, prefix, publishTimeoutMs: 3000 });
    try {
      await raw.set(`${prefix}s:bad`, 'x');
      const t0 = Date.now();
      const err = await hub.publish('bad', { data: 1 }).then(
        () => assert.fail('published'),
        (e: { code?: string; status?: number; cause?: unknown }) => e,
      );
      assert.equal(err.code, 'SLUICE_HUB_REDIS_ERROR');
      assert.equal(err.status, 503);
      assert.ok(err.cause instanceof ErrorReply, 'the node-redis error reply is the cause');
      assert.match((err.cause as Error).message, /^WRONGTYPE/);
      assert.ok(Date.now() - t0 < 1000, 'not retried');
      assert.equal(await raw.get(`${prefix}n:bad`), null, 'no event number spent');
    } finally {
      await hub.close();
      raw.destroy();
    }
  });

  it('a subscriber of a topic Redis refuses ends with SLUICE_HUB_REDIS_ERROR: the iterator throws it, a sink ends with it', async () => {
    const prefix = uniquePrefix();
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    const hub = createRedisHub({ url: REDIS_URL, prefix });
    try {
      await raw.set(`${prefix}s:bad`, 'x');
      const it = hub.subscribe('bad', { from: 'zzzzzzzzzz-1-0' })[Symbol.asyncIterator]();
      await within(assert.rejects(it.next(), { code: 'SLUICE_HUB_REDIS_ERROR' }), 2000, 'iterator');
      const sink = recordingSink();
      hub.attach('bad', sink);
      const reason = await sink.whenEnded(2000);
      assert.equal((reason as { code?: string } | undefined)?.code, 'SLUICE_HUB_REDIS_ERROR');
    } finally {
      await hub.close();
      raw.destroy();
    }
  });

  it('a topic whose key is overwritten while followed fails alone: its subscribers and SSE streams end with SLUICE_HUB_REDIS_ERROR, other topics keep flowing', async () => {
    const prefix = uniquePrefix();
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    const hub = createRedisHub({ url: REDIS_URL, prefix, blockMs: 200 });
    const { url } = await startServer((s) =>
      s.get('/events/{topic}', async (r) => {
        await r.response.sse({ heartbeat: 0 }).subscribe(hub, String(r.get('topic')));
      }),
    );
    try {
      const a = hub.subscribe('a')[Symbol.asyncIterator]();
      const b = hub.subscribe('b')[Symbol.asyncIterator]();
      const sinkB = recordingSink();
      hub.attach('b', sinkB);
      const res = await fetch(`${url}/events/b`);
      const body = res.body!.getReader();
      const dec = new TextDecoder();
      let text = '';
      const sseDone = (async () => {
        for (;;) {
          const { value, done } = await body.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          text += dec.decode(value, { stream: true });
        }
      })();
      // Both followed live (the SSE subscriber too: published until it saw one).
      await hub.publish('a', { data: 'a1' });
      assert.equal((await take(a, 1))[0]!.data, 'a1');
      for (let i = 0; !text.includes('data: b'); i++) {
        assert.ok(i < 200, 'the SSE stream never got an event');
        await hub.publish('b', { data: `b${i}` });
        await new Promise((r) => setTimeout(r, 10));
      }
      await take(b, 1);

      await raw.set(`${prefix}s:b`, 'x'); // b's stream is now a string: XREAD on it fails
      const ids: string[] = [];
      for (let i = 2; i <= 4; i++) ids.push(await hub.publish('a', { data: `a${i}` }));
      const got = await take(a, 3, 3000);
      assert.deepEqual(
        got.map((e) => e.id),
        ids,
        'topic a keeps flowing',
      );
      const drain = async (): Promise<void> => {
        for (;;) if ((await b.next()).done) return;
      };
      await within(assert.rejects(drain(), { code: 'SLUICE_HUB_REDIS_ERROR' }), 3000, 'b iterator');
      const reason = await sinkB.whenEnded(3000);
      assert.equal((reason as { code?: string } | undefined)?.code, 'SLUICE_HUB_REDIS_ERROR');
      await within(sseDone, 3000, 'the SSE stream of b ending');
      // And a still flows after b failed.
      const late = await hub.publish('a', { data: 'late' });
      assert.equal((await take(a, 1, 3000))[0]!.id, late);
      await a.return!();
    } finally {
      await hub.close();
      raw.destroy();
    }
  });

  it('Redis out of memory (maxmemory): the publish and a new subscriber fail with SLUICE_HUB_REDIS_ERROR instead of retrying forever', async () => {
    const redis = await startPrivateRedis({ persistent: false });
    const hub = createRedisHub({ url: redis.url, prefix: 'oom:', publishTimeoutMs: 3000 });
    try {
      await hub.publish('warm', { data: 'up' }); // connected
      await redis.command(['CONFIG', 'SET', 'maxmemory', '1']);
      const t0 = Date.now();
      await assert.rejects(
        hub.publish('t', { data: 1 }),
        (err: { code?: string; cause?: Error }) => {
          assert.equal(err.code, 'SLUICE_HUB_REDIS_ERROR');
          assert.match(err.cause!.message, /^OOM/);
          return true;
        },
      );
      assert.ok(Date.now() - t0 < 1000, 'not retried until the publish timeout');
      // A new topic's first subscriber has to create its epoch: refused too, and said so.
      const it = hub.subscribe('fresh', { from: 'zzzzzzzzzz-1-0' })[Symbol.asyncIterator]();
      await within(assert.rejects(it.next(), { code: 'SLUICE_HUB_REDIS_ERROR' }), 2000, 'iterator');
    } finally {
      await hub.close();
      await redis.stop();
    }
  });
});

describe('redis hub: a history replaced under its readers', () => {
  it('events acknowledged after a non-persistent restart, before this node reconnected, are delivered after the reset, none skipped', async () => {
    const redis = await startPrivateRedis({ persistent: false });
    const proxy = await redis.proxy();
    const a = createRedisHub({ url: redis.url, prefix: 'np:' });
    const b = createRedisHub({ url: proxy.url, prefix: 'np:' }); // its own outage, under control
    try {
      const onB = b.subscribe('t')[Symbol.asyncIterator]();
      const sinkB = recordingSink();
      b.attach('t', sinkB);
      let before = '';
      while (sinkB.ids.length === 0) {
        before = await a.publish('t', { data: 'before' });
        await new Promise((r) => setTimeout(r, 20));
      }
      const seenBefore = await take(onB, sinkB.ids.length);
      assert.equal(seenBefore.at(-1)!.id, before);
      sinkB.ids.length = 0;
      sinkB.frames.length = 0;

      proxy.cut(); // B is away...
      await redis.restart(); // ...while Redis restarts empty...
      const after = [
        await publishAcked(a, 't', 'after-1'),
        await publishAcked(a, 't', 'after-2'),
        await publishAcked(a, 't', 'after-3'),
      ]; // ...and A publishes in the new epoch.
      const epoch = after[0]!.split('-')[0]!;
      assert.notEqual(epoch, before.split('-')[0]);
      proxy.restore();

      const got = await take(onB, 4, 10_000);
      assert.deepEqual(got[0], { id: `${epoch}-0-0`, event: 'sluice-reset', data: `${epoch}-0-0` });
      assert.deepEqual(
        got.slice(1).map((e) => e.id),
        after,
      );
      assert.deepEqual(
        got.slice(1).map((e) => e.data),
        ['after-1', 'after-2', 'after-3'],
      );
      const later = await a.publish('t', { data: 'later' });
      assert.equal((await take(onB, 1, 5000))[0]!.id, later);
      await sinkB.until(5);
      assert.deepEqual(sinkB.ids, [`${epoch}-0-0`, ...after, later]);

      // A client coming back with the pre-restart id, on either node: the same.
      for (const hub of [a, b]) {
        const stale = await take(hub.subscribe('t', { from: before })[Symbol.asyncIterator](), 5);
        assert.deepEqual(
          stale.map((e) => e.id),
          [`${epoch}-0-0`, ...after, later],
        );
        assert.equal(stale[0]!.event, 'sluice-reset');
      }
      await onB.return!();
    } finally {
      await a.close();
      await b.close();
      await proxy.close();
      await redis.stop();
    }
  });

  it('keys deleted while the reader stays connected: a reset at the new epoch start, then the new events under their real ids', async () => {
    const prefix = uniquePrefix();
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    const hub = createRedisHub({ url: REDIS_URL, prefix });
    const other = createRedisHub({ url: REDIS_URL, prefix });
    try {
      const it = hub.subscribe('t')[Symbol.asyncIterator]();
      // A live-only subscriber starts where the topic stood when it went live; a sink attached
      // after it on the same hub goes live after it (one connection, in order): wait for that.
      const marker = hub.attach('t', recordingSink());
      await marker.live;
      marker();
      const first = await other.publish('t', { data: 'before' });
      assert.equal((await take(it, 1))[0]!.id, first);
      await raw.del([`${prefix}s:t`, `${prefix}e:t`, `${prefix}n:t`]);
      const next = [
        await other.publish('t', { data: 'after-1' }),
        await other.publish('t', { data: 'after-2' }),
      ];
      const epoch = next[0]!.split('-')[0]!;
      assert.notEqual(epoch, first.split('-')[0]);
      const got = await take(it, 3);
      assert.deepEqual(got[0], { id: `${epoch}-0-0`, event: 'sluice-reset', data: `${epoch}-0-0` });
      assert.deepEqual(
        got.slice(1).map((e) => e.id),
        next,
        'the ids the publisher was given',
      );
      await it.return!();
    } finally {
      await hub.close();
      await other.close();
      raw.destroy();
    }
  });
});

describe('redis hub: close', () => {
  it('close() while the connections are still being made leaves no connection behind', async () => {
    // A private Redis: its client list holds only this test's connections.
    const redis = await startPrivateRedis({ persistent: false });
    const clients = async (): Promise<number> =>
      String(await redis.command(['CLIENT', 'LIST']))
        .trim()
        .split('\n').length - 1; // minus ours
    try {
      for (let i = 0; i < 60; i++) {
        const hub = createRedisHub({ url: redis.url, prefix: 'c:' });
        // Let the connect start (0 to 3 turns in), then close in the middle of it.
        for (let t = 0; t < i % 4; t++) await new Promise((r) => setImmediate(r));
        await hub.close();
      }
      const deadline = Date.now() + 3000;
      while ((await clients()) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await clients(), 0, 'connections left open after close()');
    } finally {
      await redis.stop();
    }
  });

  it('close() resolves within 1 s when Redis was never reachable, ending subscribers and waiting publishes', async () => {
    const port = await freePort(); // nothing listens there
    const hub = createRedisHub({ url: `redis://127.0.0.1:${port}`, publishTimeoutMs: 30_000 });
    const it = hub.subscribe('t', { from: 'x' })[Symbol.asyncIterator]();
    const pending = it.next();
    const sink = recordingSink();
    hub.attach('t', sink);
    const publishing = hub.publish('t', { data: 1 });
    publishing.catch(() => {});
    await new Promise((r) => setTimeout(r, 300)); // connection attempts under way
    const t0 = Date.now();
    await within(hub.close(), 1000, 'close()');
    assert.ok(Date.now() - t0 < 1000);
    assert.deepEqual(await within(pending, 1000, 'iterator'), { value: undefined, done: true });
    assert.equal((sink.ended as { code?: string } | null)?.code, 'SLUICE_HUB_CLOSED');
    await within(assert.rejects(publishing, { code: 'SLUICE_HUB_CLOSED' }), 1000, 'publish');
  });

  it('close() resolves within 1 s while Redis is down after having been up', async () => {
    const redis = await startPrivateRedis({ persistent: false });
    const hub = createRedisHub({ url: redis.url, prefix: 'c:' });
    try {
      const sink = recordingSink();
      hub.attach('t', sink);
      await hub.publish('t', { data: 1 });
      await sink.until(1);
      await redis.stop();
      const it = hub.subscribe('u', { from: 'x' })[Symbol.asyncIterator]();
      const pending = it.next();
      await new Promise((r) => setTimeout(r, 300)); // the reader is reconnecting
      await within(hub.close(), 1000, 'close()');
      assert.deepEqual(await pending, { value: undefined, done: true });
    } finally {
      await hub.close();
      await redis.stop();
    }
  });
});
