/**
 * Durable runs: a producer (a model call, say) that runs detached from the request that started
 * it, writes every event into the run's bounded history, and ends with one terminal
 * `sluice-end` event; any number of followers (tabs, nodes) replay the history after their
 * `Last-Event-ID`, then follow live, then get the end. A cancel aborts the producer's signal
 * wherever it runs. The store is the hub's (the Redis hub shares runs across processes) or the
 * in-process one.
 */
import { randomBytes } from 'node:crypto';
import { ERROR_CODES, HttpError, SluiceError, type ErrorCode } from '../errors/index.js';
import { createDefaultLogger, guardLogger, type Logger } from '../logger.js';
import { captureInput, DEFAULT_MAX_EVENT_SIZE, Entry } from '../hub/entry.js';
import { RESET_EVENT } from '../hub/event-id.js';
import {
  RUN_END_EVENT,
  RUN_STORE,
  endData,
  type RunEnd,
  type RunInput,
  type RunOutcome,
  type RunRecord,
  type RunState,
  type RunStore,
  type RunStoreProvider,
} from '../hub/run-store.js';
import type { Hub, HubEvent, HubSink } from '../hub/types.js';
import type { ResponseHeaders } from '../http/headers.js';
import type { EventStream, EventStreamOptions } from '../sse/event-stream.js';
import {
  isTerminalFrame,
  renderingOf,
  RUN_FORMATS,
  type Rendering,
  type RunFormat,
} from './formats.js';
import { createMemoryRunStore } from './memory-store.js';
import { ownerDigest, sameDigest } from './owner.js';

/**
 * Options of `createRuns`. Every limit has a default; each is checked at creation.
 * @example createRuns(hub, { ttl: 10 * 60_000, maxEvents: 10_000, maxBytes: 8 << 20 })
 */
export interface RunsOptions {
  /** How long an ended run stays replayable, in ms (default 10 minutes); then `follow` is 404. */
  ttl?: number;
  /** Events a run may emit (default 10,000); one more fails the run (`SLUICE_RUN_HISTORY_FULL`). */
  maxEvents?: number;
  /** Bytes a run may emit, data plus event names in UTF-8 (default 8 MiB); past it, as above. */
  maxBytes?: number;
  /** Largest single event, UTF-8 bytes of data plus event name (default 256 KiB). */
  maxEventSize?: number;
  /**
   * Abort a run's producer (outcome `cancelled`) once no follower has been attached for this
   * long, in ms (default 0: never; a run started and never followed counts from its start).
   * With the Redis hub the followers of every node count, seen at lease renewals.
   */
  cancelWhenUnwatched?: number;
  /**
   * Redis hub: how long a producer's lease lasts without renewal, in ms (default 4000; renewed
   * every quarter of it). A producer whose process dies is detected, and its run failed with
   * `SLUICE_RUN_PRODUCER_LOST`, within `leaseMs * 1.25` plus a Redis round trip.
   */
  leaseMs?: number;
  /**
   * Runs at once (default 10,000): producers running in this process; with the in-process
   * store, ended runs held too (the oldest ended one is dropped early to make room). Past it
   * `start` rejects with `SLUICE_RUN_LIMIT` (503).
   */
  maxRuns?: number;
  /**
   * In-process store: bytes of history over every run held (default 256 MiB). Past it the
   * oldest ended runs are dropped early; when none is left, the emit fails the run
   * (`SLUICE_RUN_HISTORY_FULL`).
   */
  maxTotalBytes?: number;
  /** Where a producer's unexpected errors are logged (default: JSON lines on stderr). */
  logger?: Logger;
}

/**
 * One event a producer emits: `data` is a string or any JSON value; `event` names it.
 * A `token` event's data must be a string (a text delta): the vendor formats render it.
 * @example await emit({ event: 'token', data: 'Hel' })
 */
export interface RunEventInput {
  event?: string;
  data: unknown;
}

/**
 * What a producer gets.
 * @example
 * await runs.start(async ({ token, signal }) => {
 *   for await (const t of model(prompt, { signal })) await token(t);
 * });
 */
export interface RunContext {
  /** The run's id. */
  readonly id: string;
  /**
   * Aborts when the run is cancelled (from any node), fails (history full, lease lost), or the
   * runs object closes; its reason is the coded error. Pass it to the upstream call.
   */
  readonly signal: AbortSignal;
  /**
   * Appends an event to the run's history and sends it to every follower; resolves its id.
   * Emits land in the order they were made. A rejected emit (history full, the run ended, an
   * event that cannot be kept) has ended the run: stop producing.
   */
  emit(event: RunEventInput): Promise<string>;
  /** `emit({ event: 'token', data: text })`. */
  token(text: string): Promise<string>;
}

/**
 * Options of `runs.start`.
 * @example runs.start(produce, { owner: user.id })
 */
export interface StartOptions {
  /** Who may follow and cancel it (compared as a digest; the text itself is never stored). */
  owner?: string;
  /**
   * The run's id (1 to 128 of `A-Za-z0-9_-`): by default 128 random bits. An id of your own
   * must be as hard to guess; a taken one rejects with `SLUICE_RUN_EXISTS` (409).
   */
  id?: string;
}

/**
 * A started run.
 * @example const { id, done } = await runs.start(produce); console.log((await done).outcome);
 */
export interface RunHandle {
  readonly id: string;
  /** Settles with the run's end once it ended (never rejects). */
  readonly done: Promise<RunEnd>;
}

/**
 * Options of `runs.follow`.
 * @example runs.follow(r, r.params.id, { owner: userOf(r), format: 'ai-sdk' })
 */
export interface FollowOptions {
  /** When given, the run's owner must be this one, else 404. Omit it only for public runs or the request that started the run. */
  owner?: string;
  /** The wire format (default `sluice`): see README, "Durable runs". */
  format?: RunFormat;
  /** Resume after this id instead of the request's `Last-Event-ID`. */
  from?: string;
  /** The model name the vendor formats report (default `sluice-run`). */
  model?: string;
  /** Heartbeat period of the stream in ms (default 15,000; 0 disables). */
  heartbeat?: number;
}

/**
 * The request `follow` streams to: a Sluice `Request` (`r`) is one.
 * @example s.get('/api/chat/:id', (r) => runs.follow(r, r.params.id))
 */
export interface FollowRequest {
  header(name: string): string | undefined;
  readonly response: {
    status: number;
    header(): ResponseHeaders;
    sse(options?: EventStreamOptions): EventStream;
  };
}

/**
 * What `runs.status` tells.
 * @example { id, state: 'running', createdAt: 1700000000000, events: 12, tokens: 12 }
 */
export interface RunStatus {
  id: string;
  state: RunState;
  createdAt: number;
  /** When it ended (undefined while running). */
  endedAt: number | undefined;
  /** Its terminal event's content (undefined while running). */
  end: RunEnd | undefined;
  events: number;
  tokens: number;
}

/**
 * Options of `runs.events`.
 * @example for await (const ev of runs.events(id, { owner })) save(ev);
 */
export interface EventsOptions {
  owner?: string;
  /** Resume after this id (default: from the first event). */
  from?: string;
  signal?: AbortSignal;
}

/**
 * Durable runs over a hub: see `createRuns`.
 * @example const runs = createRuns(hub);
 */
export interface Runs {
  /** Starts a producer detached from the caller; resolves once the run exists (its id). */
  start(
    producer: (ctx: RunContext) => Promise<void> | void,
    options?: StartOptions,
  ): Promise<RunHandle>;
  /**
   * Streams the run as SSE to the request: its history after `Last-Event-ID` (all of it when
   * none), live events, the terminal event, then the end of the response. Unknown, expired or
   * another owner's run: rejects with `SLUICE_RUN_NOT_FOUND` (404) before anything is sent. A
   * client that already saw the end (its `Last-Event-ID` is the terminal event's) gets 204.
   */
  follow(r: FollowRequest, id: string, options?: FollowOptions): Promise<void>;
  /**
   * Cancels a running run: its terminal event (`cancelled`) is written and its producer's
   * signal aborts on whichever process runs it. Resolves the run's outcome (an ended run's
   * own); unknown or another owner's: `SLUICE_RUN_NOT_FOUND` (404).
   */
  cancel(id: string, options?: { owner?: string }): Promise<{ id: string; outcome: RunOutcome }>;
  /** The run's state, or undefined when unknown, expired or another owner's. */
  status(id: string, options?: { owner?: string }): Promise<RunStatus | undefined>;
  /**
   * The run's events as an async iterator (for server-side readers: saving the answer, tests):
   * the history, live events, the terminal `sluice-end`, then the end. Unknown: throws
   * `SLUICE_RUN_NOT_FOUND` at the first `next()`.
   */
  events(id: string, options?: EventsOptions): AsyncIterable<HubEvent>;
  /**
   * Fails the runs produced here (`SLUICE_SHUTDOWN`: their followers everywhere get the end at
   * once rather than at lease expiry), aborts their producers, and releases the store.
   */
  close(): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Data per page of a replay written before a follower attaches (then it waits for the client). */
const REPLAY_PAGE_BYTES = 256 * 1024;

/**
 * Creates durable runs over a hub: with `createHub()` runs live in this process; with the
 * Redis hub (`sluice/redis`) they are shared by every process on the same Redis and prefix
 * (follow and cancel on any node, producers' liveness leased).
 * Defaults: `ttl` 10 min, `maxEvents` 10,000, `maxBytes` 8 MiB, `maxEventSize` 256 KiB,
 * `cancelWhenUnwatched` never, `leaseMs` 4000, `maxRuns` 10,000, `maxTotalBytes` 256 MiB.
 * @example
 * const runs = createRuns(hub, { ttl: 10 * 60_000 });
 * s.post('/api/chat', async (r) => {
 *   const { prompt } = await r.json();
 *   const run = await runs.start(async ({ token, signal }) => {
 *     for await (const t of model(prompt, { signal })) await token(t);
 *   }, { owner: userOf(r) });
 *   return runs.follow(r, run.id);
 * });
 * s.get('/api/chat/{id}', (r) => runs.follow(r, r.params.id, { owner: userOf(r) }));
 * s.post('/api/chat/{id}/stop', (r) => runs.cancel(r.params.id, { owner: userOf(r) }));
 */
export function createRuns(hub: Hub, options: RunsOptions = {}): Runs {
  return new DurableRuns(hub, options);
}

/** A producer running in this process. */
class Producer {
  seq = 0;
  /** The chain of appends: each starts when the previous one settled (order, exactly once). */
  tail: Promise<unknown> = Promise.resolve();
  readonly ac = new AbortController();
  /** Why the run stopped here (set once): later emits reject with it. */
  stopped: Error | undefined = undefined;
  release: () => void = () => {};
  settle!: (end: RunEnd) => void;
  readonly done = new Promise<RunEnd>((resolve) => (this.settle = resolve));
  constructor(readonly id: string) {}

  /**
   * Stops the producer: emits reject with the reason, and (when the producer may still be
   * running: a cancel, a failure it did not cause itself) its signal aborts with it.
   */
  stop(reason: Error, end: RunEnd, abort = true): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.release();
    this.settle(end);
    if (abort) this.ac.abort(reason);
  }
}

class DurableRuns implements Runs {
  private readonly store: RunStore;
  private readonly producers = new Map<string, Producer>();
  private readonly renderings = new Map<string, { rendering: Rendering; refs: number }>();
  private readonly maxEventSize: number;
  private readonly maxRuns: number;
  private readonly unwatchedMs: number;
  private readonly logger: Logger;
  private closed = false;

  constructor(hub: Hub, options: RunsOptions) {
    const limits = {
      ttl: positive(options.ttl, 10 * 60_000, 'ttl'),
      maxEvents: positive(options.maxEvents, 10_000, 'maxEvents'),
      maxBytes: positive(options.maxBytes, 8 * 1024 * 1024, 'maxBytes'),
      leaseMs: positive(options.leaseMs, 4000, 'leaseMs'),
    };
    if (limits.leaseMs < 100)
      throw new SluiceError('SLUICE_CONFIG', 'leaseMs must be at least 100');
    this.maxEventSize = positive(options.maxEventSize, DEFAULT_MAX_EVENT_SIZE, 'maxEventSize');
    this.maxRuns = positive(options.maxRuns, 10_000, 'maxRuns');
    this.unwatchedMs = nonNegative(options.cancelWhenUnwatched, 0, 'cancelWhenUnwatched');
    this.logger = guardLogger(options.logger ?? createDefaultLogger());
    const provider = (hub as Partial<RunStoreProvider>)[RUN_STORE];
    this.store =
      typeof provider === 'function'
        ? provider.call(hub, limits)
        : createMemoryRunStore({
            ...limits,
            maxRuns: this.maxRuns,
            maxTotalBytes: positive(options.maxTotalBytes, 256 * 1024 * 1024, 'maxTotalBytes'),
          });
  }

  // ---- start -------------------------------------------------------------------------------

  async start(
    producer: (ctx: RunContext) => Promise<void> | void,
    options: StartOptions = {},
  ): Promise<RunHandle> {
    if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED', 'the runs object was closed');
    if (typeof producer !== 'function') {
      throw new SluiceError('SLUICE_CONFIG', 'runs.start takes the producer function first');
    }
    const id = options.id ?? randomBytes(16).toString('base64url');
    if (typeof id !== 'string' || !ID.test(id)) throw new SluiceError('SLUICE_RUN_ID');
    if (this.producers.size >= this.maxRuns) {
      throw new SluiceError('SLUICE_RUN_LIMIT', `maxRuns is ${this.maxRuns}`);
    }
    const p = new Producer(id);
    this.producers.set(id, p);
    try {
      const created = await this.store.create(id, {
        owner: ownerDigest(options.owner),
        unwatchedMs: this.unwatchedMs,
      });
      if (!created) throw new SluiceError('SLUICE_RUN_EXISTS');
    } catch (err) {
      this.producers.delete(id);
      throw err;
    }
    const unproduce = this.store.produce(id, {
      abort: (reason) => p.stop(reason, endOf(reason)),
    });
    p.release = () => {
      unproduce();
      if (this.producers.get(id) === p) this.producers.delete(id);
    };
    const emit = (input: RunEventInput): Promise<string> => this.emit(p, input);
    const ctx: RunContext = {
      id,
      signal: p.ac.signal,
      emit,
      token: (text) => emit({ event: 'token', data: text }),
    };
    // Detached: the caller's request may end at once; the producer goes on.
    setImmediate(() => void this.produce(p, producer, ctx));
    return { id, done: p.done };
  }

  private async produce(
    p: Producer,
    producer: (ctx: RunContext) => Promise<void> | void,
    ctx: RunContext,
  ): Promise<void> {
    let end: RunEnd = { outcome: 'done' };
    try {
      if (!p.stopped) await producer(ctx);
    } catch (err) {
      end = this.failureOf(err, p);
    }
    await p.tail; // emits made without awaiting land before the end
    if (p.stopped) return;
    await this.end(p, end, reasonOf(end), false); // it returned: nothing left to abort
  }

  /** Writes the run's end (once) and stops its producer (its signal aborts with `reason`). */
  private async end(
    p: Producer,
    end: RunEnd,
    reason: Error = reasonOf(end),
    abort = true,
  ): Promise<void> {
    try {
      await this.store.finish(p.id, end);
    } catch (err) {
      this.logger.error({ err, run: p.id }, 'sluice: could not write the end of a run; retrying');
      this.retryFinish(p.id, end, 1);
    }
    p.stop(reason, end, abort);
  }

  /** Writes an end the store could not take (Redis down), every 2 s for a minute. */
  private retryFinish(id: string, end: RunEnd, attempt: number): void {
    if (this.closed || attempt > 30) return;
    setTimeout(() => {
      this.store.finish(id, end).catch(() => this.retryFinish(id, end, attempt + 1));
    }, 2000).unref();
  }

  /** The end a producer's error gives: its message when safe to show, else a generic one. */
  private failureOf(err: unknown, p: Producer): RunEnd {
    if (err instanceof HttpError) {
      return err.code === undefined
        ? { outcome: 'failed', message: err.message }
        : { outcome: 'failed', message: err.message, code: err.code };
    }
    if (err instanceof SluiceError)
      return { outcome: 'failed', message: err.message, code: err.code };
    if (!p.stopped) this.logger.error({ err, run: p.id }, 'sluice: a run failed');
    return { outcome: 'failed', message: 'the run failed', code: 'SLUICE_RUN_FAILED' };
  }

  // ---- emit --------------------------------------------------------------------------------

  private emit(p: Producer, input: RunEventInput): Promise<string> {
    if (p.stopped) return Promise.reject(p.stopped);
    let captured: RunInput;
    let token: boolean;
    try {
      [captured, token] = this.capture(input);
    } catch (err) {
      const e = err as SluiceError;
      void this.failWith(p, e);
      return Promise.reject(e);
    }
    const seq = ++p.seq;
    const result = p.tail.then(async () => {
      if (p.stopped) throw p.stopped;
      let res;
      try {
        res = await this.store.append(p.id, seq, captured, token);
      } catch (err) {
        const e = err instanceof SluiceError ? err : new SluiceError('SLUICE_RUN_FAILED');
        await this.failWith(p, e);
        throw err;
      }
      if (res.ok) return res.id;
      if (res.refused === 'full') {
        const e = new SluiceError('SLUICE_RUN_HISTORY_FULL', res.detail);
        await this.failWith(p, e);
        throw e;
      }
      const e =
        res.refused === 'ended'
          ? new SluiceError('SLUICE_RUN_ENDED')
          : new SluiceError('SLUICE_RUN_LOST');
      p.stop(e, endOf(e));
      throw e;
    });
    p.tail = result.catch(() => {});
    return result;
  }

  /** Fails the run with a coded error (its message is safe to show) and stops the producer. */
  private failWith(p: Producer, err: SluiceError): Promise<void> {
    if (p.stopped) return Promise.resolve();
    return this.end(p, { outcome: 'failed', message: err.message, code: err.code }, err);
  }

  /** Checks an emitted event and captures its data as text. */
  private capture(input: RunEventInput): [RunInput, boolean] {
    if (input === null || typeof input !== 'object') {
      throw new SluiceError('SLUICE_RUN_EVENT', 'emit takes { data, event? }');
    }
    const name = input.event;
    if (name === RUN_END_EVENT || name === RESET_EVENT) {
      throw new SluiceError('SLUICE_RUN_EVENT', `"${name}" is reserved`);
    }
    const token = name === 'token';
    if (token && typeof input.data !== 'string') {
      throw new SluiceError('SLUICE_RUN_EVENT', 'a token event carries a string (a text delta)');
    }
    const { event, data } = captureInput({ event: name, data: input.data }, this.maxEventSize);
    const size = Buffer.byteLength(data) + (event === undefined ? 0 : Buffer.byteLength(event));
    return [{ event, data, size }, token];
  }

  // ---- follow, cancel, status, events --------------------------------------------------------

  /** The run's record when it exists and the owner matches (when one is given). */
  private async lookup(id: unknown, owner: string | undefined): Promise<RunRecord | undefined> {
    if (typeof id !== 'string' || !ID.test(id)) return undefined;
    const record = await this.store.get(id);
    if (!record) return undefined;
    if (owner !== undefined && !sameDigest(ownerDigest(owner), record.owner)) return undefined;
    return record;
  }

  async follow(r: FollowRequest, id: string, options: FollowOptions = {}): Promise<void> {
    const format = options.format ?? 'sluice';
    if (!RUN_FORMATS.includes(format)) {
      throw new SluiceError('SLUICE_CONFIG', `format must be one of ${RUN_FORMATS.join(', ')}`);
    }
    const record = await this.lookup(id, options.owner);
    if (!record) throw new SluiceError('SLUICE_RUN_NOT_FOUND');
    const from = options.from ?? lastEventId(r);
    if (from !== '' && from === record.endId) {
      // It saw the end already: 204 stops an EventSource (and sluice/client) from reconnecting.
      r.response.status = 204;
      return;
    }
    const key = `${record.id}\0${format}\0${options.model ?? 'sluice-run'}`;
    let held = this.renderings.get(key);
    if (!held) {
      held = { rendering: renderingOf(record, format, options.model ?? 'sluice-run'), refs: 0 };
      this.renderings.set(key, held);
    }
    held.refs++;
    const { rendering } = held;
    let lost: ((end: RunEnd) => void) | undefined;
    const unwatch = this.store.watch(record.id, (end) => lost?.(end));
    try {
      const h = r.response.header();
      for (const [name, value] of Object.entries(rendering.headers)) h.set(name, value);
      const es = r.response.sse(
        options.heartbeat === undefined ? {} : { heartbeat: options.heartbeat },
      );
      // The history first, page by page at the client's pace (a long history is never cut for
      // its size), then attach from where that left off: the rest of it, live events, the end.
      let at = from === '' ? record.start : from;
      if (from === '' && rendering.preamble && !(await es.writeFrames([rendering.preamble]))) {
        return;
      }
      for (;;) {
        const page = await this.store.history(record.id, at, REPLAY_PAGE_BYTES);
        const frames: Uint8Array[] = [];
        let ended = false;
        for (const e of page.events) {
          // An entry of the in-process store keeps its encodings: shared by every follower.
          const bytes = e instanceof Entry ? e.encoded(rendering.codec) : rendering.codec.encode(e);
          if (bytes.byteLength > 0) frames.push(bytes);
          at = e.id;
          if (e.event === RUN_END_EVENT) {
            ended = true;
            break;
          }
        }
        if (!(await es.writeFrames(frames))) return;
        if (ended) {
          await es.close();
          return;
        }
        if (!page.more) break;
      }
      await es.attach((sink) => {
        const follower: HubSink = {
          codec: rendering.codec,
          write(bytes, eid) {
            if (bytes.byteLength === 0) return;
            sink.write(bytes, eid);
            if (isTerminalFrame(bytes)) sink.end();
          },
          end: (reason) => sink.end(reason),
        };
        // The run vanished without its end (Redis lost it): an end made here, then close.
        lost = (end) =>
          follower.write(
            rendering.codec.encode({ id: '', event: RUN_END_EVENT, data: endData(end, 0) }),
            '',
          );
        return this.store.attach(record.id, follower, at);
      }, rendering.codec);
      if (!es.closed) await es.close();
    } finally {
      unwatch();
      if (--held.refs === 0 && this.renderings.get(key) === held) this.renderings.delete(key);
    }
  }

  async cancel(
    id: string,
    options: { owner?: string } = {},
  ): Promise<{ id: string; outcome: RunOutcome }> {
    if (typeof id !== 'string' || !ID.test(id)) throw new SluiceError('SLUICE_RUN_NOT_FOUND');
    const res = await this.store.cancel(id, ownerDigest(options.owner), { outcome: 'cancelled' });
    if (!res.found) throw new SluiceError('SLUICE_RUN_NOT_FOUND');
    return { id, outcome: res.outcome };
  }

  async status(id: string, options: { owner?: string } = {}): Promise<RunStatus | undefined> {
    const record = await this.lookup(id, options.owner);
    if (!record) return undefined;
    return {
      id: record.id,
      state: record.state,
      createdAt: record.createdAt,
      endedAt: record.state === 'running' ? undefined : record.endedAt,
      end: record.end,
      events: record.events,
      tokens: record.tokens,
    };
  }

  events(id: string, options: EventsOptions = {}): AsyncIterable<HubEvent> {
    return { [Symbol.asyncIterator]: () => this.eventsOf(id, options) };
  }

  private async *eventsOf(id: string, options: EventsOptions): AsyncGenerator<HubEvent> {
    const record = await this.lookup(id, options.owner);
    if (!record) throw new SluiceError('SLUICE_RUN_NOT_FOUND');
    const source = this.store.subscribe(record.id, {
      from: options.from ?? record.start,
      ...(options.signal ? { signal: options.signal } : {}),
      maxQueue: Number.MAX_SAFE_INTEGER,
    });
    for await (const ev of source) {
      yield ev;
      if (ev.event === RUN_END_EVENT) return;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const end: RunEnd = {
      outcome: 'failed',
      message: 'the server producing the run shut down',
      code: 'SLUICE_SHUTDOWN',
    };
    await Promise.all(
      [...this.producers.values()].map(async (p) => {
        if (p.stopped) return;
        await Promise.race([
          this.store.finish(p.id, end).catch(() => false),
          new Promise((resolve) => setTimeout(resolve, 1000).unref()),
        ]);
        p.stop(new SluiceError('SLUICE_SHUTDOWN'), end);
      }),
    );
    await this.store.close();
  }
}

/** The end a coded reason stands for (what a producer's `done` reports). */
function endOf(reason: Error): RunEnd {
  const code = (reason as SluiceError).code;
  if (code === 'SLUICE_RUN_CANCELLED') return { outcome: 'cancelled' };
  return { outcome: 'failed', message: reason.message, ...(code ? { code } : {}) };
}

/** The abort reason of a producer whose run ended with `end`. */
function reasonOf(end: RunEnd): Error {
  if (end.outcome === 'done') return new SluiceError('SLUICE_RUN_ENDED', 'the run is done');
  if (end.outcome === 'cancelled') return new SluiceError('SLUICE_RUN_CANCELLED');
  const code = end.code;
  if (code !== undefined && Object.hasOwn(ERROR_CODES, code))
    return new SluiceError(code as ErrorCode);
  return new SluiceError('SLUICE_RUN_FAILED', end.message);
}

/** The client's `Last-Event-ID` ('' when none), as UTF-8 (Node hands headers over as Latin-1). */
function lastEventId(r: FollowRequest): string {
  const raw = r.header('last-event-id');
  if (!raw) return '';
  return /[^\x00-\x7f]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SluiceError('SLUICE_CONFIG', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SluiceError('SLUICE_CONFIG', `${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}
