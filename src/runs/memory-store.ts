/**
 * The in-process run store: each run's record and its whole history in this process, bounded
 * per run (`maxEvents`, `maxBytes`: the producer's append is refused past them, never trimmed),
 * over all runs (`maxTotalBytes`, `maxRuns`: ended runs are dropped early, oldest first, before
 * anything running is refused), and in time (`ttl` after the end). Followers are the hub's own
 * subscribers (replay then live, frames encoded once per codec); cancellation and the unwatched
 * timer reach the producer directly.
 */
import { SluiceError } from '../errors/index.js';
import { makeEntry, makeResetEntry, type Entry } from '../hub/entry.js';
import { newEpoch, parseId } from '../hub/event-id.js';
import {
  RUN_END_EVENT,
  endData,
  type AppendResult,
  type CancelResult,
  type CreateOptions,
  type ProducerHooks,
  type RunEnd,
  type RunInput,
  type RunLimits,
  type RunRecord,
  type RunState,
  type RunStore,
} from '../hub/run-store.js';
import { QueueSubscriber, SinkSubscriber, detachOf, type Subscriber } from '../hub/subscriber.js';
import type { Detach, HubEvent, HubSink } from '../hub/types.js';
import { sameDigest } from './owner.js';

/** Limits of the in-process store. */
export interface MemoryRunLimits extends RunLimits {
  /** Runs held at once (running or ended and still replayable). */
  maxRuns: number;
  /** Bytes of history over every run held (data plus event names, UTF-8). */
  maxTotalBytes: number;
}

class MemRun {
  readonly epoch = newEpoch();
  /** Number of the last event (the terminal one included). */
  seq = 0;
  readonly entries: Entry[] = [];
  readonly subs = new Set<Subscriber>();
  state: RunState = 'running';
  endedAt = 0;
  endId = '';
  end: RunEnd | undefined = undefined;
  events = 0;
  bytes = 0;
  tokens = 0;
  /** Bytes held, the terminal event included (what `maxTotalBytes` counts). */
  held = 0;
  /** The producer's sequence number of its last append, and that event's id. */
  lastSeq = 0;
  lastId = '';
  producer: ProducerHooks | undefined = undefined;
  watchers = 0;
  unwatched: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly id: string,
    readonly owner: string,
    readonly createdAt: number,
    readonly unwatchedMs: number,
  ) {}
}

/**
 * Creates the in-process store (what `createRuns` uses on the memory hub).
 * @example const store = createMemoryRunStore({ ttl: 600_000, maxEvents: 10_000, maxBytes: 8 << 20, leaseMs: 4000, maxRuns: 10_000, maxTotalBytes: 256 << 20 });
 */
export function createMemoryRunStore(limits: MemoryRunLimits): RunStore {
  return new MemoryRunStore(limits);
}

class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, MemRun>();
  /** Ended runs, oldest end first: they expire in this order (one ttl for all). */
  private ended: MemRun[] = [];
  private endedHead = 0;
  private totalBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly limits: MemoryRunLimits) {}

  create(id: string, options: CreateOptions): Promise<boolean> {
    if (this.closed) return Promise.reject(new SluiceError('SLUICE_HUB_CLOSED'));
    if (this.runs.has(id)) return Promise.resolve(false);
    if (this.runs.size >= this.limits.maxRuns && !this.dropOldestEnded()) {
      return Promise.reject(
        new SluiceError('SLUICE_RUN_LIMIT', `maxRuns is ${this.limits.maxRuns}`),
      );
    }
    const run = new MemRun(id, options.owner, Date.now(), options.unwatchedMs);
    this.runs.set(id, run);
    this.armUnwatched(run);
    return Promise.resolve(true);
  }

  append(id: string, seq: number, input: RunInput, token: boolean): Promise<AppendResult> {
    const run = this.runs.get(id);
    if (!run) return Promise.resolve({ ok: false, refused: 'missing' });
    if (run.state !== 'running') return Promise.resolve({ ok: false, refused: 'ended' });
    if (seq <= run.lastSeq) return Promise.resolve({ ok: true, id: run.lastId });
    const { maxEvents, maxBytes, maxTotalBytes } = this.limits;
    if (run.events + 1 > maxEvents) {
      return Promise.resolve({ ok: false, refused: 'full', detail: `maxEvents is ${maxEvents}` });
    }
    if (run.bytes + input.size > maxBytes) {
      return Promise.resolve({ ok: false, refused: 'full', detail: `maxBytes is ${maxBytes}` });
    }
    while (this.totalBytes + input.size > maxTotalBytes) {
      if (!this.dropOldestEnded()) {
        return Promise.resolve({
          ok: false,
          refused: 'full',
          detail: `the process budget maxTotalBytes (${maxTotalBytes}) is spent`,
        });
      }
    }
    run.events++;
    run.bytes += input.size;
    if (token) run.tokens++;
    run.lastSeq = seq;
    run.lastId = this.push(run, input.event, input.data, input.size);
    return Promise.resolve({ ok: true, id: run.lastId });
  }

  finish(id: string, end: RunEnd): Promise<boolean> {
    const run = this.runs.get(id);
    return Promise.resolve(run !== undefined && this.end(run, end));
  }

  cancel(id: string, owner: string, end: RunEnd): Promise<CancelResult> {
    const run = this.runs.get(id);
    if (!run || (owner !== '' && !sameDigest(owner, run.owner))) {
      return Promise.resolve({ found: false });
    }
    if (run.state !== 'running') {
      return Promise.resolve({ found: true, outcome: run.state, cancelled: false });
    }
    this.end(run, end);
    run.producer?.abort(new SluiceError('SLUICE_RUN_CANCELLED', end.message));
    return Promise.resolve({ found: true, outcome: 'cancelled', cancelled: true });
  }

  get(id: string): Promise<RunRecord | undefined> {
    const run = this.runs.get(id);
    if (!run) return Promise.resolve(undefined);
    return Promise.resolve({
      id: run.id,
      state: run.state,
      owner: run.owner,
      createdAt: run.createdAt,
      endedAt: run.endedAt,
      endId: run.endId,
      end: run.end,
      start: `${run.epoch}-0`,
      events: run.events,
      bytes: run.bytes,
      tokens: run.tokens,
    });
  }

  produce(id: string, hooks: ProducerHooks): () => void {
    const run = this.runs.get(id);
    if (!run) return () => {};
    run.producer = hooks;
    return () => {
      if (run.producer === hooks) run.producer = undefined;
    };
  }

  watch(id: string): () => void {
    const run = this.runs.get(id);
    if (!run) return () => {};
    run.watchers++;
    clearTimeout(run.unwatched);
    run.unwatched = undefined;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      run.watchers--;
      this.armUnwatched(run);
    };
  }

  history(
    id: string,
    from: string,
    maxBytes: number,
  ): Promise<{ events: HubEvent[]; more: boolean }> {
    const run = this.runs.get(id);
    const p = parseId(from, 1);
    if (!run || !p || p.epoch !== run.epoch || p.hi >= run.seq) {
      return Promise.resolve({ events: [], more: false });
    }
    const events: HubEvent[] = [];
    let bytes = 0;
    let i = p.hi;
    for (; i < run.entries.length && (events.length === 0 || bytes < maxBytes); i++) {
      const e = run.entries[i]!;
      events.push(e);
      bytes += e.data.length;
    }
    return Promise.resolve({ events, more: i < run.entries.length });
  }

  attach(id: string, sink: HubSink, from: string): Detach {
    const sub = new SinkSubscriber(sink);
    this.register(id, sub, from);
    return detachOf(sub);
  }

  subscribe(
    id: string,
    options: { from: string; signal?: AbortSignal; maxQueue?: number },
  ): AsyncIterable<HubEvent> {
    const sub = new QueueSubscriber(options.maxQueue ?? 1024, options.signal);
    if (!sub.isEnded) this.register(id, sub, options.from);
    return sub;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearTimeout(this.timer);
    const reason = new SluiceError('SLUICE_HUB_CLOSED');
    for (const run of this.runs.values()) {
      clearTimeout(run.unwatched);
      for (const sub of run.subs) {
        sub.removed = true;
        sub.finish(sub instanceof SinkSubscriber ? reason : undefined);
      }
      run.subs.clear();
    }
    this.runs.clear();
    this.ended = [];
    this.totalBytes = 0;
    return Promise.resolve();
  }

  // ---- inside ------------------------------------------------------------------------------

  /** Adds a subscriber and replays synchronously, so nothing can come between. */
  private register(id: string, sub: Subscriber, from: string): void {
    const run = this.runs.get(id);
    if (!run) {
      sub.removed = true;
      sub.finish(new SluiceError('SLUICE_RUN_NOT_FOUND'));
      return;
    }
    run.subs.add(sub);
    sub.detacher = () => {
      if (sub.removed) return;
      sub.removed = true;
      run.subs.delete(sub);
    };
    sub.goLive(this.replayAfter(run, from), run.seq, 0);
  }

  /** The history after `from`, or one reset (then what it points before): never a skip. */
  private replayAfter(run: MemRun, from: string): readonly Entry[] {
    const p = parseId(from, 1);
    if (!p || p.epoch !== run.epoch)
      return [makeResetEntry(`${run.epoch}-0`, 0, 0), ...run.entries];
    if (p.hi > run.seq) return [makeResetEntry(`${run.epoch}-${run.seq}`, run.seq, 0)];
    return run.entries.slice(p.hi);
  }

  /** Appends an event to the history and fans it out; returns its id. */
  private push(run: MemRun, event: string | undefined, data: string, size: number): string {
    const n = ++run.seq;
    const entry = makeEntry(`${run.epoch}-${n}`, event, data, n, 0);
    run.entries.push(entry);
    run.held += size;
    this.totalBytes += size;
    for (const sub of run.subs) if (n > sub.floorHi) sub.deliver(entry);
    return entry.id;
  }

  /** Writes the terminal event of a running run; false when it had already ended. */
  private end(run: MemRun, end: RunEnd): boolean {
    if (run.state !== 'running' || this.runs.get(run.id) !== run) return false;
    run.state = end.outcome;
    run.end = end;
    run.endedAt = Date.now();
    clearTimeout(run.unwatched);
    run.unwatched = undefined;
    const data = endData(end, run.tokens);
    run.endId = this.push(run, RUN_END_EVENT, data, Buffer.byteLength(data) + RUN_END_EVENT.length);
    this.ended.push(run);
    this.schedule();
    return true;
  }

  /** Arms the unwatched timer of a running run that has no follower. */
  private armUnwatched(run: MemRun): void {
    if (run.unwatchedMs <= 0 || run.watchers > 0 || run.state !== 'running') return;
    clearTimeout(run.unwatched);
    run.unwatched = setTimeout(() => {
      run.unwatched = undefined;
      const message = `no follower was attached for ${run.unwatchedMs} ms`;
      void this.cancel(run.id, '', { outcome: 'cancelled', message });
    }, run.unwatchedMs);
    run.unwatched.unref();
  }

  /** Expires ended runs after `ttl`, one timer for all (they end in the order they expire). */
  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    const head = this.ended[this.endedHead];
    if (!head) return;
    const wait = Math.max(0, head.endedAt + this.limits.ttl - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      for (;;) {
        const run = this.ended[this.endedHead];
        if (!run || run.endedAt + this.limits.ttl > now) break;
        this.dropOldestEnded();
      }
      this.schedule();
    }, wait);
    this.timer.unref();
  }

  /** Drops the ended run that ended first; false when none is held. */
  private dropOldestEnded(): boolean {
    for (;;) {
      const run = this.ended[this.endedHead];
      if (!run) return false;
      this.ended[this.endedHead++] = undefined as unknown as MemRun;
      if (this.endedHead > 64 && this.endedHead * 2 > this.ended.length) {
        this.ended = this.ended.slice(this.endedHead);
        this.endedHead = 0;
      }
      if (this.runs.get(run.id) !== run) continue;
      this.runs.delete(run.id);
      this.totalBytes -= run.held;
      for (const sub of run.subs) {
        sub.removed = true;
        sub.finish();
      }
      run.subs.clear();
      return true;
    }
  }
}
