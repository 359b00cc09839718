// es.subscribe(hub, topic): replay after Last-Event-ID, then live, over the fast path (frames
// pushed into the stream, coalesced per turn), for the memory hub and the Redis hub.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHub, type Hub } from '../src/index.js';
import { createRedisHub } from '../src/hub/redis/index.js';
import { startServer, waitFor } from './helpers/server.js';

const backends: Array<[string, () => Hub]> = [
  ['memory', () => createHub()],
  [
    'redis',
    () =>
      createRedisHub({
        url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        prefix: `sluice-test:${process.pid}:${Math.random().toString(36).slice(2)}:`,
      }),
  ],
];

for (const [name, makeHub] of backends) {
  describe(`es.subscribe over the ${name} hub`, () => {
    it('streams live events, then resumes after Last-Event-ID with nothing lost or repeated', async (t) => {
      const hub = makeHub();
      t.after(() => hub.close());
      const { url } = await startServer((s) =>
        s.get('/live/{topic}', async (r) => {
          const es = r.response.sse({ heartbeat: 0 });
          await es.subscribe(hub, r.get('topic') as string);
        }),
      );
      const ac = new AbortController();
      const res = await fetch(`${url}/live/room`, { signal: ac.signal });
      const reader = res.body!.getReader();
      let text = '';
      const ids: string[] = [];
      const pump = (async () => {
        const dec = new TextDecoder();
        for (;;) {
          const { value, done } = await reader
            .read()
            .catch(() => ({ value: undefined, done: true }));
          if (done) break;
          text += dec.decode(value, { stream: true });
        }
      })();
      // Publish until the subscriber sees events (it subscribes asynchronously).
      await waitFor(() => true);
      let n = 0;
      while (!text.includes('data: ')) {
        ids.push(await hub.publish('room', { data: `m${n++}` }));
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (n > 100) throw new Error('no event arrived');
      }
      for (let i = 0; i < 5; i++)
        ids.push(await hub.publish('room', { data: `m${n++}`, event: 'chat' }));
      await waitFor(() => text.includes(`data: m${n - 1}\n`), 3000, 'live events');
      ac.abort();
      await pump;
      const lastSeen = /id: ([^\n]+)\n(?:event: chat\n)?data: m\d+\n\n$/.exec(text)?.[1];
      assert.ok(lastSeen, 'events carry ids');
      // Missed while away:
      const missed = [];
      for (let i = 0; i < 3; i++) missed.push(`m${n++}`);
      for (const m of missed) await hub.publish('room', { data: m });
      const again = await fetch(`${url}/live/room`, { headers: { 'last-event-id': lastSeen } });
      const r2 = again.body!.getReader();
      let resumed = '';
      const dec = new TextDecoder();
      while (!resumed.includes(`data: ${missed.at(-1)}\n`)) {
        const { value, done } = await r2.read();
        if (done) break;
        resumed += dec.decode(value, { stream: true });
      }
      await r2.cancel();
      const datas = [...resumed.matchAll(/data: (m\d+)/g)].map((m) => m[1]);
      assert.deepEqual(datas, missed);
    });
  });
}

describe('es.subscribe failures', () => {
  it('rejects (never throws synchronously) for a bad topic and a closed hub, and the stream still ends cleanly', async (t) => {
    const hub = createHub();
    const closed = createHub();
    await closed.close();
    t.after(() => hub.close());
    const { url } = await startServer((s) =>
      s.get('/bad/{which}', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        const target = r.get('which') === 'closed' ? closed : hub;
        let promise: Promise<void> | undefined;
        try {
          promise = es.subscribe(target, r.get('which') === 'closed' ? 'room' : '');
        } catch {
          await es.send({ event: 'sync-throw', data: 'x' });
          return;
        }
        const code = await promise.then(
          () => 'resolved',
          (err: { code?: string }) => err.code ?? 'no code',
        );
        await es.send({ event: 'result', data: code });
      }),
    );
    const bad = await (await fetch(`${url}/bad/empty`)).text();
    assert.match(bad, /event: result\ndata: SLUICE_HUB_TOPIC\n/);
    const gone = await (await fetch(`${url}/bad/closed`)).text();
    assert.match(gone, /event: result\ndata: SLUICE_HUB_CLOSED\n/);
  });
});
