/**
 * Every open stream of a server, swept by one shared timer: cuts streams whose socket has
 * accepted nothing for the write-stall timeout, and the worst laggers once the process budget of
 * unsent bytes is spent (so 1 MiB x 15,000 connections never means 15 GiB).
 */
import { SluiceError } from '../errors/index.js';
import type { StreamPolicy } from './sink-policy.js';

/** What the sweep sees of a stream (a Sink is one). */
export interface SweptStream {
  readonly policy: StreamPolicy;
  readonly unsent: number;
  blockedSince: number;
  lastUnsent: number;
  /** Told on server shutdown (an EventStream sends its retry hint and ends). */
  shutdownTarget: { shutdown(retryMs: number): void } | undefined;
  cut(reason: Error): void;
}

/** Most distinct cut reasons counted (codes are few; anything else is counted as `error`). */
const MAX_REASONS = 32;

export class StreamRegistry {
  /**
   * Writes that reached a stream (frames, chunks), counted always: a field increment, read by
   * the telemetry's observable counters (`s.enableTelemetry()`), so observing costs nothing here.
   */
  writes = 0;
  /** Streams ended abnormally, by reason (a `SLUICE_...` code, `client_closed` or `error`). */
  readonly cuts = new Map<string, number>();
  readonly #sinks = new Set<SweptStream>();
  /** Streams `whenReleased` waits for, and what it calls once they are all gone. */
  #awaited: Set<SweptStream> | undefined;
  #released: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #budget: number;
  readonly #period: number;

  constructor(options: { unsentBudget: number; writeStallTimeout: number }) {
    this.#budget = options.unsentBudget;
    // Sweep often enough to honour short stall timeouts in tests, at most once a second.
    this.#period = Math.max(10, Math.min(1000, Math.floor(options.writeStallTimeout / 4)));
  }

  /**
   * Resolves once every stream of `streams` has left the registry (ended and its bytes taken by
   * the transport) or after `ms`, whichever comes first. Shutdown waits this way for the retry
   * hints to leave before it closes HTTP/2 sessions: a GOAWAY sent while a stream's last DATA
   * frames are still queued can lose them.
   * @example await registry.whenReleased(hinted, 500);
   */
  whenReleased(streams: readonly SweptStream[], ms: number): Promise<void> {
    const awaited = new Set(streams.filter((s) => this.#sinks.has(s)));
    if (awaited.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#awaited === awaited) {
          this.#awaited = undefined;
          this.#released = undefined;
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#awaited = awaited;
      this.#released = done;
    });
  }

  get size(): number {
    return this.#sinks.size;
  }

  add(sink: SweptStream): void {
    this.#sinks.add(sink);
    if (!this.#timer) {
      this.#timer = setInterval(this.sweep, this.#period);
      this.#timer.unref();
    }
  }

  delete(sink: SweptStream): void {
    this.#sinks.delete(sink);
    if (this.#awaited?.delete(sink) && this.#awaited.size === 0) this.#released?.();
    if (this.#sinks.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** A snapshot of the open streams. */
  list(): SweptStream[] {
    return [...this.#sinks];
  }

  /** Counts one abnormal end under its reason. */
  countCut(reason: Error): void {
    const code =
      reason instanceof SluiceError
        ? reason.code
        : reason.name === 'ClientClosedError'
          ? 'client_closed'
          : 'error';
    const key = this.cuts.has(code) || this.cuts.size < MAX_REASONS ? code : 'error';
    this.cuts.set(key, (this.cuts.get(key) ?? 0) + 1);
  }

  /** Unsent bytes over every open stream. */
  totalUnsent(): number {
    let total = 0;
    for (const o of this.#sinks) total += o.unsent;
    return total;
  }

  /** Largest unsent byte count of any stream (for the stats endpoint and tests). */
  maxUnsent(): number {
    let max = 0;
    for (const o of this.#sinks) max = Math.max(max, o.unsent);
    return max;
  }

  readonly sweep = (): void => {
    const now = Date.now();
    let total = 0;
    for (const o of this.#sinks) {
      const unsent = o.unsent;
      if (o.blockedSince !== 0) {
        // A socket that took some bytes since the last sweep is slow, not stalled.
        if (unsent < o.lastUnsent) o.blockedSince = now;
        else if (now - o.blockedSince >= o.policy.writeStallTimeout) {
          o.cut(new SluiceError('SLUICE_STREAM_STALLED', `${unsent} bytes unsent`));
          continue;
        }
      }
      o.lastUnsent = unsent;
      total += unsent;
    }
    if (total <= this.#budget) return;
    const laggers = [...this.#sinks].sort((a, b) => b.unsent - a.unsent);
    for (const o of laggers) {
      if (total <= this.#budget) break;
      total -= o.unsent;
      o.cut(new SluiceError('SLUICE_STREAM_BUDGET', `${o.unsent} bytes unsent`));
    }
  };
}
