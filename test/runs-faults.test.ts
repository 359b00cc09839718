// Durable runs when Redis fails (a private redis-server, never the shared one): killed and
// restarted mid-run with its data kept (AOF, fsync always), the producer's emits wait and are
// retried (an append whose reply was lost lands once: it carries its sequence number), the
// hub's reader catches up, and the follower gets every token once, in order, then the end.
// Redis gone for longer than publishTimeoutMs: the run fails, its end is written once Redis is
// back, and the follower gets that end instead of an endless stream.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createRuns, type SluiceError } from '../src/index.js';
import { createRedisHub } from '../src/hub/redis/index.js';
import { startPrivateRedis } from './helpers/redis-server.js';
import { memoryLogger, startServer } from './helpers/server.js';
import { endOf, readEvents } from './helpers/runs.js';

describe('durable runs when Redis fails', () => {
  it('Redis SIGKILLed and restarted mid-run (data kept): every token reaches the follower once, in order, then done', async () => {
    const redis = await startPrivateRedis({ persistent: true });
    const hub = createRedisHub({ url: redis.url, prefix: 'faults:', publishTimeoutMs: 10_000 });
    const runs = createRuns(hub, { leaseMs: 4000, logger: memoryLogger() });
    after(async () => {
      await runs.close();
      await hub.close();
      await redis.stop();
    });
    const { url } = await startServer((s) =>
      s.get('/run/{id}', (r) => runs.follow(r, String(r.get('id')))),
    );
    const count = 60;
    const run = await runs.start(async ({ token }) => {
      for (let i = 0; i < count; i++) {
        await token(`${i},`);
        await new Promise((f) => setTimeout(f, 10));
      }
    });
    let restarted: Promise<void> | undefined;
    const { events } = await readEvents(await fetch(`${url}/run/${run.id}`), (_e, all) => {
      if (all.length === 20 && !restarted) restarted = redis.restart();
      return false;
    });
    await restarted;
    const tokens = events.filter((e) => e.event === 'token').map((e) => e.data);
    assert.deepEqual(
      tokens,
      Array.from({ length: count }, (_, i) => `${i},`),
    );
    assert.equal(endOf(events)?.outcome, 'done');
    assert.deepEqual(await run.done, { outcome: 'done' });
  });

  it('Redis down past publishTimeoutMs: the emit rejects, the run fails, and its end is written once Redis is back', async () => {
    const redis = await startPrivateRedis({ persistent: true });
    const proxy = await redis.proxy();
    const hub = createRedisHub({ url: proxy.url, prefix: 'faults2:', publishTimeoutMs: 300 });
    const runs = createRuns(hub, { leaseMs: 60_000, logger: memoryLogger() });
    after(async () => {
      await runs.close();
      await hub.close();
      await proxy.close();
      await redis.stop();
    });
    // Connected first: publishTimeoutMs is about the cut below, not the first connection's setup
    // (the first Redis connection of a process took 110-190 ms on a slow machine).
    for (let i = 0; ; i++) {
      try {
        await hub.publish('warm-up', { data: 'x' });
        break;
      } catch (err) {
        if (i >= 20) throw err;
      }
    }
    let rejected: unknown;
    let producerDone!: () => void;
    const producerEnded = new Promise<void>((resolve) => (producerDone = resolve));
    const run = await runs.start(async ({ token }) => {
      await token('a');
      proxy.cut();
      rejected = await token('b').catch((e: unknown) => e);
      producerDone();
    });
    const end = await run.done;
    await producerEnded;
    assert.equal((rejected as SluiceError).code, 'SLUICE_HUB_UNAVAILABLE');
    assert.equal(end.outcome, 'failed');
    assert.equal(end.code, 'SLUICE_HUB_UNAVAILABLE');
    proxy.restore();
    // The end is retried every 2 s until Redis takes it; a follower then gets it.
    const deadline = Date.now() + 10_000;
    let status = await runs.status(run.id).catch(() => undefined);
    while (status?.state !== 'failed' && Date.now() < deadline) {
      await new Promise((f) => setTimeout(f, 100));
      status = await runs.status(run.id).catch(() => undefined);
    }
    assert.equal(status?.state, 'failed');
    assert.equal(status?.end?.code, 'SLUICE_HUB_UNAVAILABLE');
  });
});
