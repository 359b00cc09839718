/**
 * The write side of one committed response: every byte a stream sends goes through here, so the
 * slow-reader policy lives in one place (DESIGN.md, "Streams and backpressure"):
 *   1. ready() waits while more than `highWaterMark` bytes are unsent (ordinary backpressure);
 *   2. a write that leaves more than `streamCap` unsent cuts the stream off (a writer that does
 *      not await);
 *   3. the registry's sweep cuts a stream blocked longer than `writeStallTimeout`, and the worst
 *      laggers when the process budget of unsent bytes is spent.
 * The reason for any cut lands on the stream's signal.
 */
import type { ServerResponse } from 'node:http';
import { ClientClosedError, SluiceError } from '../errors.js';
import type { StreamRegistry } from './stream-registry.js';

export interface StreamPolicy {
  highWaterMark: number;
  streamCap: number;
  writeStallTimeout: number;
}

export class Outlet {
  readonly res: ServerResponse;
  readonly policy: StreamPolicy;
  /** Set once the stream is over: the client left, a write failed or a limit cut it. */
  reason: Error | undefined;
  /** Set by every write; heartbeats read and clear it to skip streams that sent within a period. */
  wrote = false;
  /** When writes started waiting on the socket (0: not blocked). */
  blockedSince = 0;
  /** Told once when the stream ends abnormally (client gone, cut off, failed write). */
  owner: { onStreamGone(reason: Error): void } | undefined;
  /** Told on server shutdown (an EventStream sends its retry hint and ends). */
  shutdownTarget: { shutdown(retryMs: number): void } | undefined;
  #waiters: Array<(ok: boolean) => void> | undefined;
  readonly #registry: StreamRegistry;

  constructor(res: ServerResponse, policy: StreamPolicy, registry: StreamRegistry) {
    this.res = res;
    this.policy = policy;
    this.#registry = registry;
    res.on('drain', this.#onDrain);
    res.on('close', this.#onClose);
    registry.add(this);
  }

  /** True once nothing more can reach the client. */
  get gone(): boolean {
    return this.reason !== undefined || this.res.destroyed;
  }

  /** Bytes written but not yet taken by the kernel. */
  get unsent(): number {
    return this.res.writableLength;
  }

  /**
   * Writes bytes now. Returns false (writing nothing) when the stream is gone; cuts the stream
   * off when the unsent bytes pass the per-stream cap.
   */
  write(chunk: string | Uint8Array): boolean {
    if (this.gone) return false;
    this.wrote = true;
    if (!this.sinkWrite(chunk) && this.blockedSince === 0) this.blockedSince = Date.now();
    if (this.res.writableLength > this.policy.streamCap) {
      this.cut(
        new SluiceError('SLUICE_STREAM_OVERFLOW', `${this.res.writableLength} bytes unsent`),
      );
      return false;
    }
    return true;
  }

  /**
   * Resolves true at once when the socket has room (unsent below the high-water mark), else when
   * it drains; false once the stream is gone. Never hangs: close, error and the stall sweep
   * settle it.
   */
  ready(): Promise<boolean> {
    if (this.gone) return Promise.resolve(false);
    if (this.res.writableLength < this.policy.highWaterMark) return Promise.resolve(true);
    if (this.blockedSince === 0) this.blockedSince = Date.now();
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Ends the stream abnormally: destroys the socket and records why. */
  cut(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.res.destroy();
    this.#finish();
  }

  /** Ends the response normally (all bytes queued; the socket stays for keep-alive). */
  end(chunk?: string | Uint8Array): void {
    if (!this.gone && !this.res.writableEnded) this.sinkEnd(chunk);
    this.#release();
    this.#settle(false);
  }

  /** Where bytes go: the response itself; a compressing outlet puts a compressor in between. */
  protected sinkWrite(chunk: string | Uint8Array): boolean {
    return this.res.write(chunk);
  }

  protected sinkEnd(chunk?: string | Uint8Array): void {
    this.res.end(chunk);
  }

  #onDrain = (): void => {
    this.blockedSince = 0;
    this.#settle(true);
  };

  #onClose = (): void => {
    if (this.reason) return;
    if (!this.res.writableFinished) {
      this.reason = new ClientClosedError();
      this.#finish();
    } else this.#release();
  };

  #finish(): void {
    this.#release();
    this.#settle(false);
    const owner = this.owner;
    this.owner = undefined;
    if (owner && this.reason) owner.onStreamGone(this.reason);
  }

  #release(): void {
    this.res.off('drain', this.#onDrain);
    this.res.off('close', this.#onClose);
    this.#registry.delete(this);
    this.shutdownTarget = undefined;
  }

  #settle(ok: boolean): void {
    const waiters = this.#waiters;
    if (!waiters || waiters.length === 0) return;
    this.#waiters = undefined;
    for (const resolve of waiters) resolve(ok && !this.gone);
  }
}
