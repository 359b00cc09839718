// A Redis hub reader that falls behind the trimming (entries vanish before it reads them) must
// never skip silently: live subscribers get a sluice-reset, then the events that remain.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createClient } from 'redis';
import { createRedisHub } from '../src/hub/redis/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('redis hub: entries trimmed before the reader saw them', () => {
  it('sends sluice-reset to live subscribers instead of skipping silently', async (t) => {
    const prefix = `sluice-test:${randomBytes(6).toString('hex')}:`;
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    const hub = createRedisHub({ url: REDIS_URL, prefix });
    t.after(async () => {
      await hub.close();
      const keys: string[] = [];
      for await (const batch of raw.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 }))
        keys.push(...batch);
      if (keys.length) await raw.del(keys);
      raw.destroy();
    });
    const ac = new AbortController();
    const seen: Array<{ event: string | undefined; data: string }> = [];
    const reading = (async () => {
      for await (const ev of hub.subscribe('room', { signal: ac.signal })) {
        seen.push({ event: ev.event, data: ev.data });
        if (ev.data === 'third') break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await hub.publish('room', { data: 'first' });
    while (seen.length < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    // Simulate an event published and trimmed before this reader read it: its number is spent.
    await raw.incr(`${prefix}n:room`);
    await hub.publish('room', { data: 'third' });
    await reading;
    ac.abort();
    assert.deepEqual(
      seen.map((e) => e.event ?? e.data),
      ['first', 'sluice-reset', 'third'],
    );
  });
});
