/**
 * The Redis hub (`sluice/redis`): the hub interface across processes and machines, on Redis
 * Streams, with node-redis (the `redis` package, an optional peer dependency).
 *
 * Keys, under `prefix`: `<prefix>s:<topic>` (the stream), `<prefix>e:<topic>` (the epoch of
 * its history) and `<prefix>n:<topic>` (its event counter) on one instance; on Redis Cluster and
 * in `shards` mode `<prefix>{t:<topic>}s`, `...e`, `...n`, one hash tag per topic so a topic's
 * keys share a slot (and the Lua scripts that touch them together run). An event id is
 * `<epoch>-<ms>-<seq>`: the epoch plus the stream id, so any node can resume any client. Each
 * shard (the instance, or each primary) has its own blocking `XREAD` loop over the topics it
 * holds.
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
  isRedirect,
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
import { keySlot, nodeUrl, parseClusterSlots } from './slots.js';

export type { RedisClientLike } from './connection.js';

/**
 * Options of `createRedisHub`.
 * @example createRedisHub({ url: 'redis://10.0.0.5:6379', history: { maxEvents: 5000 } })
 */
export interface RedisHubOptions {
  /** Redis URL (default `redis://127.0.0.1:6379`); ignored when `client` is given. */
  url?: string;
  /**
   * Client-side sharding over independent Redis instances (no Cluster needed): each topic lives
   * on `shards[slot(topic) % shards.length]`, its keys hash-tagged. Changing the list moves
   * topics (a moved topic starts a new history: its subscribers get `sluice-reset`).
   * Not with `url`, `client` or `cluster`.
   */
  shards?: string[];
  /**
   * Redis Cluster: the hub reads the slot table from these nodes (URLs, or `{ url }` as
   * node-redis' `createCluster` takes them; credentials and scheme of the first are used for
   * every node), keeps one command and one blocking connection per primary, and follows
   * MOVED/ASK, resharding and failover. Not with `url`, `client` or `shards`.
   */
  cluster?: { rootNodes: (string | { url: string })[] };
  /**
   * When a publish counts as done. `'primary'` (default): the primary has it; a failover before
   * its replica copied it can lose it, which a sharded hub signals to live subscribers with
   * `sluice-reset`. `'replicated'`: also `WAIT 1 replicaTimeoutMs` confirmed a replica has it
   * (else `SLUICE_HUB_NOT_REPLICATED`, 503; the event may still be delivered), so an
   * acknowledged event survives the loss of its primary.
   */
  durability?: 'primary' | 'replicated';
  /** `durability: 'replicated'`: how long `WAIT` waits for a replica (default 1000 ms). */
  replicaTimeoutMs?: number;
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
  /** Redis Cluster: the topic's shard channel (`SPUBLISH`ed by every append); else ''. */
  readonly notify: string;
  readonly subs: Set<Subscriber>;
  /** Known once the first subscriber's state arrived; then the reader follows the topic. */
  epoch: string | undefined;
  /** The last stream id the reader has seen (never `$`). */
  lastId: string | undefined;
  /** The number of the last event the reader delivered (publishes number events per topic). */
  lastN: number | undefined;
  /** The shard that holds its keys (`undefined` while a cluster's slot table has no owner). */
  shard: Shard | undefined;
  /**
   * Set when its reader's connection broke: the `run_id` of the server it was read from. The
   * topic is not read until `verify` compared it with the server that holds it now.
   */
  suspect: string | undefined;
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

/** How often, at most, a cluster hub asks for the slot table while something is amiss. */
const REFRESH_MS = 100;

/**
 * One Redis primary the hub talks to: its command connection, its blocking connection and the
 * read loop over the topics it holds. A single-instance hub has one; `shards` one per URL; a
 * cluster hub one per primary, made and retired as the slot table changes.
 */
class Shard {
  cmd: RedisConnection | undefined;
  blk: RedisConnection | undefined;
  readonly started: Promise<void>;
  /** True once both connections connected for the first time (`started` resolved). */
  connected = false;
  /** The topics with local subscribers whose keys live here. */
  readonly topics = new Set<RTopic>();
  /** The blocking connection's `CLIENT ID`, for `CLIENT UNBLOCK`. */
  blkId = '';
  /** The server's `run_id` at the last recovery: another one is another process (a failover). */
  runId = '';
  /** Bumped when the set of followed topics grows; a read of an older generation is interrupted. */
  generation = 0;
  blockedGeneration = -1;
  unblocking = false;
  wake: (() => void) | undefined;
  loop: Promise<void> | undefined;
  /** No longer a primary of the cluster (or the hub closed): its loop ends, its connections close. */
  retired = false;
  /** Cluster: topics told of new entries (or due for the periodic check), to read. */
  readonly dirty = new Set<RTopic>();
  /** Cluster: the shard channels subscribed to on `blk`, and their topics. */
  readonly channels = new Map<string, RTopic>();
  /** Cluster: a wake came while the loop was not waiting. */
  woken = false;
  /** Cluster: a connection dropped since the last recovery (the server may be another now). */
  stale = false;

  constructor(
    readonly addr: string,
    readonly connect: { url?: string; client?: RedisClientLike },
    start: (shard: Shard) => Promise<void>,
  ) {
    this.started = start(this);
  }
}

class RedisHub implements Hub {
  private readonly prefix: string;
  private readonly maxEvents: string;
  private readonly blockMs: string;
  private readonly publishTimeoutMs: number;
  private readonly maxPendingPublishes: number;
  private readonly maxQueue: number;
  private readonly maxEventSize: number;
  private readonly durability: 'primary' | 'replicated';
  private readonly replicaTimeoutMs: string;
  private readonly mode: 'single' | 'shards' | 'cluster';
  private readonly topics = new Map<string, RTopic>();
  /** single: one; shards: one per URL, in the given order; cluster: one per primary. */
  private readonly shards: Shard[] = [];
  /** cluster: the primary (`host:port`) of each slot. */
  private owners: (string | undefined)[] = [];
  private readonly byAddr = new Map<string, Shard>();
  private readonly rootUrls: string[] = [];
  /** Resolves once the slot table was read (at once outside cluster mode). */
  private readonly mapped: Promise<void>;
  private refreshing: Promise<void> | undefined;
  private lastRefresh = 0;
  private errors: RedisErrorClasses | undefined;
  /** Why the start failed (no `redis` package), for the waits that depend on it. */
  private startError: Error | undefined;
  private closed = false;
  /** Fired by `close()`: ends the waits of the read loops, of recovery and of publishes. */
  private readonly closing = new Cancel();
  /** The state fetches in flight, one per subscriber being started; `close()` fires them. */
  private readonly fetches = new Set<Cancel>();
  private pendingPublishes = 0;

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
    const durability = options.durability ?? 'primary';
    if (durability !== 'primary' && durability !== 'replicated') {
      throw new SluiceError('SLUICE_CONFIG', `durability must be 'primary' or 'replicated'`);
    }
    this.durability = durability;
    this.replicaTimeoutMs = String(
      positiveOption(options.replicaTimeoutMs, 1000, 'replicaTimeoutMs'),
    );
    const given = [options.shards, options.cluster].filter((x) => x !== undefined).length;
    if (given > 1 || (given === 1 && (options.url !== undefined || options.client))) {
      throw new SluiceError(
        'SLUICE_CONFIG',
        'createRedisHub takes one of url/client, shards or cluster',
      );
    }
    if (options.shards !== undefined) {
      const urls = options.shards;
      if (!Array.isArray(urls) || urls.length === 0 || urls.some((u) => typeof u !== 'string')) {
        throw new SluiceError('SLUICE_CONFIG', 'shards must be a non-empty array of Redis URLs');
      }
      if (new Set(urls).size !== urls.length) {
        throw new SluiceError('SLUICE_CONFIG', 'shards must not repeat a URL');
      }
      this.mode = 'shards';
      for (const url of urls) this.addShard(url, { url });
      this.mapped = Promise.resolve();
    } else if (options.cluster !== undefined) {
      const roots = options.cluster.rootNodes;
      if (!Array.isArray(roots) || roots.length === 0) {
        throw new SluiceError('SLUICE_CONFIG', 'cluster.rootNodes must name at least one node');
      }
      for (const r of roots) {
        const url = typeof r === 'string' ? r : r?.url;
        if (typeof url !== 'string') {
          throw new SluiceError('SLUICE_CONFIG', 'a cluster root node is a URL or { url }');
        }
        this.rootUrls.push(url);
      }
      this.mode = 'cluster';
      this.mapped = this.mapLoop();
    } else {
      this.mode = 'single';
      this.addShard('', options);
      this.mapped = Promise.resolve();
    }
    this.mapped.catch(() => {});
  }

  private addShard(addr: string, connect: { url?: string; client?: RedisClientLike }): Shard {
    const shard = new Shard(addr, connect, (s) => this.startShard(s));
    shard.started.catch((err: unknown) => {
      if (!this.closed && !shard.retired && isConfigError(err)) this.startError = err as Error;
    });
    this.shards.push(shard);
    this.byAddr.set(addr, shard);
    return shard;
  }

  private async startShard(shard: Shard): Promise<void> {
    const { cmd, blk, errors } = await openConnections(shard.connect);
    this.errors ??= errors;
    if (this.closed || shard.retired) return; // never connected: nothing to close
    // Reconnects by itself; failures surface on commands. A cluster's loop reads without
    // blocking, so a connection may drop and come back between two reads, unseen: mark it.
    const dropped = (): void => {
      if (this.mode !== 'cluster') return;
      shard.stale = true;
      shard.woken = true;
      shard.wake?.();
    };
    cmd.on('error', dropped);
    blk.on('error', dropped);
    shard.cmd = cmd;
    shard.blk = blk;
    try {
      await Promise.all([cmd.connect(), blk.connect()]);
    } finally {
      // close() ran while connecting: a connection that completed after it must not linger.
      if (this.closed || shard.retired) {
        destroyQuietly(cmd);
        destroyQuietly(blk);
      }
    }
    if (this.closed || shard.retired) return;
    shard.connected = true;
    shard.loop = this.mode === 'cluster' ? this.notifiedLoop(shard) : this.readLoop(shard);
  }

  // ---- where keys live ----------------------------------------------------------------------

  /** The shard that holds `key`, `undefined` while a cluster's slot table has no owner for it. */
  private route(key: string): Shard | undefined {
    if (this.mode === 'single') return this.shards[0];
    if (this.mode === 'shards') return this.shards[keySlot(key) % this.shards.length];
    const addr = this.owners[keySlot(key)];
    return addr === undefined ? undefined : this.byAddr.get(addr);
  }

  /** Reads the slot table until it answers (cluster mode), retrying with backoff. */
  private async mapLoop(): Promise<void> {
    let retries = 0;
    while (!this.closed) {
      try {
        await this.loadSlots();
        if (this.owners.length > 0) return;
      } catch (err) {
        if (isConfigError(err)) {
          this.startError = err as Error;
          throw err;
        }
      }
      await this.closing.sleep(Math.min(50 * 2 ** retries++, 2000));
    }
  }

  /** Asks for the slot table soon (at most every `REFRESH_MS`): a redirect, a primary down. */
  private refreshSoon(): Promise<void> {
    if (this.mode !== 'cluster' || this.closed) return Promise.resolve();
    if (this.refreshing) return this.refreshing;
    const wait = Math.max(0, this.lastRefresh + REFRESH_MS - Date.now());
    this.refreshing = (async () => {
      try {
        await this.closing.sleep(wait);
        if (!this.closed) await this.loadSlots();
      } catch {
        // no node answered: a later refresh tries again
      } finally {
        this.lastRefresh = Date.now();
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /**
   * Reads `CLUSTER SLOTS` from a connected primary (else a root node), then makes a shard for
   * each new primary, moves topics whose slot changed hands, and retires primaries that own
   * nothing any more.
   */
  private async loadSlots(): Promise<void> {
    let reply: unknown;
    for (const s of this.shards) {
      if (!s.retired && s.cmd?.isReady) {
        try {
          reply = await s.cmd.sendCommand(['CLUSTER', 'SLOTS']);
          break;
        } catch {
          // try the next one
        }
      }
    }
    if (reply === undefined) reply = await this.askRoots();
    if (this.closed) return;
    const root = new URL(this.rootUrls[0]!);
    const { owners, primaries } = parseClusterSlots(reply, root.hostname);
    if (primaries.size === 0) return;
    this.owners = owners;
    for (const p of primaries.values()) {
      if (!this.byAddr.has(p.addr)) {
        this.addShard(p.addr, { url: nodeUrl(this.rootUrls[0]!, p.host, p.port) });
      }
    }
    this.regroup();
    for (const s of [...this.shards]) {
      if (!primaries.has(s.addr) && s.topics.size === 0) this.retire(s);
    }
  }

  /** `CLUSTER SLOTS` from the first root node that answers, on a connection of its own. */
  private async askRoots(): Promise<unknown> {
    let last: unknown;
    for (const url of this.rootUrls) {
      const { cmd } = await openConnections({ url });
      cmd.on('error', () => {});
      try {
        await withTimeout(cmd.connect(), 1000);
        return await withTimeout(cmd.sendCommand(['CLUSTER', 'SLOTS']), 1000);
      } catch (err) {
        last = err;
      } finally {
        destroyQuietly(cmd);
      }
    }
    throw last instanceof Error ? last : new Error('no root node answered');
  }

  /** Moves every topic to the shard that now holds its keys. */
  private regroup(): void {
    for (const t of this.topics.values()) {
      const to = this.route(t.key);
      if (to === t.shard) continue;
      const from = t.shard;
      // Leaving a primary that is down (a failover, not a migration): check before reading on.
      if (from && !from.cmd?.isReady && from.runId !== '' && t.lastId !== undefined) {
        t.suspect ??= from.runId;
      }
      from?.topics.delete(t);
      t.shard = to;
      to?.topics.add(t);
      if (from) this.interrupt(from);
      if (to) this.interrupt(to);
    }
  }

  /** A primary left the cluster: its loop ends and its connections close. */
  private retire(s: Shard): void {
    if (s.retired) return;
    s.retired = true;
    const i = this.shards.indexOf(s);
    if (i !== -1) this.shards.splice(i, 1);
    if (this.byAddr.get(s.addr) === s) this.byAddr.delete(s.addr);
    s.wake?.();
    if (s.blk) destroyQuietly(s.blk);
    if (s.cmd) void closeWithin(s.cmd, CLOSE_GRACE_MS);
  }

  private isReply(err: unknown): boolean {
    return this.errors !== undefined && isErrorReply(err, this.errors);
  }

  /** An error reply that is final (not a passing server state nor a redirect). */
  private isFinalReply(err: unknown): boolean {
    return this.isReply(err) && !isTransientReply(err);
  }

  /** After an error reply: a redirect (MOVED, ASK) asks for the slot table again. */
  private noteReply(err: unknown): void {
    if (isRedirect(err)) void this.refreshSoon();
  }

  // ---- publish ----------------------------------------------------------------------------

  async publish(name: string, input: PublishInput): Promise<string> {
    if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
    assertTopic(name);
    const { event, data } = captureInput(input, this.maxEventSize);
    const key = this.streamKey(name);
    const args = [
      'EVAL',
      PUBLISH_SCRIPT,
      '3',
      key,
      this.epochKey(name),
      this.counterKey(name),
      newEpoch(),
      this.maxEvents,
      data,
    ];
    if (this.mode === 'cluster') {
      args[2] = '4';
      args.splice(6, 0, this.notifyKey(name));
    }
    if (event !== undefined) args.push(event);
    const deadline = Date.now() + this.publishTimeoutMs;
    let waiting = false;
    try {
      for (;;) {
        if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
        if (this.startError) throw this.startError;
        const shard = this.route(key);
        const cmd = shard?.cmd;
        if (shard?.connected && cmd?.isReady) {
          // Sent together: WAIT counts the replicas that have every write made before it on
          // this connection, this script's included.
          const sent = cmd.sendCommand(args);
          const replicated =
            this.durability === 'replicated'
              ? cmd.sendCommand(['WAIT', '1', this.replicaTimeoutMs])
              : undefined;
          replicated?.catch(() => {});
          let id: string;
          try {
            const reply = (await sent) as [string, string];
            id = `${String(reply[0])}-${String(reply[1])}`;
            hubStats.published++;
          } catch (err) {
            if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED', undefined, { cause: err });
            if (this.isFinalReply(err)) throw redisError(err);
            this.noteReply(err);
            // Went offline before the write, or Redis said "not now" / "not here": it never
            // ran, so it is safe to wait and try again. Anything else may have run: never retried.
            if (!neverSent(err, this.errors!) && !this.isReply(err)) {
              throw new SluiceError('SLUICE_HUB_PUBLISH_FAILED', (err as Error).message, {
                cause: err,
              });
            }
            id = '';
          }
          if (id !== '') {
            if (replicated) await this.confirmReplicated(replicated, id);
            return id;
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
        // Before the shard's first connection, wait on its start (FIFO with subscribes, so a
        // subscribe() made before this publish reaches Redis first); later, poll. A cluster's
        // shards come and go: look at the slot table again meanwhile.
        // (A shard never connected is waited on whole, too: a retired one's start rejects.)
        if (!shard) {
          const ms = this.owners.length === 0 ? left : Math.min(20, left);
          if (this.owners.length > 0) void this.refreshSoon();
          await this.closing.race(this.mapped, ms).catch(() => {});
        } else if (!shard.connected) {
          await this.closing.race(shard.started, left).catch(() => {});
        } else {
          if (this.mode === 'cluster') void this.refreshSoon();
          await this.closing.sleep(Math.min(20, left));
        }
      }
    } finally {
      if (waiting) this.pendingPublishes--;
    }
  }

  /** `durability: 'replicated'`: a publish counts once a replica has it (`WAIT 1`). */
  private async confirmReplicated(wait: Promise<unknown>, id: string): Promise<void> {
    let n: unknown;
    try {
      n = await wait;
    } catch (err) {
      throw new SluiceError(
        'SLUICE_HUB_NOT_REPLICATED',
        `event ${id} reached the primary; no replica confirmed it: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (Number(n) < 1) {
      throw new SluiceError(
        'SLUICE_HUB_NOT_REPLICATED',
        `event ${id} reached the primary; no replica confirmed it within ${this.replicaTimeoutMs} ms`,
      );
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
      const key = this.streamKey(name);
      topic = {
        name,
        key,
        epochKey: this.epochKey(name),
        notify: this.mode === 'cluster' ? this.notifyKey(name) : '',
        subs: new Set(),
        epoch: undefined,
        lastId: undefined,
        lastN: undefined,
        shard: this.route(key),
        suspect: undefined,
      };
      topic.shard?.topics.add(topic);
      this.topics.set(name, topic);
    }
    const t = topic;
    const cancel = new Cancel();
    this.fetches.add(cancel);
    sub.hold();
    t.subs.add(sub);
    sub.detacher = () => {
      if (sub.removed) return;
      sub.removed = true;
      cancel.fire();
      t.subs.delete(sub);
      if (t.subs.size === 0 && this.topics.get(name) === t) this.dropTopic(t);
    };
    this.fetchStart(t, sub, from, cancel).then(
      () => this.fetches.delete(cancel),
      (err: unknown) => {
        this.fetches.delete(cancel);
        sub.cutOff(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private dropTopic(t: RTopic): void {
    this.topics.delete(t.name);
    t.shard?.topics.delete(t);
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
      if (t.shard) this.interrupt(t.shard);
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
   * Runs the state script on the topic's shard, retrying through outages (it is idempotent)
   * until it answers, the hub closes or `cancel` fires (then `undefined`). Throws
   * `SLUICE_HUB_REDIS_ERROR` for an error reply.
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
      const shard = t.shard ?? this.route(t.key);
      if (!shard) {
        // FIFO with publishes made after this subscribe (they wait on the same promises).
        const ms = this.owners.length === 0 ? undefined : 50;
        if (ms !== undefined) void this.refreshSoon();
        const r = await cancel.race(this.mapped, ms).catch(() => undefined);
        if (r === CANCELLED && cancel.fired) return undefined;
        continue;
      }
      if (!shard.connected) {
        const r = await cancel.race(shard.started).catch(() => undefined);
        if (r === CANCELLED) return undefined;
        continue;
      }
      const cmd = shard.cmd!;
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
          this.noteReply(err);
        }
      } else void this.refreshSoon();
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
    if (t.shard) this.interrupt(t.shard);
  }

  /**
   * Events may have been lost where the reader stands (a primary failed over with writes its
   * replica never got): live subscribers get a reset carrying the last id they could have
   * seen, never a silent skip. The numbering restarts, as the new primary's counter may be
   * behind the one the reader saw.
   */
  private lossReset(t: RTopic): void {
    if (t.lastId === undefined || t.epoch === undefined) return;
    const [rh, rl] = splitStreamId(t.lastId);
    const reset = makeResetEntry(`${t.epoch}-${t.lastId}`, rh, rl);
    for (const sub of t.subs) if (!sub.isHeld) sub.deliver(reset);
    t.lastN = undefined;
  }

  /** Redis refuses the topic's key (WRONGTYPE...): its subscribers end, the others go on. */
  private failTopic(t: RTopic, err: unknown): void {
    if (this.topics.get(t.name) !== t) return;
    this.dropTopic(t);
    const reason = err instanceof SluiceError ? err : redisError(err);
    for (const sub of [...t.subs]) sub.cutOff(reason);
  }

  // ---- the read loops ---------------------------------------------------------------------

  /** Still the shard's topic (not dropped, not moved to another shard meanwhile). */
  private owns(shard: Shard, t: RTopic): boolean {
    return this.topics.get(t.name) === t && t.shard === shard;
  }

  private async readLoop(shard: Shard): Promise<void> {
    const blk = shard.blk!;
    await this.recover(shard, false); // the blocking connection's id
    /** The previous read failed with an error reply that no single topic explained. */
    let unexplained = false;
    while (!this.closed && !shard.retired) {
      // Topics that came from a shard that failed: check what the new primary holds first.
      for (const t of [...shard.topics]) {
        if (t.suspect !== undefined && t.lastId !== undefined && this.owns(shard, t)) {
          try {
            await this.verify(shard, t);
          } catch {
            if (this.closed) return;
          }
        }
      }
      const batch: RTopic[] = [];
      for (const t of shard.topics) {
        if (t.lastId !== undefined && t.suspect === undefined) batch.push(t);
      }
      if (batch.length === 0) {
        await new Promise<void>((resolve) => (shard.wake = resolve));
        shard.wake = undefined;
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
      shard.blockedGeneration = shard.generation;
      try {
        reply = await blk.sendCommand(args);
      } catch (err) {
        shard.blockedGeneration = -1;
        if (this.closed || shard.retired) return;
        if (this.isFinalReply(err)) {
          // One topic's key (overwritten as a string, say) fails the read of all: find it.
          const found = await this.isolate(shard, batch, asked);
          if (found === undefined) await this.recover(shard, false);
          else if (found > 0) unexplained = false;
          else if (unexplained) {
            for (const t of batch) this.failTopic(t, err);
            unexplained = false;
          } else unexplained = true; // changed meanwhile? read once more before failing all
          continue;
        }
        if (this.isReply(err) && isRedirect(err)) {
          // A slot moved (resharding): where the topics live now, then read again.
          await this.refreshSoon();
          await this.closing.sleep(10);
          continue;
        }
        await this.recover(shard, !this.isReply(err));
        continue;
      }
      shard.blockedGeneration = -1;
      unexplained = false;
      for (const [key, entries] of xreadStreams(reply)) {
        const i = index.get(String(key));
        if (i === undefined) continue;
        const t = batch[i]!;
        // Skip a reply the topic has moved past (dropped, re-subscribed, moved or reset meanwhile).
        if (!this.owns(shard, t) || t.lastId !== asked[i] || t.suspect !== undefined) continue;
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
          if (!state || !this.owns(shard, t) || t.lastId !== before) break;
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
   * The read loop of a cluster primary. `XREAD` cannot span slots there, so one blocking read
   * per primary is impossible: the loop subscribes (`SSUBSCRIBE`, on `blk`) to the shard
   * channel of each topic it holds, which the publish script `SPUBLISH`es to in the same
   * atomic step as the append, and reads the topics it was told of, one non-blocking `XREAD`
   * per slot, pipelined on the command connection. Every `blockMs` it reads every topic, so
   * a notice lost (pub/sub is at most once) delays an event by at most that.
   */
  private async notifiedLoop(shard: Shard): Promise<void> {
    const blk = shard.blk as unknown as PubSubConnection;
    const onNotice = (_message: string, channel: string): void => {
      const t = shard.channels.get(channel);
      if (!t) return;
      shard.dirty.add(t);
      shard.woken = true;
      shard.wake?.();
    };
    // Notices sent while the subscription was down are lost: read everything once it is back.
    blk.on('ready', () => {
      for (const t of shard.topics) shard.dirty.add(t);
      shard.woken = true;
      shard.wake?.();
    });
    await this.recover(shard, false);
    let lastSweep = Date.now();
    while (!this.closed && !shard.retired) {
      if (shard.stale) {
        shard.stale = false;
        await this.recover(shard, true);
        for (const t of shard.topics) shard.dirty.add(t);
        continue;
      }
      for (const t of [...shard.topics]) {
        if (t.suspect !== undefined && t.lastId !== undefined && this.owns(shard, t)) {
          try {
            await this.verify(shard, t);
            shard.dirty.add(t);
          } catch {
            if (this.closed) return;
          }
        }
      }
      // Follow the topics held here: subscribe to the new ones (then read them once), drop the rest.
      let failed = false;
      for (const t of shard.topics) {
        if (t.lastId === undefined || shard.channels.get(t.notify) === t) continue;
        try {
          await blk.sSubscribe(t.notify, onNotice);
          shard.channels.set(t.notify, t);
          shard.dirty.add(t);
        } catch (err) {
          failed = true;
          this.noteReply(err);
        }
      }
      for (const [channel, t] of [...shard.channels]) {
        if (this.owns(shard, t)) continue;
        shard.channels.delete(channel);
        if (blk.isReady) blk.sUnsubscribe(channel).catch(() => {});
      }
      if (failed) await this.closing.sleep(50);
      if (Date.now() - lastSweep >= Number(this.blockMs)) {
        lastSweep = Date.now();
        for (const t of shard.topics) shard.dirty.add(t);
      }
      if (shard.dirty.size === 0) {
        if (!shard.woken) {
          const left = Math.max(1, Number(this.blockMs) - (Date.now() - lastSweep));
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left);
            shard.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          shard.wake = undefined;
        }
        shard.woken = false;
        continue;
      }
      shard.woken = false;
      const ready = [...shard.dirty].filter(
        (t) => t.lastId !== undefined && t.suspect === undefined && this.owns(shard, t),
      );
      shard.dirty.clear();
      const bySlot = new Map<number, RTopic[]>();
      for (const t of ready) {
        const slot = keySlot(t.key);
        const group = bySlot.get(slot);
        if (group) group.push(t);
        else bySlot.set(slot, [t]);
      }
      const groups = [...bySlot.values()];
      const cmd = shard.cmd;
      if (!cmd?.isReady) {
        for (const t of ready) shard.dirty.add(t);
        await this.recover(shard, true);
        continue;
      }
      const asked = groups.map((g) => g.map((t) => t.lastId!));
      const results = await Promise.allSettled(
        groups.map((g, i) =>
          cmd.sendCommand([
            'XREAD',
            'COUNT',
            '1000',
            'STREAMS',
            ...g.map((t) => t.key),
            ...asked[i]!,
          ]),
        ),
      );
      let lost = false;
      for (let i = 0; i < groups.length; i++) {
        const r = results[i]!;
        const g = groups[i]!;
        if (r.status === 'rejected') {
          if (this.closed || shard.retired) return;
          if (this.isFinalReply(r.reason)) {
            for (const t of g) this.failTopic(t, r.reason);
          } else {
            for (const t of g) shard.dirty.add(t);
            if (this.isReply(r.reason)) this.noteReply(r.reason);
            else lost = true;
          }
          continue;
        }
        const index = new Map<string, number>();
        g.forEach((t, k) => index.set(t.key, k));
        for (const [key, entries] of xreadStreams(r.value)) {
          const k = index.get(String(key));
          if (k === undefined) continue;
          const t = g[k]!;
          if (!this.owns(shard, t) || t.lastId !== asked[i]![k] || t.suspect !== undefined) {
            continue;
          }
          if (entries.length >= 1000) shard.dirty.add(t); // more to read
          await this.deliverAll(shard, t, entries);
        }
      }
      if (lost) await this.recover(shard, true);
      else if (shard.dirty.size > 0 && results.some((r) => r.status === 'rejected')) {
        await this.refreshSoon();
        await this.closing.sleep(10);
      }
    }
  }

  /**
   * Delivers a topic's entries from one read; an entry of another epoch makes it ask Redis
   * which epoch is current (see the read loop).
   */
  private async deliverAll(shard: Shard, t: RTopic, entries: RawEntry[]): Promise<void> {
    let k = this.deliverEntries(t, entries, 0);
    while (k < entries.length) {
      const before = t.lastId;
      let state: TopicState | undefined;
      try {
        state = await this.followedState(t);
      } catch {
        return;
      }
      if (!state || !this.owns(shard, t) || t.lastId !== before) return;
      if (state.epoch !== t.epoch) {
        this.resetTopic(t, state.epoch);
        return;
      }
      this.deliver(t, entries[k]![0], entries[k]![1]);
      k = this.deliverEntries(t, entries, k + 1);
    }
  }

  /**
   * A topic whose reader lost its connection: compares the epoch, and the server process
   * (`run_id`) with the one read before. Another process in the same epoch is a failover (or
   * a restart that kept the data): with `durability: 'primary'` events acknowledged by the old
   * one may be missing, so live subscribers get a reset at the reader's position.
   */
  private async verify(shard: Shard, t: RTopic): Promise<void> {
    const state = await this.followedState(t);
    if (!state || !this.owns(shard, t)) return;
    const was = t.suspect;
    t.suspect = undefined;
    if (state.epoch !== t.epoch) this.resetTopic(t, state.epoch);
    else if (was !== shard.runId && this.durability === 'primary') this.lossReset(t);
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
  private async isolate(
    shard: Shard,
    batch: RTopic[],
    asked: string[],
  ): Promise<number | undefined> {
    const cmd = shard.cmd;
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

  /**
   * After the blocking connection failed: wait for Redis, check every epoch, then resume. With
   * `lost` (the connection broke, not an error reply) in a sharded hub, the topics are suspect
   * until the server they are read from is known to be the same process (see `verify`).
   */
  private async recover(shard: Shard, lost: boolean): Promise<void> {
    if (lost && this.mode !== 'single' && shard.runId !== '') {
      for (const t of shard.topics) if (t.lastId !== undefined) t.suspect ??= shard.runId;
    }
    let retries = 0;
    while (!this.closed && !shard.retired) {
      if (shard.blk?.isReady && shard.cmd?.isReady) {
        try {
          if (this.mode !== 'cluster') {
            shard.blkId = String(await shard.blk.sendCommand(['CLIENT', 'ID']));
          }
          if (this.mode !== 'single') {
            const info = String(await shard.cmd.sendCommand(['INFO', 'server']));
            shard.runId = /run_id:(\w+)/.exec(info)?.[1] ?? '';
          }
          for (const t of [...shard.topics]) {
            if (t.lastId === undefined || !this.owns(shard, t)) continue;
            if (t.suspect !== undefined) {
              await this.verify(shard, t);
              continue;
            }
            const state = await this.followedState(t);
            if (state && this.owns(shard, t) && state.epoch !== t.epoch) {
              this.resetTopic(t, state.epoch);
            }
          }
          return;
        } catch {
          // Down again (or closed): retry below.
        }
      }
      void this.refreshSoon();
      await this.closing.sleep(Math.min(50 * 2 ** retries++, 2000));
    }
  }

  /** A topic joined the shard's read: interrupt its blocking read so the next one includes it. */
  private interrupt(shard: Shard): void {
    shard.generation++;
    if (this.mode === 'cluster') {
      shard.woken = true;
      shard.wake?.();
      return;
    }
    if (shard.wake) {
      shard.wake();
      return;
    }
    if (shard.unblocking) return;
    shard.unblocking = true;
    void (async () => {
      try {
        while (
          !this.closed &&
          !shard.retired &&
          shard.blockedGeneration !== -1 &&
          shard.blockedGeneration < shard.generation
        ) {
          const n = await shard.cmd!.sendCommand(['CLIENT', 'UNBLOCK', shard.blkId]).catch(() => 0);
          if (Number(n) === 1) break;
          await this.closing.sleep(5); // not blocked yet: try again while it is still pending
        }
      } finally {
        shard.unblocking = false;
      }
    })();
  }

  // ---- close ------------------------------------------------------------------------------

  /**
   * Ends every subscriber, stops every wait and closes every connection: replies in flight on
   * the command connections get up to 250 ms, then they are cut. Prompt whatever the
   * connections are doing (never connected, reconnecting, blocked).
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
    const shards = [...this.shards];
    for (const s of shards) {
      s.topics.clear();
      s.wake?.();
      if (s.blk) destroyQuietly(s.blk); // its pending XREAD rejects, so the read loop ends
    }
    await Promise.all(shards.map((s) => (s.cmd ? closeWithin(s.cmd, CLOSE_GRACE_MS) : undefined)));
    await Promise.all(shards.map((s) => s.loop?.catch(() => {})));
  }

  /** @internal Durable runs on this hub's Redis (`createRuns(hub)`; see ./runs.ts). */
  [RUN_STORE](limits: RunLimits): RunStore {
    const single = this.mode === 'single';
    return new RedisRunStore(this, limits, {
      options: this.options,
      prefix: this.prefix,
      publishTimeoutMs: this.publishTimeoutMs,
      keys: (topic) => ({
        stream: this.streamKey(topic),
        epoch: this.epochKey(topic),
        counter: this.counterKey(topic),
        record: single ? `${this.prefix}r:{${topic}}` : `${this.prefix}{t:${topic}}r`,
        notify: this.mode === 'cluster' ? this.notifyKey(topic) : undefined,
      }),
      exec: single ? undefined : (key, args) => this.exec(key, args),
      subscriberUrl: single ? undefined : (channel) => this.subscriberUrl(channel),
    });
  }

  /**
   * Where a sharded hub's run store subscribes for cancels: in a cluster any node (a `PUBLISH`
   * reaches every node), else the instance that holds the channel's name (where `exec` sends
   * its `PUBLISH`).
   */
  private subscriberUrl(channel: string): string {
    if (this.mode === 'cluster') return this.rootUrls[0]!;
    return this.route(channel)!.connect.url!;
  }

  /**
   * One command on the shard that holds `key` (sharded hubs' run store): `undefined` when
   * that shard has no connection now (the caller waits and retries).
   */
  private exec(key: string, args: string[]): Promise<unknown> | undefined {
    if (this.closed) return undefined;
    const shard = this.route(key);
    if (!shard?.connected || !shard.cmd?.isReady) {
      void this.refreshSoon();
      return undefined;
    }
    return shard.cmd.sendCommand(args).catch((err: unknown) => {
      this.noteReply(err);
      throw err;
    });
  }

  /** Topic keys: unchanged on one instance; with a hash tag (one slot per topic) when sharded. */
  private streamKey(topic: string): string {
    return this.mode === 'single' ? `${this.prefix}s:${topic}` : `${this.prefix}{t:${topic}}s`;
  }

  private epochKey(topic: string): string {
    return this.mode === 'single' ? `${this.prefix}e:${topic}` : `${this.prefix}{t:${topic}}e`;
  }

  private notifyKey(topic: string): string {
    return `${this.prefix}{t:${topic}}w`;
  }

  private counterKey(topic: string): string {
    return this.mode === 'single' ? `${this.prefix}n:${topic}` : `${this.prefix}{t:${topic}}n`;
  }
}

function toEntry(epoch: string, sid: string, fields: string[]): Entry {
  const { data, event } = entryFields(fields);
  const [hi, lo] = splitStreamId(sid);
  return makeEntry(`${epoch}-${sid}`, event, data, hi, lo);
}

/** The blocking connection of a cluster primary, used for its shard channels instead. */
interface PubSubConnection {
  sSubscribe(
    channel: string,
    listener: (message: string, channel: string) => void,
  ): Promise<unknown>;
  sUnsubscribe(channel: string): Promise<unknown>;
  on(event: 'ready', listener: () => void): unknown;
  readonly isReady: boolean;
}

/** A start failure no retry mends (the `redis` package missing). */
function isConfigError(err: unknown): boolean {
  return err instanceof SluiceError && err.code === 'SLUICE_CONFIG';
}

/** `p`, or a rejection after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Destroys a connection, whatever state it is in. */
function destroyQuietly(c: RedisConnection): void {
  try {
    c.destroy();
  } catch {
    // already closed
  }
}
