/**
 * The hub contract: every backend runs this suite (test/hub-memory.test.ts,
 * test/hub-redis.test.ts). A factory makes a fresh hub with the given history bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeEvent } from '../src/codec/sse.js';
import { SSE_CODEC } from '../src/sse/event-stream.js';
import type { Hub, HubEvent, HubSink } from '../src/hub/index.js';

export interface HubOptions {
  maxEvents?: number;
  maxEventSize?: number;
}

export interface HubFactory {
  /** A fresh hub; the suite closes it. */
  make(options?: HubOptions): Promise<Hub>;
  /** Numeric parts of an id after the epoch (memory 1, Redis 2). */
  idParts: 1 | 2;
  /** Events to publish so that the oldest ones leave a history of `maxEvents: 10`. */
  overflow: number;
}

/** Takes `n` events from an iterator, failing after `ms`. */
export async function take(it: AsyncIterator<HubEvent>, n: number, ms = 5000): Promise<HubEvent[]> {
  const out: HubEvent[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out with ${out.length}/${n} events`)),
          left,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** A sink that records frames and resolves when `n` arrived. */
export function recordingSink(): HubSink & {
  frames: Uint8Array[];
  ids: string[];
  ended: Error | undefined | null;
  until(n: number, ms?: number): Promise<void>;
  /** Resolves the end reason once `end` was called, failing after `ms`. */
  whenEnded(ms?: number): Promise<Error | undefined>;
} {
  const waiters: { n: number; resolve: () => void }[] = [];
  let onEnd: ((reason: Error | undefined) => void) | undefined;
  const sink = {
    codec: SSE_CODEC,
    frames: [] as Uint8Array[],
    ids: [] as string[],
    ended: null as Error | undefined | null,
    write(frame: Uint8Array, id: string) {
      sink.frames.push(frame);
      sink.ids.push(id);
      for (const w of waiters) if (sink.frames.length >= w.n) w.resolve();
    },
    end(reason?: Error) {
      sink.ended = reason;
      onEnd?.(reason);
    },
    whenEnded(ms = 5000) {
      if (sink.ended !== null) return Promise.resolve(sink.ended);
      return new Promise<Error | undefined>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the sink was not ended')), ms);
        onEnd = (reason) => (clearTimeout(t), resolve(reason));
      });
    },
    until(n: number, ms = 5000) {
      if (sink.frames.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`sink got ${sink.frames.length}/${n}`)), ms);
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
  };
  return sink;
}

let topicCounter = 0;
const topicName = (): string => `t${process.pid}-${++topicCounter}`;

/** Replaces the last numeric part of an id with a bigger one (an id from the future). */
function bump(id: string, by: number): string {
  const parts = id.split('-');
  const i = parts.length === 3 ? 1 : parts.length - 1;
  parts[i] = String(Number(parts[i]) + by);
  return parts.join('-');
}

export function hubContract(name: string, factory: HubFactory): void {
  const withHub = (title: string, fn: (hub: Hub) => Promise<void>, options?: HubOptions): void => {
    it(title, async () => {
      const hub = await factory.make(options);
      try {
        await fn(hub);
      } finally {
        await hub.close();
      }
    });
  };

  describe(`hub contract: ${name}`, () => {
    withHub(
      'delivers published events in order, strings as-is and other values as JSON',
      async (hub) => {
        const t = topicName();
        const it = hub.subscribe(t)[Symbol.asyncIterator]();
        const ids: string[] = [];
        for (let i = 0; i < 30; i++)
          ids.push(
            await hub.publish(t, {
              data: i % 2 ? `s${i}` : { i },
              event: i === 3 ? 'x' : undefined,
            }),
          );
        const got = await take(it, 30);
        assert.deepEqual(
          got.map((e) => e.id),
          ids,
        );
        assert.equal(got[1]!.data, 's1');
        assert.equal(got[2]!.data, '{"i":2}');
        assert.equal(got[3]!.event, 'x');
        assert.equal(got[4]!.event, undefined);
        assert.equal(new Set(ids).size, 30);
        await it.return!();
      },
    );

    withHub(
      'replays after from, then live, with no gap and no duplicate under concurrent publishes',
      async (hub) => {
        const t = topicName();
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) ids.push(await hub.publish(t, { data: i }));
        const publisher = (async () => {
          for (let i = 20; i < 80; i++) ids.push(await hub.publish(t, { data: i }));
        })();
        await new Promise((r) => setImmediate(r));
        const it = hub.subscribe(t, { from: ids[4]! })[Symbol.asyncIterator]();
        const sink = recordingSink();
        const detach = hub.attach(t, sink, { from: ids[9]! });
        await publisher;
        const got = await take(it, 75);
        assert.deepEqual(
          got.map((e) => e.id),
          ids.slice(5),
        );
        assert.deepEqual(
          got.map((e) => e.data),
          ids.slice(5).map((_, i) => String(i + 5)),
        );
        await sink.until(70);
        assert.deepEqual(sink.ids, ids.slice(10));
        detach();
        await it.return!();
      },
    );

    withHub('resumes from the head id with nothing to replay, then goes live', async (hub) => {
      const t = topicName();
      const head = await hub.publish(t, { data: 'a' });
      const it = hub.subscribe(t, { from: head })[Symbol.asyncIterator]();
      const next = await hub.publish(t, { data: 'b' });
      const [ev] = await take(it, 1);
      assert.equal(ev!.id, next);
      await it.return!();
    });

    const start = (epochOf: string): string =>
      `${epochOf.split('-')[0]}-0${factory.idParts === 2 ? '-0' : ''}`;
    const resetCases: [string, (head: string) => string][] = [
      ['malformed', () => 'not an id'],
      [
        'longer than 128 bytes',
        (head) => `${head.split('-')[0]}${'0'.repeat(130)}-1${factory.idParts === 2 ? '-0' : ''}`,
      ],
      ['of a foreign epoch', (head) => head.replace(/^[^-]+/, 'zzzzzzzzzz')],
    ];
    for (const [title, from] of resetCases) {
      withHub(
        `a from ${title} yields sluice-reset at the start of the current epoch, then its whole history, then live events`,
        async (hub) => {
          const t = topicName();
          const first = await hub.publish(t, { data: 1 });
          const head = await hub.publish(t, { data: 2 });
          const stale = from(head);
          const at = start(head);
          const it = hub.subscribe(t, { from: stale })[Symbol.asyncIterator]();
          const sink = recordingSink();
          const detach = hub.attach(t, sink, { from: stale });
          const live = await hub.publish(t, { data: 3 });
          const got = await take(it, 4);
          assert.deepEqual(got[0], { id: at, event: 'sluice-reset', data: at });
          assert.deepEqual(
            got.slice(1).map((e) => e.id),
            [first, head, live],
          );
          await sink.until(4);
          assert.equal(
            Buffer.from(sink.frames[0]!).toString(),
            encodeEvent({ id: at, event: 'sluice-reset', data: at }),
          );
          assert.deepEqual(sink.ids, [at, first, head, live]);
          // Resuming from the reset's id is resuming from the epoch's start: no second reset.
          const again = await take(hub.subscribe(t, { from: at })[Symbol.asyncIterator](), 3);
          assert.deepEqual(
            again.map((e) => e.id),
            [first, head, live],
          );
          detach();
          await it.return!();
        },
      );
    }

    withHub(
      'a from in the future yields sluice-reset with the head id, then live events',
      async (hub) => {
        const t = topicName();
        await hub.publish(t, { data: 1 });
        const head = await hub.publish(t, { data: 2 });
        const stale = bump(head, 1000);
        const it = hub.subscribe(t, { from: stale })[Symbol.asyncIterator]();
        const sink = recordingSink();
        const detach = hub.attach(t, sink, { from: stale });
        const live = await hub.publish(t, { data: 3 });
        const got = await take(it, 2);
        assert.deepEqual(got[0], { id: head, event: 'sluice-reset', data: head });
        assert.equal(got[1]!.id, live);
        await sink.until(2);
        assert.deepEqual(sink.ids, [head, live]);
        detach();
        await it.return!();
      },
    );

    withHub(
      'a from older than the retained history yields sluice-reset just before the oldest kept event, then every kept event',
      async (hub) => {
        const t = topicName();
        const ids: string[] = [];
        for (let i = 0; i < factory.overflow; i++) ids.push(await hub.publish(t, { data: i }));
        const head = ids[ids.length - 1]!;
        const it = hub.subscribe(t, { from: ids[0]! })[Symbol.asyncIterator]();
        const [reset] = await take(it, 1);
        assert.equal(reset!.event, 'sluice-reset');
        assert.equal(reset!.data, reset!.id);
        const live = await hub.publish(t, { data: 'live' });
        // Then the kept history: a tail of what was published, up to the head, then live.
        const kept: HubEvent[] = [];
        for (;;) {
          const [ev] = await take(it, 1);
          if (ev!.id === live) break;
          kept.push(ev!);
        }
        assert.ok(kept.length > 0 && kept.length < ids.length, `kept ${kept.length}`);
        assert.deepEqual(
          kept.map((e) => e.id),
          ids.slice(ids.length - kept.length),
        );
        assert.equal(kept[kept.length - 1]!.id, head);
        if (factory.idParts === 1) assert.equal(reset!.id, ids[ids.length - kept.length - 1]);
        // The reset's id stands just before the oldest kept event: resuming from it is no gap.
        const resumed = await take(
          hub.subscribe(t, { from: reset!.id })[Symbol.asyncIterator](),
          kept.length + 1,
        );
        assert.deepEqual(
          resumed.map((e) => e.id),
          [...kept.map((e) => e.id), live],
        );
        await it.return!();
      },
      { maxEvents: 10 },
    );

    withHub(
      'a topic with no history and a from of a foreign epoch yields sluice-reset at the epoch start',
      async (hub) => {
        const t = topicName();
        const foreign = factory.idParts === 2 ? 'zzzzzzzzzz-5-0' : 'zzzzzzzzzz-5';
        const it = hub.subscribe(t, { from: foreign })[Symbol.asyncIterator]();
        const [ev] = await take(it, 1);
        assert.equal(ev!.event, 'sluice-reset');
        assert.equal(ev!.data, ev!.id);
        assert.equal(ev!.id, start(ev!.id));
        assert.notEqual(ev!.id, foreign);
        const live = await hub.publish(t, { data: 'x' });
        const [next] = await take(it, 1);
        assert.equal(next!.id, live);
        await it.return!();
      },
    );

    withHub('captures data as JSON at publish: later mutation is not seen', async (hub) => {
      const t = topicName();
      const it = hub.subscribe(t)[Symbol.asyncIterator]();
      const value = { n: 1, list: [1] };
      const p = hub.publish(t, { data: value });
      value.n = 2;
      value.list.push(2);
      const id = await p;
      value.n = 3;
      const [ev] = await take(it, 1);
      assert.deepEqual(ev, { id, event: undefined, data: '{"n":1,"list":[1]}' });
      const replayed = await take(
        hub
          .subscribe(t, { from: `${id.split('-')[0]}-0${factory.idParts === 2 ? '-0' : ''}` })
          [Symbol.asyncIterator](),
        1,
      );
      assert.equal(replayed[0]!.data, '{"n":1,"list":[1]}');
      await it.return!();
    });

    withHub(
      'rejects data JSON cannot represent, and reserved or unsafe event names',
      async (hub) => {
        const t = topicName();
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        for (const data of [undefined, 10n, cyclic, () => 1, Symbol('s')]) {
          await assert.rejects(hub.publish(t, { data }), { code: 'SLUICE_HUB_DATA' });
        }
        await assert.rejects(hub.publish(t, { data: 1, event: 'sluice-reset' }), {
          code: 'SLUICE_HUB_RESERVED_EVENT',
        });
        await assert.rejects(hub.publish(t, { data: 1, event: 'a\nb' }), {
          code: 'SLUICE_SSE_FIELD',
        });
      },
    );

    withHub(
      'cuts off an iterator that falls behind its queue bound with SLUICE_HUB_SLOW_SUBSCRIBER',
      async (hub) => {
        const t = topicName();
        const it = hub.subscribe(t, { maxQueue: 5 })[Symbol.asyncIterator]();
        const sink = recordingSink();
        const detach = hub.attach(t, sink);
        for (let i = 0; i < 20; i++) await hub.publish(t, { data: i });
        await sink.until(20);
        let read = 0;
        await assert.rejects(
          (async () => {
            for (;;) {
              const r = await it.next();
              if (r.done) break;
              read++;
            }
          })(),
          { code: 'SLUICE_HUB_SLOW_SUBSCRIBER' },
        );
        assert.ok(read <= 5, `read ${read}`);
        // Cut off means removed: the topic keeps working for the others.
        await hub.publish(t, { data: 'after' });
        await sink.until(21);
        detach();
      },
    );

    withHub(
      'attach() gives every sink the same Uint8Array object per event, holding the SSE frame',
      async (hub) => {
        const t = topicName();
        const a = recordingSink();
        const b = recordingSink();
        const detachA = hub.attach(t, a);
        const detachB = hub.attach(t, b);
        const ids = [
          await hub.publish(t, { data: 'one\ntwo', event: 'm' }),
          await hub.publish(t, { data: { k: 'v' } }),
        ];
        await a.until(2);
        await b.until(2);
        for (let i = 0; i < 2; i++) assert.equal(a.frames[i], b.frames[i]);
        assert.equal(
          Buffer.from(a.frames[0]!).toString(),
          encodeEvent({ id: ids[0], event: 'm', data: 'one\ntwo' }),
        );
        assert.equal(
          Buffer.from(a.frames[1]!).toString(),
          encodeEvent({ id: ids[1], data: '{"k":"v"}' }),
        );
        assert.deepEqual(a.ids, ids);
        detachA();
        detachB();
      },
    );

    withHub('detach() stops delivery to that sink only', async (hub) => {
      const t = topicName();
      const a = recordingSink();
      const b = recordingSink();
      const detachA = hub.attach(t, a);
      const detachB = hub.attach(t, b);
      await hub.publish(t, { data: 1 });
      await a.until(1);
      detachA();
      await hub.publish(t, { data: 2 });
      await hub.publish(t, { data: 3 });
      await b.until(3);
      assert.equal(a.frames.length, 1);
      assert.equal(a.ended, null, 'detach is not an end');
      detachB();
    });

    withHub('an aborted signal or a break removes the iterator', async (hub) => {
      const t = topicName();
      const ac = new AbortController();
      const it = hub.subscribe(t, { signal: ac.signal })[Symbol.asyncIterator]();
      await hub.publish(t, { data: 1 });
      await take(it, 1);
      const pending = it.next();
      ac.abort();
      assert.deepEqual(await pending, { value: undefined, done: true });
      let seen = 0;
      const sink = recordingSink();
      const detach = hub.attach(t, sink);
      const loop = (async () => {
        for await (const _ of hub.subscribe(t)) {
          seen++;
          break;
        }
      })();
      await hub.publish(t, { data: 2 });
      await loop;
      await hub.publish(t, { data: 3 });
      await sink.until(2);
      assert.equal(seen, 1);
      detach();
    });

    withHub(
      'refuses an event whose data text plus event name pass maxEventSize (UTF-8 bytes), with status 413',
      async (hub) => {
        const t = topicName();
        const it = hub.subscribe(t)[Symbol.asyncIterator]();
        // 33 x '€' is 99 UTF-8 bytes (33 UTF-16 units): with the 1-byte name, exactly 100.
        const fits = await hub.publish(t, { data: '€'.repeat(33), event: 'x' });
        await assert.rejects(
          hub.publish(t, { data: '€'.repeat(33), event: 'xy' }),
          (err: { code?: string; status?: number }) => {
            assert.equal(err.code, 'SLUICE_HUB_EVENT_TOO_LARGE');
            assert.equal(err.status, 413);
            return true;
          },
        );
        // A string counts as-is, any other value as its JSON text ({"k":"..."} adds 8 bytes).
        const exact = await hub.publish(t, { data: 'a'.repeat(100) });
        await hub.publish(t, { data: { k: 'a'.repeat(92) } });
        await assert.rejects(hub.publish(t, { data: { k: 'a'.repeat(93) } }), {
          code: 'SLUICE_HUB_EVENT_TOO_LARGE',
        });
        const got = await take(it, 3);
        assert.deepEqual(
          got.slice(0, 2).map((e) => e.id),
          [fits, exact],
        );
        assert.equal(got[2]!.data.length, 100);
        await it.return!();
      },
      { maxEventSize: 100 },
    );

    withHub('maxEventSize defaults to 256 KiB', async (hub) => {
      const t = topicName();
      await hub.publish(t, { data: 'a'.repeat(256 * 1024) });
      await assert.rejects(hub.publish(t, { data: 'a'.repeat(256 * 1024 + 1) }), {
        code: 'SLUICE_HUB_EVENT_TOO_LARGE',
      });
      await assert.rejects(hub.publish(t, { data: 'a'.repeat(256 * 1024 - 1), event: 'ab' }), {
        code: 'SLUICE_HUB_EVENT_TOO_LARGE',
      });
    });

    withHub(
      'refuses a topic name that is not well-formed Unicode of 1 to 256 UTF-8 bytes at publish, subscribe and attach',
      async (hub) => {
        const bad = [
          '',
          'a\uD800b',
          '\uDC00',
          'x'.repeat(257),
          '€'.repeat(86),
          5 as unknown as string,
        ];
        for (const name of bad) {
          await assert.rejects(
            hub.publish(name, { data: 1 }),
            { code: 'SLUICE_HUB_TOPIC' },
            JSON.stringify(name),
          );
          await assert.rejects(hub.subscribe(name)[Symbol.asyncIterator]().next(), {
            code: 'SLUICE_HUB_TOPIC',
          });
          assert.throws(() => hub.attach(name, recordingSink()), { code: 'SLUICE_HUB_TOPIC' });
        }
        // The edges that are fine: 256 ASCII bytes, 85 x '€' (255 bytes), a surrogate pair.
        for (const name of ['y'.repeat(256), '€'.repeat(85), `${topicName()}😀`]) {
          const it = hub.subscribe(name)[Symbol.asyncIterator]();
          const id = await hub.publish(name, { data: name });
          const [ev] = await take(it, 1);
          assert.equal(ev!.id, id);
          assert.equal(ev!.data, name);
          await it.return!();
        }
      },
    );

    withHub(
      'attach() registers at once and returns the detach function, not a promise',
      async (hub) => {
        const t = topicName();
        const sink = recordingSink();
        const detach = hub.attach(t, sink);
        assert.equal(typeof detach, 'function');
        assert.ok(!((detach as unknown) instanceof Promise));
        const other = recordingSink();
        const detachOther = hub.attach(t, other);
        detach(); // before anything arrived: nothing more reaches it, and it is not ended
        await hub.publish(t, { data: 1 });
        await other.until(1);
        assert.equal(sink.frames.length, 0);
        assert.equal(sink.ended, null);
        detachOther();
      },
    );

    it('close() ends iterators, ends sinks with SLUICE_HUB_CLOSED and refuses publishes', async () => {
      const hub = await factory.make();
      const t = topicName();
      const it = hub.subscribe(t)[Symbol.asyncIterator]();
      const sink = recordingSink();
      hub.attach(t, sink);
      await hub.publish(t, { data: 1 });
      await sink.until(1);
      await take(it, 1);
      const pending = it.next();
      await hub.close();
      assert.deepEqual(await pending, { value: undefined, done: true });
      assert.equal((sink.ended as { code?: string } | undefined)?.code, 'SLUICE_HUB_CLOSED');
      await assert.rejects(hub.publish(t, { data: 2 }), { code: 'SLUICE_HUB_CLOSED' });
      assert.throws(() => hub.attach(t, recordingSink()), { code: 'SLUICE_HUB_CLOSED' });
      await assert.rejects(hub.subscribe(t)[Symbol.asyncIterator]().next(), {
        code: 'SLUICE_HUB_CLOSED',
      });
      await hub.close();
    });
  });
}
