/**
 * The Redis hub (`sluice/redis`): the hub interface across processes and machines, on Redis
 * Streams, with node-redis (the `redis` package, an optional peer dependency).
 *
 * Keys, under `prefix`: `<prefix>s:<topic>` (the stream) and `<prefix>e:<topic>` (the epoch of
 * its history). An event id is `<epoch>-<ms>-<seq>`: the epoch plus the stream id, so any node
 * can resume any client. Redis Cluster is not supported (the one `XREAD` spans every topic's
 * key); use a single primary, with replicas or Sentinel for availability.
 */
import { SluiceError } from '../../errors/index.js';
import {
  assertTopic,
  captureInput,
  DEFAULT_MAX_EVENT_SIZE,
  makeEntry,
  makeResetEntry,
  positiveOption,
  type Entry,
} from '../entry.js';
import { newEpoch, parseId } from '../event-id.js';
import { hubStats } from '../stats.js';
import { QueueSubscriber, SinkSubscriber, detachOf, type Subscriber } from '../subscriber.js';
import type { Detach, Hub, HubEvent, HubSink, PublishInput, SubscribeOptions } from '../types.js';
import {
  closeWithin,
  isErrorReply,
  isTransientReply,
  neverSent,
  openConnections,
  type RedisClientLike,
  type RedisConnection,
  type RedisErrorClasses,
} from './connection.js';
import {
  compareStreamIds,
  entryFields,
  keptStart,
  parseState,
  PUBLISH_SCRIPT,
  retentionGap,
  splitStreamId,
  STATE_SCRIPT,
  xreadStreams,
  type RawEntry,
  type TopicState,
} from './scripts.js';

import { RUN_STORE, type RunLimits, type RunStore } from '../run-store.js';
import { RedisRunStore } from './runs.js';

export type { RedisClientLike } from './connection.js';

/**
 * Options of `createRedisHub`.
 * @example createRedisHub({ url: 'redis://10.0.0.5:6379', history: { maxEvents: 5000 } })
 */
export interface RedisHubOptions {
  /** Redis URL (default `redis://127.0.0.1:6379`); ignored when `client` is given. */
  url?: string;
  /**
   * A node-redis client to take settings from: the hub calls `client.duplicate()` twice (a
   * command connection with the offline queue disabled, and the blocking connection) and
   * never uses or closes the client itself.
   */
  client?: RedisClientLike;
  history?: {
    /** Approximate events kept per topic (`XADD MAXLEN ~`, default 1000). */
    maxEvents?: number;
  };
  /** Key prefix (default `sluice:`). */
  prefix?: string;
  /** Longest `XREAD BLOCK` in ms (default 1000); a new topic also interrupts it at once. */
  blockMs?: number;
  /** How long a publish waits for a connection before `SLUICE_HUB_UNAVAILABLE` (default 5000 ms). */
  publishTimeoutMs?: number;
  /** Publishes allowed to wait for a connection at once; more fail at once (default 1000). */
  maxPendingPublishes?: number;
  /** Default bound of the `subscribe()` iterator's queue of unread live events (default 1024). */
  maxQueue?: number;
  /**
   * Largest event `publish` accepts, in UTF-8 bytes of the captured data text plus the event
   * name (default 256 KiB). A larger one is refused with `SLUICE_HUB_EVENT_TOO_LARGE` (413)
   * before it reaches Redis, so every event in history can be delivered.
   */
  maxEventSize?: number;
}

interface RTopic {
  readonly name: string;
  readonly key: string;
  readonly epochKey: string;
  readonly subs: Set<Subscriber>;
  /** Known once the first subscriber's state arrived; then the reader follows the topic. */
  epoch: string | undefined;
  /** The last stream id the reader has seen (never `$`). */
  lastId: string | undefined;
  /** The number of the last event the reader delivered (publishes number events per topic). */
  lastN: number | undefined;
}

const CANCELLED = Symbol('cancelled');

/**
 * Fires once. Waits made through it end as soon as it fires, their timers cleared: the hub
 * closing ends every wait at once, a subscriber leaving ends its own state fetch at once.
 */
class Cancel {
  fired = false;
  private readonly listeners = new Set<() => void>();

  fire(): void {
    if (this.fired) return;
    this.fired = true;
    for (const l of this.listeners) l();
    this.listeners.clear();
  }

  /** `p`'s outcome, or `CANCELLED` once this fires (or `ms` passed, when given). */
  race<T>(p: Promise<T>, ms?: number): Promise<T | typeof CANCELLED> {
    if (this.fired) return Promise.resolve(CANCELLED);
    return new Promise<T | typeof CANCELLED>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = (): void => {
        clearTimeout(timer);
        this.listeners.delete(stop);
        resolve(CANCELLED);
      };
      this.listeners.add(stop);
      if (ms !== undefined) timer = setTimeout(stop, Math.max(0, ms));
      p.then(
        (v) => {
          clearTimeout(timer);
          this.listeners.delete(stop);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          this.listeners.delete(stop);
          reject(err as Error);
        },
      );
    });
  }

  /** Resolves after `ms`, or at once when this fires. */
  sleep(ms: number): Promise<void> {
    if (this.fired) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(done);
    });
  }
}

/** The error a subscriber or publish fails with when Redis answered with an error reply. */
function redisError(err: unknown): SluiceError {
  return new SluiceError('SLUICE_HUB_REDIS_ERROR', (err as Error).message, { cause: err });
}

/**
 * Creates a hub on Redis Streams. Connects in the background; publishes wait for it (up to
 * `publishTimeoutMs`). A publish is retried only when it provably never reached Redis (the
 * connection was down); a publish whose reply was lost rejects with `SLUICE_HUB_PUBLISH_FAILED`
 * (retrying could duplicate it). An error reply from Redis (WRONGTYPE, OOM, ...) is never
 * retried: the publish rejects with `SLUICE_HUB_REDIS_ERROR`, and the subscribers of a topic
 * whose key Redis refuses to read end with it while every other topic keeps flowing (LOADING,
 * BUSY, MASTERDOWN and TRYAGAIN replies mean "not now" and are waited out like an outage).
 * Live events come from one blocking `XREAD` loop per hub over every topic with local
 * subscribers; after an outage it reconnects with backoff and catches up from the last ids, and
 * a history replaced meanwhile (a non-persistent Redis restarted, keys deleted) is sent to
 * subscribers as `sluice-reset` at the new epoch's start, then the new history from its
 * beginning. `close()` is prompt whatever the connections are doing.
 * Defaults: `url` `redis://127.0.0.1:6379`, `prefix` `sluice:`, history 1000 events (approx.),
 * `blockMs` 1000, `publishTimeoutMs` 5000, `maxPendingPublishes` 1000, `maxQueue` 1024,
 * `maxEventSize` 256 KiB.
 * @example
 * import { createRedisHub } from 'sluice/redis';
 * const hub = createRedisHub({ url: process.env.REDIS_URL });
 * await hub.publish('chat', { data: { text: 'hi' } });
 */
export function createRedisHub(options: RedisHubOptions = {}): Hub {
  return new RedisHub(options);
}

/** How long `close()` lets the command connection finish replies in flight before cutting it. */
const CLOSE_GRACE_MS = 250;

class RedisHub implements Hub {
  private readonly prefix: string;
  private readonly maxEvents: string;
  private readonly blockMs: string;
  private readonly publishTimeoutMs: number;
  private readonly maxPendingPublishes: number;
  private readonly maxQueue: number;
  private readonly maxEventSize: number;
  private readonly topics = new Map<string, RTopic>();
  private cmd: RedisConnection | undefined;
  private blk: RedisConnection | undefined;
  private errors: RedisErrorClasses | undefined;
  private readonly started: Promise<void>;
  /** True once both connections connected for the first time (`started` resolved). */
  private connected = false;
  /** Why the start failed (no `redis` package), for the waits that depend on it. */
  private startError: Error | undefined;
  private closed = false;
  /** Fired by `close()`: ends the waits of the read loop, of recovery and of publishes. */
  private readonly closing = new Cancel();
  /** The state fetches in flight, one per subscriber being started; `close()` fires them. */
  private readonly fetches = new Set<Cancel>();
  private pendingPublishes = 0;
  /** The blocking connection's `CLIENT ID`, for `CLIENT UNBLOCK`. */
  private blkId = '';
  /** Bumped when the set of followed topics grows; a read of an older generation is interrupted. */
  private generation = 0;
  private blockedGeneration = -1;
  private unblocking = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: RedisHubOptions) {
    this.prefix = options.prefix ?? 'sluice:';
    this.maxEvents = String(options.history?.maxEvents ?? 1000);
    this.blockMs = String(options.blockMs ?? 1000);
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.maxPendingPublishes = options.maxPendingPublishes ?? 1000;
    this.maxQueue = options.maxQueue ?? 1024;
    this.maxEventSize = positiveOption(
      options.maxEventSize,
      DEFAULT_MAX_EVENT_SIZE,
      'maxEventSize',
    );
    this.started = this.start();
    this.started.catch((err: unknown) => {
      if (!this.closed) this.startError = err as Error;
    });
  }

  private async start(): Promise<void> {
    const { cmd, blk, errors } = await openConnections(this.options);
    this.errors = errors;
    if (this.closed) return; // never connected: nothing to close
    cmd.on('error', () => {}); // reconnects by itself; failures surface on commands
    blk.on('error', () => {});
    this.cmd = cmd;
    this.blk = blk;
    try {
      await Promise.all([cmd.connect(), blk.connect()]);
    } finally {
      // close() ran while connecting: a connection that completed after it must not linger.
      if (this.closed) {
        destroyQuietly(cmd);
        destroyQuietly(blk);
      }
    }
    if (this.closed) return;
    this.connected = true;
    this.loop = this.readLoop();
  }

  private isReply(err: unknown): boolean {
    return this.errors !== undefined && isErrorReply(err, this.errors);
  }

  /** An error reply that is final (not a passing server state). */
  private isFinalReply(err: unknown): boolean {
    return this.isReply(err) && !isTransientReply(err);
  }

  // ---- publish ----------------------------------------------------------------------------

  async publish(name: string, input: PublishInput): Promise<string> {
    if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
    assertTopic(name);
    const { event, data } = captureInput(input, this.maxEventSize);
    const args = [
      'EVAL',
      PUBLISH_SCRIPT,
      '3',
      this.streamKey(name),
      this.epochKey(name),
      this.counterKey(name),
      newEpoch(),
      this.maxEvents,
      data,
    ];
    if (event !== undefined) args.push(event);
    const deadline = Date.now() + this.publishTimeoutMs;
    let waiting = false;
    try {
      for (;;) {
        if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
        if (this.startError) throw this.startError;
        const cmd = this.cmd;
        if (this.connected && cmd?.isReady) {
          try {
            const reply = (await cmd.sendCommand(args)) as [string, string];
            hubStats.published++;
            return `${String(reply[0])}-${String(reply[1])}`;
          } catch (err) {
            if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED', undefined, { cause: err });
            if (this.isFinalReply(err)) throw redisError(err);
            // Went offline before the write, or Redis said "not now": it never ran, so it is
            // safe to wait and try again. Anything else may have run: never retried.
            if (!neverSent(err, this.errors!) && !this.isReply(err)) {
              throw new SluiceError('SLUICE_HUB_PUBLISH_FAILED', (err as Error).message, {
                cause: err,
              });
            }
          }
        }
        if (!waiting) {
          if (this.pendingPublishes >= this.maxPendingPublishes) {
            throw new SluiceError(
              'SLUICE_HUB_UNAVAILABLE',
              `${this.pendingPublishes} publishes already wait for Redis`,
            );
          }
          this.pendingPublishes++;
          waiting = true;
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new SluiceError(
            'SLUICE_HUB_UNAVAILABLE',
            `no connection within ${this.publishTimeoutMs} ms`,
          );
        }
        // Before the first connection, wait on `started` (FIFO with subscribes, so a
        // subscribe() made before this publish reaches Redis first); later, poll.
        if (!this.connected) await this.closing.race(this.started, left).catch(() => {});
        else await this.closing.sleep(Math.min(20, left));
      }
    } finally {
      if (waiting) this.pendingPublishes--;
    }
  }

  // ---- subscribe --------------------------------------------------------------------------

  subscribe(name: string, options: SubscribeOptions = {}): AsyncIterable<HubEvent> {
    const sub = new QueueSubscriber(options.maxQueue ?? this.maxQueue, options.signal);
    if (sub.isEnded) return sub;
    try {
      if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
      assertTopic(name);
    } catch (err) {
      sub.finish(err as Error);
      return sub;
    }
    this.start_(name, sub, options.from);
    return sub;
  }

  attach(name: string, sink: HubSink, options: { from?: string } = {}): Detach {
    if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
    assertTopic(name);
    const sub = new SinkSubscriber(sink);
    this.start_(name, sub, options.from);
    return detachOf(sub);
  }

  /**
   * Registers at once (holding live events), then fetches state and replay in the background,
   * then goes live. A failure ends the subscriber with its reason; detaching stops the fetch.
   */
  private start_(name: string, sub: Subscriber, from: string | undefined): void {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = {
        name,
        key: this.streamKey(name),
        epochKey: this.epochKey(name),
        subs: new Set(),
        epoch: undefined,
        lastId: undefined,
        lastN: undefined,
      };
      this.topics.set(name, topic);
    }
    const t = topic;
    const cancel = new Cancel();
    this.fetches.add(cancel);
    sub.hold();
    t.subs.add(sub);
    sub.detach = () => {
      if (sub.removed) return;
      sub.removed = true;
      cancel.fire();
      t.subs.delete(sub);
      if (t.subs.size === 0 && this.topics.get(name) === t) this.topics.delete(name);
    };
    this.fetchStart(t, sub, from, cancel).then(
      () => this.fetches.delete(cancel),
      (err: unknown) => {
        this.fetches.delete(cancel);
        sub.cutOff(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private async fetchStart(
    t: RTopic,
    sub: Subscriber,
    from: string | undefined,
    cancel: Cancel,
  ): Promise<void> {
    const p = from === undefined ? undefined : parseId(from, 2);
    // An unusable from asks for the whole history (it yields a reset then all of it).
    const fromSid = p ? `${p.hi}-${p.lo}` : from === undefined ? '' : '0-0';
    const state = await this.state(t, fromSid, p?.epoch ?? '', cancel);
    if (!state || sub.removed) return;
    if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
    if (t.epoch === undefined) {
      t.epoch = state.epoch;
      t.lastId = state.last;
      this.interrupt();
    } else if (t.epoch !== state.epoch) {
      this.resetTopic(t, state.epoch);
    }
    const epoch = state.epoch;
    const [lastHi, lastLo] = splitStreamId(state.last);
    const kept = (): Entry[] => state.entries.map(([sid, fields]) => toEntry(epoch, sid, fields));
    let replay: Entry[] = [];
    if (from !== undefined) {
      if (!p || p.epoch !== epoch) {
        // Another history (or none named): this one from its start.
        replay = [makeResetEntry(`${epoch}-0-0`, 0, 0), ...kept()];
      } else if (compareStreamIds(fromSid, state.last) > 0) {
        replay = [makeResetEntry(`${epoch}-${state.last}`, lastHi, lastLo)];
      } else if (retentionGap(state, fromSid)) {
        // Older than the history: from just before its oldest entry, then all it keeps.
        const start = keptStart(state);
        const at = compareStreamIds(start, fromSid) > 0 ? start : fromSid;
        const [hi, lo] = splitStreamId(at);
        replay = [makeResetEntry(`${epoch}-${at}`, hi, lo), ...kept()];
      } else {
        replay = kept();
      }
    }
    sub.goLive(replay, lastHi, lastLo);
  }

  /**
   * Runs the state script, retrying through outages (it is idempotent) until it answers, the
   * hub closes or `cancel` fires (then `undefined`). Throws `SLUICE_HUB_REDIS_ERROR` for an
   * error reply.
   */
  private async state(
    t: RTopic,
    fromSid: string,
    fromEpoch: string,
    cancel: Cancel,
  ): Promise<TopicState | undefined> {
    let retries = 0;
    for (;;) {
      if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
      if (this.startError) throw this.startError;
      if (cancel.fired) return undefined;
      if (!this.connected) {
        // FIFO with publishes made after this subscribe.
        const r = await cancel.race(this.started).catch(() => undefined);
        if (r === CANCELLED) return undefined;
        continue;
      }
      const cmd = this.cmd!;
      if (cmd.isReady) {
        try {
          const reply = await cancel.race(
            cmd.sendCommand([
              'EVAL',
              STATE_SCRIPT,
              '2',
              t.key,
              t.epochKey,
              newEpoch(),
              fromSid,
              fromEpoch,
            ]),
          );
          if (reply === CANCELLED) return undefined;
          return parseState(reply);
        } catch (err) {
          if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED', undefined, { cause: err });
          if (this.isFinalReply(err)) throw redisError(err);
        }
      }
      await cancel.sleep(Math.min(20 * 2 ** retries++, 1000));
    }
  }

  /** The state of a followed topic for the read loop; a topic Redis refuses is failed. */
  private async followedState(t: RTopic): Promise<TopicState | undefined> {
    try {
      return await this.state(t, '', '', this.closing);
    } catch (err) {
      if ((err as SluiceError).code !== 'SLUICE_HUB_REDIS_ERROR') throw err;
      this.failTopic(t, err as SluiceError);
      return undefined;
    }
  }

  /**
   * The topic's history was replaced (a Redis restarted without persistence, keys deleted):
   * live subscribers get a reset at the new epoch's start, and the reader follows the new
   * history from its beginning.
   */
  private resetTopic(t: RTopic, epoch: string): void {
    t.epoch = epoch;
    t.lastId = '0-0';
    t.lastN = undefined;
    const reset = makeResetEntry(`${epoch}-0-0`, 0, 0);
    for (const sub of t.subs) {
      if (sub.isHeld) continue; // computes its own start from its own state
      sub.deliver(reset);
      sub.setFloor(0, 0);
    }
    this.interrupt();
  }

  /** Redis refuses the topic's key (WRONGTYPE...): its subscribers end, the others go on. */
  private failTopic(t: RTopic, err: unknown): void {
    if (this.topics.get(t.name) !== t) return;
    this.topics.delete(t.name);
    const reason = err instanceof SluiceError ? err : redisError(err);
    for (const sub of [...t.subs]) sub.cutOff(reason);
  }

  // ---- the read loop ----------------------------------------------------------------------

  private async readLoop(): Promise<void> {
    const blk = this.blk!;
    await this.recover(); // the blocking connection's id
    /** The previous read failed with an error reply that no single topic explained. */
    let unexplained = false;
    while (!this.closed) {
      const batch: RTopic[] = [];
      for (const t of this.topics.values()) if (t.lastId !== undefined) batch.push(t);
      if (batch.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const asked = batch.map((t) => t.lastId!);
      const index = new Map<string, number>();
      batch.forEach((t, i) => index.set(t.key, i));
      const args = [
        'XREAD',
        'COUNT',
        '1000',
        'BLOCK',
        this.blockMs,
        'STREAMS',
        ...batch.map((t) => t.key),
        ...asked,
      ];
      let reply: unknown;
      this.blockedGeneration = this.generation;
      try {
        reply = await blk.sendCommand(args);
      } catch (err) {
        this.blockedGeneration = -1;
        if (this.closed) return;
        if (this.isFinalReply(err)) {
          // One topic's key (overwritten as a string, say) fails the read of all: find it.
          const found = await this.isolate(batch, asked);
          if (found === undefined) await this.recover();
          else if (found > 0) unexplained = false;
          else if (unexplained) {
            for (const t of batch) this.failTopic(t, err);
            unexplained = false;
          } else unexplained = true; // changed meanwhile? read once more before failing all
          continue;
        }
        await this.recover();
        continue;
      }
      this.blockedGeneration = -1;
      unexplained = false;
      for (const [key, entries] of xreadStreams(reply)) {
        const i = index.get(String(key));
        if (i === undefined) continue;
        const t = batch[i]!;
        // Skip a reply the topic has moved past (dropped, re-subscribed or reset meanwhile).
        if (this.topics.get(t.name) !== t || t.lastId !== asked[i]) continue;
        let k = this.deliverEntries(t, entries, 0);
        while (k < entries.length) {
          // Entry k was published in another epoch: the history may have been replaced under
          // this connection (keys deleted). Redis says which epoch is current.
          const before = t.lastId;
          let state: TopicState | undefined;
          try {
            state = await this.followedState(t);
          } catch {
            if (this.closed) return;
            break; // down: the next read fails and recovers
          }
          if (!state || this.topics.get(t.name) !== t || t.lastId !== before) break;
          if (state.epoch !== t.epoch) {
            this.resetTopic(t, state.epoch);
            break;
          }
          // A leftover of an older history in the current one: it belongs to the current one.
          this.deliver(t, entries[k]![0], entries[k]![1]);
          k = this.deliverEntries(t, entries, k + 1);
        }
      }
    }
  }

  /**
   * Delivers entries from `k` on until one carries another epoch than the topic's; returns its
   * index (`entries.length` when all were delivered).
   */
  private deliverEntries(t: RTopic, entries: RawEntry[], k: number): number {
    for (; k < entries.length; k++) {
      const [sid, fields] = entries[k]!;
      if (!this.deliver(t, sid, fields, true)) return k;
    }
    return k;
  }

  /** Delivers one entry to the topic's subscribers; false (nothing done) for a foreign epoch. */
  private deliver(t: RTopic, sid: string, fields: string[], checkEpoch = false): boolean {
    const { data, event, n, h } = entryFields(fields);
    if (checkEpoch && h !== undefined && h !== t.epoch) return false;
    if (n !== undefined && t.lastN !== undefined && n > t.lastN + 1 && t.lastId) {
      // The reader fell behind the trimming: entries vanished unread. Never a silent
      // skip: live subscribers get a reset carrying the last id they could have seen.
      const [rh, rl] = splitStreamId(t.lastId);
      const reset = makeResetEntry(`${t.epoch}-${t.lastId}`, rh, rl);
      for (const sub of t.subs) if (!sub.isHeld) sub.deliver(reset);
    }
    if (n !== undefined) t.lastN = n;
    t.lastId = sid;
    const [hi, lo] = splitStreamId(sid);
    // The stream id's first part is the XADD time (Redis's clock) in ms.
    if (hubStats.onLag) hubStats.onLag(Math.max(0, Date.now() - hi));
    const entry = makeEntry(`${t.epoch!}-${sid}`, event, data, hi, lo);
    for (const sub of t.subs) sub.deliver(entry);
    return true;
  }

  /**
   * After an error reply to the read of every topic: reads each topic's key alone (pipelined)
   * and fails those Redis refuses. Resolves how many failed, or `undefined` when the
   * connection is down.
   */
  private async isolate(batch: RTopic[], asked: string[]): Promise<number | undefined> {
    const cmd = this.cmd;
    if (!cmd?.isReady) return undefined;
    const results = await Promise.allSettled(
      batch.map((t, i) => cmd.sendCommand(['XREAD', 'COUNT', '1', 'STREAMS', t.key, asked[i]!])),
    );
    let failed = 0;
    for (let i = 0; i < batch.length; i++) {
      const r = results[i]!;
      if (r.status === 'fulfilled') continue;
      if (!this.isFinalReply(r.reason)) return undefined;
      this.failTopic(batch[i]!, r.reason);
      failed++;
    }
    return failed;
  }

  /** After the blocking connection failed: wait for Redis, check every epoch, then resume. */
  private async recover(): Promise<void> {
    let retries = 0;
    while (!this.closed) {
      if (this.blk?.isReady && this.cmd?.isReady) {
        try {
          this.blkId = String(await this.blk.sendCommand(['CLIENT', 'ID']));
          for (const t of [...this.topics.values()]) {
            if (t.lastId === undefined || this.topics.get(t.name) !== t) continue;
            const state = await this.followedState(t);
            if (state && this.topics.get(t.name) === t && state.epoch !== t.epoch) {
              this.resetTopic(t, state.epoch);
            }
          }
          return;
        } catch {
          // Down again (or closed): retry below.
        }
      }
      await this.closing.sleep(Math.min(50 * 2 ** retries++, 2000));
    }
  }

  /** A topic joined the read: interrupt the blocking read so the next one includes it. */
  private interrupt(): void {
    this.generation++;
    if (this.wake) {
      this.wake();
      return;
    }
    if (this.unblocking) return;
    this.unblocking = true;
    void (async () => {
      try {
        while (
          !this.closed &&
          this.blockedGeneration !== -1 &&
          this.blockedGeneration < this.generation
        ) {
          const n = await this.cmd!.sendCommand(['CLIENT', 'UNBLOCK', this.blkId]).catch(() => 0);
          if (Number(n) === 1) break;
          await this.closing.sleep(5); // not blocked yet: try again while it is still pending
        }
      } finally {
        this.unblocking = false;
      }
    })();
  }

  // ---- close ------------------------------------------------------------------------------

  /**
   * Ends every subscriber, stops every wait and closes both connections: replies in flight on
   * the command connection get up to 250 ms, then it is cut. Prompt whatever the connections
   * are doing (never connected, reconnecting, blocked).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reason = new SluiceError('SLUICE_HUB_CLOSED');
    for (const t of this.topics.values()) {
      for (const sub of t.subs) {
        sub.removed = true;
        sub.finish(sub instanceof SinkSubscriber ? reason : undefined);
      }
      t.subs.clear();
    }
    this.topics.clear();
    this.closing.fire();
    for (const f of this.fetches) f.fire();
    this.fetches.clear();
    this.wake?.();
    const { cmd, blk } = this;
    if (blk) {
      try {
        blk.destroy(); // its pending XREAD rejects, so the read loop ends
      } catch {
        // already closed
      }
    }
    if (cmd) await closeWithin(cmd, CLOSE_GRACE_MS);
    await this.loop?.catch(() => {});
  }

  /** @internal Durable runs on this hub's Redis (`createRuns(hub)`; see ./runs.ts). */
  [RUN_STORE](limits: RunLimits): RunStore {
    return new RedisRunStore(this, limits, {
      options: this.options,
      prefix: this.prefix,
      publishTimeoutMs: this.publishTimeoutMs,
      keys: (topic) => ({
        stream: this.streamKey(topic),
        epoch: this.epochKey(topic),
        counter: this.counterKey(topic),
      }),
    });
  }

  private streamKey(topic: string): string {
    return `${this.prefix}s:${topic}`;
  }

  private epochKey(topic: string): string {
    return `${this.prefix}e:${topic}`;
  }

  private counterKey(topic: string): string {
    return `${this.prefix}n:${topic}`;
  }
}

function toEntry(epoch: string, sid: string, fields: string[]): Entry {
  const { data, event } = entryFields(fields);
  const [hi, lo] = splitStreamId(sid);
  return makeEntry(`${epoch}-${sid}`, event, data, hi, lo);
}

/** Destroys a connection, whatever state it is in. */
function destroyQuietly(c: RedisConnection): void {
  try {
    c.destroy();
  } catch {
    // already closed
  }
}
