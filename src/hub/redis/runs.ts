/**
 * Durable runs on the Redis hub: every process on the same Redis and prefix shares them.
 *
 * A run's events go into the hub's own stream layout (topic `sluice-run:<id>`, the fields the
 * hub's reader parses), so followers on any node replay and go live through the hub's one
 * `XREAD` loop; but they are appended by this file's scripts, which check the run's state and
 * caps and never trim. Keys, under the hub's prefix:
 * - `r:{sluice-run:<id>}` (sharded hubs: `{t:sluice-run:<id>}r`, the topic's hash tag, so the
 *   scripts that touch it and the topic's keys together run on one slot): the run's record (a hash: state, owner digest, counts, producer node,
 *   the end), expiring `ttl` after the end (and `ttl + leaseMs` after the last sign of life
 *   while running); the topic's keys expire a minute after it;
 * - `rn:<node>`: a producing process's lease (`PX leaseMs`, renewed every `leaseMs / 4`);
 * - `rc:<node>`: cancels waiting for that process (a set), and a pub/sub channel of the same
 *   name that carries them at once.
 * Every script is safe to run twice (appends carry the producer's sequence number, creation a
 * nonce, ends and cancels check the state), so a command whose reply was lost is retried.
 */
import { randomBytes } from 'node:crypto';
import { SluiceError } from '../../errors/index.js';
import { newEpoch, parseId } from '../event-id.js';
import {
  type AppendResult,
  type CancelResult,
  type CreateOptions,
  type ProducerHooks,
  type RunEnd,
  type RunInput,
  type RunLimits,
  type RunOutcome,
  type RunRecord,
  type RunState,
  type RunStore,
} from '../run-store.js';
import type { Detach, Hub, HubEvent, HubSink } from '../types.js';
import {
  closeWithin,
  isErrorReply,
  isTransientReply,
  openConnections,
  type RedisClientLike,
  type RedisConnection,
  type RedisErrorClasses,
} from './connection.js';
import { entryFields, type RawEntry } from './scripts.js';

/** What the Redis hub hands its run store: its settings and its key names. */
export interface RedisRunSeed {
  options: { url?: string; client?: RedisClientLike };
  prefix: string;
  publishTimeoutMs: number;
  /** The hub's keys of a topic, and the key of the run record whose topic it is. */
  keys(topic: string): {
    stream: string;
    epoch: string;
    counter: string;
    record: string;
    /** Redis Cluster: the topic's shard channel, told of every entry (KEYS[5] of the scripts). */
    notify?: string;
  };
  /**
   * A sharded hub (cluster, `shards`): sends one command to the shard that holds `key`, or
   * `undefined` when it has no connection now. Absent: the store's own connection is used.
   */
  exec?: (key: string, args: string[]) => Promise<unknown> | undefined;
  /** A sharded hub: the URL to subscribe to a cancel channel on. */
  subscriberUrl?: (channel: string) => string;
}

/** A node-redis connection that can subscribe (the second connection is used for pub/sub). */
interface Subscriber extends RedisConnection {
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
}

/** The topic of a run's events. */
export const RUN_TOPIC_PREFIX = 'sluice-run:';

/** How long a run's topic keys outlive its record, so a follow never recreates them. */
const TOPIC_GRACE_MS = 60_000;

// KEYS: record, stream, epoch, counter. ARGV: nonce, owner, now, node, unwatchedMs, epoch,
// pexpire. Reply: 1 created (or created by this very nonce before), 0 taken.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'cr') == ARGV[1] then return 1 end
  return 0
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'st', 'running', 'cr', ARGV[1], 'ow', ARGV[2], 'ca', ARGV[3],
  'no', ARGV[4], 'uw', ARGV[5], 'wa', ARGV[3], 'ev', 0, 'by', 0, 'tk', 0, 'sq', 0, 'li', '')
redis.call('SET', KEYS[3], ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[3], ARGV[7])
return 1
`;

// KEYS: record, stream, epoch, counter. ARGV: seq, maxEvents, maxBytes, size, token (1/0),
// pexpire, data[, event]. Reply: {'ok', id} | {'full', detail} | {'ended'} | {'missing'}.
const APPEND = `
local m = redis.call('HMGET', KEYS[1], 'st', 'sq', 'ev', 'by', 'li')
if not m[1] then return {'missing'} end
if m[1] ~= 'running' then return {'ended'} end
local seq = tonumber(ARGV[1])
if seq <= tonumber(m[2]) then return {'ok', m[5]} end
local ev = tonumber(m[3]) + 1
local by = tonumber(m[4]) + tonumber(ARGV[4])
if ev > tonumber(ARGV[2]) then return {'full', 'maxEvents is ' .. ARGV[2]} end
if by > tonumber(ARGV[3]) then return {'full', 'maxBytes is ' .. ARGV[3]} end
local e = redis.call('GET', KEYS[3])
if not e then return {'missing'} end
local n = (tonumber(redis.call('GET', KEYS[4])) or 0) + 1
local id
if ARGV[8] then
  id = redis.call('XADD', KEYS[2], '*', 'd', ARGV[7], 'n', n, 'h', e, 'e', ARGV[8])
else
  id = redis.call('XADD', KEYS[2], '*', 'd', ARGV[7], 'n', n, 'h', e)
end
redis.call('SET', KEYS[4], n)
if KEYS[5] then redis.call('SPUBLISH', KEYS[5], '') end
local full = e .. '-' .. id
redis.call('HSET', KEYS[1], 'ev', ev, 'by', by, 'sq', seq, 'li', full)
if ARGV[5] == '1' then redis.call('HINCRBY', KEYS[1], 'tk', 1) end
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
return {'ok', full}
`;

// KEYS: record, stream, epoch, counter. ARGV: state, end JSON, now, ttl, node ('' any),
// owner ('' any), grace. Writes the terminal event of a running run.
// Reply: {'missing'} | {'ended', state, node} (already) | {'now', state, node}.
const FINISH = `
local m = redis.call('HMGET', KEYS[1], 'st', 'no', 'ow', 'tk')
if not m[1] then return {'missing'} end
if ARGV[6] ~= '' and m[3] ~= ARGV[6] then return {'missing'} end
if m[1] ~= 'running' then return {'ended', m[1], m[2]} end
if ARGV[5] ~= '' and m[2] ~= ARGV[5] then return {'ended', m[1], m[2]} end
local e = redis.call('GET', KEYS[3])
if not e then return {'missing'} end
local n = (tonumber(redis.call('GET', KEYS[4])) or 0) + 1
local data = string.sub(ARGV[2], 1, -2) .. ',"tokens":' .. (m[4] or '0') .. '}'
local id = redis.call('XADD', KEYS[2], '*', 'd', data, 'n', n, 'h', e, 'e', 'sluice-end')
redis.call('SET', KEYS[4], n)
if KEYS[5] then redis.call('SPUBLISH', KEYS[5], '') end
redis.call('HSET', KEYS[1], 'st', ARGV[1], 'ea', ARGV[3], 'ei', e .. '-' .. id, 'en', data)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[4]) + tonumber(ARGV[7])) end
return {'now', ARGV[1], m[2]}
`;

// KEYS: record, epoch. Reply: {flat record, epoch}.
const GET = `
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]) or ''}
`;

// KEYS: record. ARGV: now. A follower is attached here: note it for cancelWhenUnwatched.
// Reply: {state, node} (state false when the record is gone).
const WATCHED = `
local m = redis.call('HMGET', KEYS[1], 'st', 'no', 'uw')
if m[1] == 'running' and tonumber(m[3] or '0') > 0 then
  redis.call('HSET', KEYS[1], 'wa', ARGV[1])
end
return {m[1], m[2]}
`;

// KEYS: a node's cancel set. Reply: its members, removed.
const DRAIN = `
local m = redis.call('SMEMBERS', KEYS[1])
if #m > 0 then redis.call('DEL', KEYS[1]) end
return m
`;

interface Produced {
  hooks: ProducerHooks;
  /** When its keys' expiry was last pushed back. */
  touched: number;
  unwatchedMs: number;
}

interface Watched {
  count: number;
  lost: Set<(end: RunEnd) => void>;
}

/**
 * The run store of a Redis hub (what `createRuns(redisHub)` uses).
 * @example const store = new RedisRunStore(hub, limits, seed); // made by the hub's RUN_STORE method
 */
export class RedisRunStore implements RunStore {
  /** This process's name in leases and cancels. */
  readonly node = randomBytes(9).toString('base64url');
  private cmd: RedisConnection | undefined;
  private sub: Subscriber | undefined;
  private errors: RedisErrorClasses | undefined;
  private ready = false;
  private startError: Error | undefined;
  private readonly started: Promise<void>;
  private closed = false;
  private readonly produced = new Map<string, Produced>();
  private readonly watched = new Map<string, Watched>();
  private readonly timer: NodeJS.Timeout;
  private ticking = false;
  /** True once this node's lease was written: a later renewal that finds it gone was fenced. */
  private leased = false;

  constructor(
    private readonly hub: Hub,
    private readonly limits: RunLimits,
    private readonly seed: RedisRunSeed,
  ) {
    this.started = this.start();
    this.started.catch((err: unknown) => {
      if (!this.closed) this.startError = err as Error;
    });
    this.timer = setInterval(() => void this.tick(), Math.max(25, limits.leaseMs / 4));
    this.timer.unref();
  }

  private async start(): Promise<void> {
    const sharded = this.seed.subscriberUrl;
    const { cmd, blk, errors } = await openConnections(
      sharded ? { url: sharded(this.channel(this.node)) } : this.seed.options,
    );
    this.errors = errors;
    if (this.closed) return;
    cmd.on('error', () => {});
    blk.on('error', () => {});
    this.cmd = cmd;
    this.sub = blk as Subscriber;
    try {
      await Promise.all([cmd.connect(), blk.connect()]);
      await this.sub.subscribe(this.channel(this.node), (id) => this.cancelled(id));
    } finally {
      if (this.closed) {
        destroyQuietly(cmd);
        destroyQuietly(blk);
      }
    }
    if (this.closed) return;
    this.ready = true;
    void this.tick();
  }

  // ---- keys --------------------------------------------------------------------------------

  private keys(id: string): string[] {
    const topic = RUN_TOPIC_PREFIX + id;
    const k = this.seed.keys(topic);
    const keys = [k.record, k.stream, k.epoch, k.counter];
    if (k.notify !== undefined) keys.push(k.notify);
    return keys;
  }

  private leaseKey(node: string): string {
    return `${this.seed.prefix}rn:${node}`;
  }

  private cancelSet(node: string): string {
    return `${this.seed.prefix}rc:${node}`;
  }

  private channel(node: string): string {
    return `${this.seed.prefix}rc:${node}`;
  }

  /** The expiry of a running run's keys: `ttl + leaseMs` after its last sign of life. */
  private get runningTtl(): string {
    return String(this.limits.ttl + this.limits.leaseMs);
  }

  // ---- commands ----------------------------------------------------------------------------

  /**
   * Sends a command, waiting for a connection and retrying through outages for up to `ms`
   * (every command here is safe to run twice). An error reply fails at once
   * (`SLUICE_HUB_REDIS_ERROR`); no connection in time, `SLUICE_HUB_UNAVAILABLE`.
   */
  private async send(args: string[], ms = this.seed.publishTimeoutMs): Promise<unknown> {
    const deadline = Date.now() + ms;
    let retries = 0;
    for (;;) {
      if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
      if (this.startError) throw this.startError;
      const cmd = this.cmd;
      const exec = this.seed.exec;
      // A sharded hub's commands need only that hub's connections (the subscriber here only
      // speeds up cancels; the cancel set backs it up).
      const sent = exec
        ? exec(routingKey(args), args)
        : this.ready && cmd?.isReady
          ? cmd.sendCommand(args)
          : undefined;
      if (sent) {
        try {
          return await sent;
        } catch (err) {
          if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED', undefined, { cause: err });
          if (this.errors && isErrorReply(err, this.errors) && !isTransientReply(err)) {
            throw new SluiceError('SLUICE_HUB_REDIS_ERROR', (err as Error).message, {
              cause: err,
            });
          }
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new SluiceError('SLUICE_HUB_UNAVAILABLE', `no answer from Redis within ${ms} ms`);
      }
      if (!this.ready) {
        await Promise.race([this.started.catch(() => {}), sleep(Math.min(left, 50))]);
      } else await sleep(Math.min(left, 10 * 2 ** Math.min(retries++, 5)));
    }
  }

  private eval(script: string, keys: string[], args: string[], ms?: number): Promise<unknown> {
    return this.send(['EVAL', script, String(keys.length), ...keys, ...args], ms);
  }

  // ---- the store ---------------------------------------------------------------------------

  async create(id: string, options: CreateOptions): Promise<boolean> {
    const now = Date.now();
    await this.send([
      'SET',
      this.leaseKey(this.node),
      String(now),
      'PX',
      String(this.limits.leaseMs),
    ]);
    this.leased = true;
    const created = await this.eval(CREATE, this.keys(id), [
      randomBytes(12).toString('base64url'),
      options.owner,
      String(now),
      this.node,
      String(options.unwatchedMs),
      newEpoch(),
      this.runningTtl,
    ]);
    return Number(created) === 1;
  }

  async append(id: string, seq: number, input: RunInput, token: boolean): Promise<AppendResult> {
    const args = [
      String(seq),
      String(this.limits.maxEvents),
      String(this.limits.maxBytes),
      String(input.size),
      token ? '1' : '0',
      this.runningTtl,
      input.data,
    ];
    if (input.event !== undefined) args.push(input.event);
    const reply = (await this.eval(APPEND, this.keys(id), args)) as string[];
    const p = this.produced.get(id);
    if (p) p.touched = Date.now();
    const kind = String(reply[0]);
    if (kind === 'ok') return { ok: true, id: String(reply[1]) };
    if (kind === 'full') return { ok: false, refused: 'full', detail: String(reply[1]) };
    return { ok: false, refused: kind === 'ended' ? 'ended' : 'missing' };
  }

  async finish(id: string, end: RunEnd): Promise<boolean> {
    const reply = await this.end(id, end, '', '');
    return reply[0] === 'now';
  }

  /** Runs the end script; replies `[kind, state, node]`. */
  private async end(id: string, end: RunEnd, node: string, owner: string): Promise<string[]> {
    const reply = (await this.eval(FINISH, this.keys(id), [
      end.outcome,
      JSON.stringify(end),
      String(Date.now()),
      String(this.limits.ttl),
      node,
      owner,
      String(TOPIC_GRACE_MS),
    ])) as unknown[];
    return reply.map((v) => (v === null || v === undefined ? '' : String(v)));
  }

  async cancel(id: string, owner: string, end: RunEnd): Promise<CancelResult> {
    const [kind, state, node] = await this.end(id, end, '', owner);
    if (kind === 'missing') return { found: false };
    // Tell the producer (again, when a retried cancel finds its own earlier work: aborting twice is harmless).
    if (state === 'cancelled' && node) await this.tellCancelled(id, node);
    return { found: true, outcome: state as RunOutcome, cancelled: kind === 'now' };
  }

  /** Aborts the producer of a cancelled run: here directly, elsewhere through its channel. */
  private async tellCancelled(id: string, node: string): Promise<void> {
    if (node === this.node) {
      this.cancelled(id);
      return;
    }
    const set = this.cancelSet(node);
    await Promise.all([
      this.send(['PUBLISH', this.channel(node), id]),
      this.send(['SADD', set, id]).then(() =>
        this.send(['PEXPIRE', set, String(this.limits.leaseMs * 4)]),
      ),
    ]);
  }

  /** A cancel for a run produced here arrived (pub/sub or the cancel set). */
  private cancelled(id: string): void {
    this.produced.get(id)?.hooks.abort(new SluiceError('SLUICE_RUN_CANCELLED'));
  }

  async get(id: string, again = true): Promise<RunRecord | undefined> {
    const keys = this.keys(id);
    const reply = (await this.eval(GET, [keys[0]!, keys[2]!], [])) as [unknown[], string];
    const flat = reply[0];
    if (!Array.isArray(flat) || flat.length === 0) return undefined;
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) f.set(String(flat[i]), String(flat[i + 1]));
    const state = (f.get('st') ?? 'failed') as RunState;
    const node = f.get('no') ?? '';
    if (state === 'running' && again && node !== this.node) {
      const alive = Number(await this.send(['EXISTS', this.leaseKey(node)]));
      if (alive === 0) {
        await this.producerLost(id, node);
        return this.get(id, false);
      }
    }
    const endText = f.get('en');
    return {
      id,
      state,
      owner: f.get('ow') ?? '',
      createdAt: Number(f.get('ca') ?? 0),
      endedAt: Number(f.get('ea') ?? 0),
      endId: f.get('ei') ?? '',
      end: endText ? parseEndText(endText) : undefined,
      start: `${String(reply[1])}-0-0`,
      events: Number(f.get('ev') ?? 0),
      bytes: Number(f.get('by') ?? 0),
      tokens: Number(f.get('tk') ?? 0),
    };
  }

  /** Fails a running run whose producer (`node`) lost its lease. */
  private producerLost(id: string, node: string): Promise<string[]> {
    const err = new SluiceError('SLUICE_RUN_PRODUCER_LOST');
    return this.end(id, { outcome: 'failed', message: err.message, code: err.code }, node, '');
  }

  produce(id: string, hooks: ProducerHooks): () => void {
    const entry: Produced = { hooks, touched: Date.now(), unwatchedMs: 0 };
    this.produced.set(id, entry);
    void this.send(['HGET', this.keys(id)[0]!, 'uw'])
      .then((uw) => (entry.unwatchedMs = Number(uw ?? 0)))
      .catch(() => {});
    return () => {
      if (this.produced.get(id) === entry) this.produced.delete(id);
    };
  }

  watch(id: string, lost: (end: RunEnd) => void): () => void {
    let w = this.watched.get(id);
    if (!w) {
      w = { count: 0, lost: new Set() };
      this.watched.set(id, w);
    }
    const entry = w;
    entry.count++;
    entry.lost.add(lost);
    void this.noteWatched(id);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      entry.lost.delete(lost);
      if (--entry.count === 0 && this.watched.get(id) === entry) this.watched.delete(id);
      void this.noteWatched(id);
    };
  }

  /** Records that `id` is (or was until now) followed here, for `cancelWhenUnwatched`. */
  private async noteWatched(id: string): Promise<unknown> {
    return this.eval(WATCHED, [this.keys(id)[0]!], [String(Date.now())], 1000).catch(() => {});
  }

  async history(
    id: string,
    from: string,
    maxBytes: number,
  ): Promise<{ events: HubEvent[]; more: boolean }> {
    const p = parseId(from, 2);
    if (!p) return { events: [], more: false };
    const keys = this.keys(id);
    const count = 256;
    const reply = (await this.send([
      'XRANGE',
      keys[1]!,
      `(${p.hi}-${p.lo}`,
      '+',
      'COUNT',
      String(count),
    ])) as RawEntry[] | null;
    const events: HubEvent[] = [];
    let bytes = 0;
    for (const [sid, fields] of reply ?? []) {
      const f = entryFields(fields);
      if (f.h !== undefined && f.h !== p.epoch) return { events, more: false }; // another history
      if (events.length > 0 && bytes >= maxBytes) return { events, more: true };
      events.push({ id: `${p.epoch}-${sid}`, event: f.event, data: f.data });
      bytes += f.data.length;
    }
    return { events, more: (reply?.length ?? 0) === count };
  }

  attach(id: string, sink: HubSink, from: string): Detach {
    return this.hub.attach(RUN_TOPIC_PREFIX + id, sink, { from });
  }

  subscribe(
    id: string,
    options: { from: string; signal?: AbortSignal; maxQueue?: number },
  ): AsyncIterable<HubEvent> {
    return this.hub.subscribe(RUN_TOPIC_PREFIX + id, options);
  }

  // ---- leases and watchdogs ----------------------------------------------------------------

  /**
   * Every `leaseMs / 4`: renews this node's lease (a renewal that finds it expired means this
   * node was taken for dead: its runs that were ended meanwhile are aborted here), collects
   * cancels the pub/sub message missed, pushes back the expiry of idle runs, cancels unwatched
   * runs, and checks the runs followed here: a producer that lost its lease fails its run, a
   * run that vanished ends its followers.
   */
  private async tick(): Promise<void> {
    if ((!this.ready && !this.seed.exec) || this.ticking || this.closed) return;
    this.ticking = true;
    const budget = this.limits.leaseMs / 2;
    try {
      const now = Date.now();
      const previous = await this.send(
        ['SET', this.leaseKey(this.node), String(now), 'PX', String(this.limits.leaseMs), 'GET'],
        budget,
      );
      if (previous === null && this.leased) await this.fence();
      this.leased = true;
      const work: Promise<unknown>[] = [];
      if (this.produced.size > 0) {
        work.push(
          this.eval(DRAIN, [this.cancelSet(this.node)], [], budget).then((ids) => {
            for (const id of ids as string[]) this.cancelled(String(id));
          }),
        );
      }
      for (const [id, p] of this.produced) {
        if (now - p.touched > this.limits.ttl / 4) {
          p.touched = now;
          for (const key of this.keys(id)) {
            work.push(this.send(['PEXPIRE', key, this.runningTtl], budget));
          }
        }
        if (p.unwatchedMs > 0 && !this.watched.has(id)) work.push(this.checkUnwatched(id, p, now));
      }
      for (const [id, w] of this.watched) work.push(this.checkFollowed(id, w, now, budget));
      await Promise.allSettled(work);
    } catch {
      // Redis is down: the next tick tries again.
    } finally {
      this.ticking = false;
    }
  }

  /** This node's lease had expired: abort the producers whose runs ended meanwhile. */
  private async fence(): Promise<void> {
    await Promise.allSettled(
      [...this.produced].map(async ([id, p]) => {
        const state = await this.send(['HGET', this.keys(id)[0]!, 'st']);
        if (state !== 'running') {
          p.hooks.abort(
            new SluiceError(state === null ? 'SLUICE_RUN_LOST' : 'SLUICE_RUN_PRODUCER_LOST'),
          );
        }
      }),
    );
  }

  /** Cancels a run produced here that no node has followed for its `cancelWhenUnwatched`. */
  private async checkUnwatched(id: string, p: Produced, now: number): Promise<void> {
    const wa = Number(await this.send(['HGET', this.keys(id)[0]!, 'wa']));
    // A follower elsewhere refreshes `wa` every leaseMs / 4: allow for that much staleness.
    if (now - wa <= p.unwatchedMs + this.limits.leaseMs / 4) return;
    const message = `no follower was attached for ${p.unwatchedMs} ms`;
    await this.cancel(id, '', { outcome: 'cancelled', message });
  }

  /** Checks a run followed here: a lost producer fails it, a vanished record ends followers. */
  private async checkFollowed(id: string, w: Watched, now: number, budget: number): Promise<void> {
    const reply = (await this.eval(WATCHED, [this.keys(id)[0]!], [String(now)], budget)) as [
      string | null,
      string | null,
    ];
    const [state, node] = reply;
    if (state === null || state === undefined) {
      const err = new SluiceError('SLUICE_RUN_LOST');
      const end: RunEnd = { outcome: 'failed', message: err.message, code: err.code };
      for (const lost of [...w.lost]) lost(end);
      return;
    }
    if (state !== 'running' || !node || node === this.node) return;
    const alive = Number(await this.send(['EXISTS', this.leaseKey(node)], budget));
    if (alive === 0) await this.producerLost(id, node);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    // Give the lease back: nothing of this node lingers in Redis.
    if (this.ready && this.cmd?.isReady) {
      const keys = [this.leaseKey(this.node), this.cancelSet(this.node)];
      const exec = this.seed.exec;
      // Sharded: the two keys may live on two shards.
      const gone = exec
        ? Promise.all(keys.map((k) => exec(k, ['DEL', k])?.catch(() => {})))
        : this.cmd.sendCommand(['DEL', ...keys]).catch(() => {});
      await Promise.race([gone, sleep(250)]);
    }
    this.closed = true;
    const { cmd, sub } = this;
    if (sub) destroyQuietly(sub);
    if (cmd) await closeWithin(cmd, 250);
  }
}

function parseEndText(text: string): RunEnd {
  try {
    const v = JSON.parse(text) as RunEnd;
    const end: RunEnd = { outcome: v.outcome };
    if (typeof v.message === 'string') end.message = v.message;
    if (typeof v.code === 'string') end.code = v.code;
    return end;
  } catch {
    return { outcome: 'failed' };
  }
}

/** The key a command is routed by on a sharded hub: an `EVAL`'s first key, else the first argument. */
function routingKey(args: string[]): string {
  return args[0] === 'EVAL' ? args[3]! : args[1]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function destroyQuietly(c: RedisConnection): void {
  try {
    c.destroy();
  } catch {
    // already closed
  }
}
