/**
 * Local subscribers, shared by the backends. Each topic keeps a flat `Set` of them and loops
 * over it synchronously on every event. Two kinds: a sink (the EventStream fast path, frames
 * only) and a queue behind the public async iterator (bounded).
 */
import { SluiceError } from '../errors/index.js';
import type { Entry } from './entry.js';
import { hubStats } from './stats.js';
import type { Detach, HubEvent, HubSink } from './types.js';

/** Live events held per subscriber while its replay is being fetched (Redis) before cut-off. */
const MAX_HELD = 10_000;

/** One local subscriber of one topic. */
export abstract class Subscriber {
  /** Position already covered (by replay or the head at subscribe time): older entries are dropped. */
  floorHi = 0;
  floorLo = 0;
  removed = false;
  /** Live entries that arrived while the replay was being fetched; `null` once live. */
  private held: Entry[] | null = null;
  /**
   * Set by the hub: removes a subscriber from its topic. A hub may share one function between
   * all its subscribers and keep the topic in `home` (no closure per subscriber).
   */
  detacher: ((sub: Subscriber) => void) | undefined = undefined;
  /** The hub's own record of where this subscriber is registered (read by its `detacher`). */
  home: unknown = undefined;
  #live: Promise<void> | undefined;
  #wentLive: (() => void) | undefined;
  #isLive = false;

  /** Removes this subscriber from its topic (nothing once removed). */
  detach(): void {
    this.detacher?.(this);
  }

  /** Settles once the replay was handed over and live events flow (or the subscriber ended). */
  get live(): Promise<void> {
    if (this.#isLive || this.removed) return Promise.resolve();
    return (this.#live ??= new Promise((resolve) => (this.#wentLive = resolve)));
  }

  /** Marks the subscriber live (or ended) for whoever awaits `live`. */
  protected settleLive(): void {
    this.#isLive = true;
    const resolve = this.#wentLive;
    this.#wentLive = undefined;
    resolve?.();
  }

  /** True while live entries are held for a pending replay. */
  get isHeld(): boolean {
    return this.held !== null;
  }

  /** Holds live entries until `goLive` (used when the replay is fetched asynchronously). */
  hold(): void {
    this.held = [];
  }

  /** Delivers one live entry (called from the fan-out loop). */
  deliver(e: Entry): void {
    if (this.held !== null) {
      if (this.held.length >= MAX_HELD) this.cutOff(new SluiceError('SLUICE_HUB_SLOW_SUBSCRIBER'));
      else this.held.push(e);
      return;
    }
    if (!e.reset && (e.hi < this.floorHi || (e.hi === this.floorHi && e.lo <= this.floorLo)))
      return;
    hubStats.delivered++;
    this.push(e);
  }

  /** Moves the floor to a position (after a reset to a new epoch, say). */
  setFloor(hi: number, lo: number): void {
    this.floorHi = hi;
    this.floorLo = lo;
  }

  /** Sends the replay (entries up to the floor, or a reset), then what was held past the floor. */
  goLive(replay: readonly Entry[], floorHi: number, floorLo: number): void {
    this.setFloor(floorHi, floorLo);
    this.replay(replay);
    const held = this.held;
    this.held = null;
    if (held) for (const e of held) if (!this.removed) this.deliver(e);
    this.settleLive();
  }

  /** Removes this subscriber and ends it with a reason. */
  cutOff(reason: Error): void {
    if (this.removed) return;
    this.detach();
    this.finish(reason);
  }

  protected replay(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (this.removed) break;
      hubStats.delivered++;
      this.push(e);
    }
  }

  /** Hands one entry to the consumer. */
  protected abstract push(e: Entry): void;
  /** Ends the consumer (the subscriber is already removed). */
  abstract finish(reason?: Error): void;
}

/** The fast path: frames pushed straight into a sink. */
export class SinkSubscriber extends Subscriber {
  constructor(private readonly sink: HubSink) {
    super();
  }

  protected push(e: Entry): void {
    try {
      this.sink.write(e.encoded(this.sink.codec), e.id);
    } catch (err) {
      this.cutOff(err instanceof Error ? err : new Error(String(err)));
    }
  }

  finish(reason?: Error): void {
    this.removed = true;
    this.settleLive();
    this.sink.end(reason);
  }
}

/**
 * The public iterator's subscriber: a replay snapshot read lazily, then a bounded queue of
 * live events. Single use: `[Symbol.asyncIterator]()` returns itself.
 */
export class QueueSubscriber extends Subscriber implements AsyncIterableIterator<HubEvent> {
  private replayed: readonly Entry[] = [];
  private replayAt = 0;
  private queue: Entry[] = [];
  private queueAt = 0;
  private waiter: {
    resolve: (r: IteratorResult<HubEvent>) => void;
    reject: (e: unknown) => void;
  } | null = null;
  private ended = false;
  private error: Error | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly maxQueue: number,
    signal: AbortSignal | undefined,
  ) {
    super();
    if (signal) {
      if (signal.aborted) this.ended = true;
      else {
        const onAbort = (): void => this.close();
        signal.addEventListener('abort', onAbort, { once: true });
        this.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /** True once aborted before it started. */
  get isEnded(): boolean {
    return this.ended;
  }

  protected override replay(entries: readonly Entry[]): void {
    if (this.waiter && entries.length > 0) {
      this.replayed = entries;
      this.replayAt = 1;
      this.resolveWaiter(entries[0]!);
      return;
    }
    this.replayed = entries;
    this.replayAt = 0;
  }

  protected push(e: Entry): void {
    if (this.ended) return;
    if (
      this.waiter &&
      this.queueAt === this.queue.length &&
      this.replayAt >= this.replayed.length
    ) {
      this.resolveWaiter(e);
      return;
    }
    if (this.queue.length - this.queueAt >= this.maxQueue) {
      this.cutOff(
        new SluiceError('SLUICE_HUB_SLOW_SUBSCRIBER', `more than ${this.maxQueue} events unread`),
      );
      return;
    }
    this.queue.push(e);
  }

  finish(reason?: Error): void {
    this.removed = true;
    if (this.ended) return;
    this.ended = true;
    this.error = reason;
    this.unlisten?.();
    const w = this.waiter;
    if (w && this.queueAt === this.queue.length && this.replayAt >= this.replayed.length) {
      this.waiter = null;
      if (reason) w.reject(reason);
      else w.resolve({ value: undefined, done: true });
    }
  }

  /** Ends without error and removes the subscriber (break, return(), abort). */
  close(): void {
    this.detach();
    this.finish();
    this.queue = [];
    this.queueAt = 0;
    this.replayed = [];
    this.replayAt = 0;
    this.error = undefined;
  }

  next(): Promise<IteratorResult<HubEvent>> {
    if (this.replayAt < this.replayed.length) {
      return Promise.resolve({ value: toEvent(this.replayed[this.replayAt++]!), done: false });
    }
    if (this.queueAt < this.queue.length) {
      const e = this.queue[this.queueAt++]!;
      if (this.queueAt === this.queue.length) {
        this.queue = [];
        this.queueAt = 0;
      }
      return Promise.resolve({ value: toEvent(e), done: false });
    }
    if (this.ended) {
      const err = this.error;
      this.error = undefined;
      return err ? Promise.reject(err) : Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiter)
      return Promise.reject(
        new Error('hub iterator: next() called before the previous one settled'),
      );
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<HubEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<HubEvent> {
    return this;
  }

  private resolveWaiter(e: Entry): void {
    const w = this.waiter!;
    this.waiter = null;
    w.resolve({ value: toEvent(e), done: false });
  }
}

function toEvent(e: Entry): HubEvent {
  return { id: e.id, event: e.event, data: e.data };
}

const SUBSCRIBER = Symbol('subscriber');

/**
 * The prototype of every detach function: `live` is one shared getter reading the subscriber
 * from the function. A getter defined on each function (as before) turned each one's properties
 * into a dictionary: ~390 bytes per subscriber, for as long as it lives.
 */
const DETACH_PROTOTYPE = Object.create(Function.prototype, {
  live: {
    get(this: { [SUBSCRIBER]: Subscriber }): Promise<void> {
      return this[SUBSCRIBER].live;
    },
  },
}) as object;

/**
 * The detach function `attach` returns, with the subscriber's `live` promise on it.
 * @example const detach = detachOf(sub); await detach.live; detach();
 */
export function detachOf(sub: Subscriber): Detach {
  const detach = (() => sub.detach()) as unknown as { [SUBSCRIBER]: Subscriber };
  Object.setPrototypeOf(detach, DETACH_PROTOTYPE);
  detach[SUBSCRIBER] = sub;
  return detach as unknown as Detach;
}
