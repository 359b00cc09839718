/**
 * The write side of one committed response: every byte a stream sends goes through here, so the
 * slow-reader policy lives in one place (DESIGN.md, "Streams and backpressure"):
 *   1. ready() waits while more than `highWaterMark` bytes are unsent (ordinary backpressure);
 *   2. a writer that writes again while already past the high-water mark (it did not await)
 *      is cut off once its backlog passes `streamCap`. One large write from a writer that
 *      awaited is never cut by the cap: the cap bounds a backlog, not an event;
 *   3. the registry's sweep cuts a stream blocked longer than `writeStallTimeout`, and the worst
 *      laggers when the process budget of unsent bytes is spent. A response that ended with
 *      bytes still unsent stays under the sweep until the socket took them.
 * It also keeps the framing honest: with a declared Content-Length, a write past it cuts the
 * stream (`SLUICE_STREAM_LENGTH`) and an end short of it destroys the connection, so a client
 * never reads one response's bytes as the start of the next.
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

/** Why a connection was closed after a body shorter than its Content-Length. */
export class ShortBodyError extends Error {
  constructor(sent: number, declared: number) {
    super(
      `the body ended after ${sent} of the ${declared} bytes its Content-Length declared (the source shrank or failed); the connection was closed so the client cannot mistake it for a complete response`,
    );
    this.name = 'ShortBodyError';
  }
}

/** True for a cut made by the framing check (a body longer or shorter than its Content-Length). */
export function isFramingCut(reason: Error): boolean {
  return (
    reason instanceof ShortBodyError ||
    (reason instanceof SluiceError && reason.code === 'SLUICE_STREAM_LENGTH')
  );
}

export class Outlet {
  readonly res: ServerResponse;
  readonly policy: StreamPolicy;
  /** Set once the stream is over abnormally: the client left, a write failed or a limit cut it. */
  reason: Error | undefined;
  /** Set by every write; heartbeats read and clear it to skip streams that sent within a period. */
  wrote = false;
  /** When writes started waiting on the socket (0: not blocked). */
  blockedSince = 0;
  /** Unsent bytes at the registry's last sweep (progress since then means slow, not stalled). */
  lastUnsent = 0;
  /** Told once when the stream ends abnormally (client gone, cut off, failed write). */
  owner: { onStreamGone(reason: Error): void } | undefined;
  /** Told on server shutdown (an EventStream sends its retry hint and ends). */
  shutdownTarget: { shutdown(retryMs: number): void } | undefined;
  /** The Content-Length the headers declared (-1: none, the body is chunked or close-delimited). */
  #declared = -1;
  /** Body bytes written, counted only when a length was declared. */
  #sent = 0;
  #ended = false;
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

  /**
   * Follows a response whose whole body was handed to Node at once (`res.end(body)`) but not yet
   * taken by the socket: the stall timeout and the unsent budget apply to it like to any stream.
   * A no-op when the socket already took everything (the usual case), so small responses pay
   * nothing.
   */
  static watchTail(res: ServerResponse, policy: StreamPolicy, registry: StreamRegistry): void {
    // A response queued behind another on a pipelined connection has no socket yet: Node holds
    // its bytes (and pauses the connection past its high-water mark) until its turn.
    if (res.writableFinished || res.destroyed || res.writableLength === 0 || !res.socket) return;
    const outlet = new Outlet(res, policy, registry);
    outlet.#ended = true;
    outlet.blockedSince = Date.now();
    res.once('finish', outlet.#onFinish);
  }

  /** Declares the body length from the committed headers; writes are then counted against it. */
  declareLength(length: number): void {
    this.#declared = length;
  }

  /** True once nothing more can reach the client (ended, cut off, or the client left). */
  get gone(): boolean {
    return this.#ended || this.reason !== undefined || this.res.destroyed;
  }

  /** Bytes written but not yet taken by the kernel. */
  get unsent(): number {
    return this.res.writableLength;
  }

  /**
   * Writes bytes now. Returns false (writing nothing) when the stream is gone; cuts the stream
   * off when a writer that did not wait builds a backlog past the per-stream cap, or when the
   * bytes pass the declared Content-Length.
   */
  write(chunk: string | Uint8Array): boolean {
    if (this.gone) return false;
    if (this.#declared >= 0 && !this.#count(chunk)) return false;
    const before = this.unsent;
    this.wrote = true;
    if (!this.sinkWrite(chunk) && this.blockedSince === 0) this.blockedSince = Date.now();
    // A writer that awaited ready() writes below the high-water mark; writing again above it
    // means it did not wait, and its backlog is what the cap bounds.
    if (before >= this.policy.highWaterMark && this.unsent > this.policy.streamCap) {
      this.cut(new SluiceError('SLUICE_STREAM_OVERFLOW', `${this.unsent} bytes unsent`));
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
    if (this.unsent < this.policy.highWaterMark) return Promise.resolve(true);
    if (this.blockedSince === 0) this.blockedSince = Date.now();
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Ends the stream abnormally: destroys the connection and records why. */
  cut(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.res.destroy();
    this.#finish();
  }

  /**
   * Ends a stream that failed (an error after commit): the bytes already written still go out
   * (an `event: error` included), then the connection closes without the terminating chunk, so
   * the client sees a truncated body, never a complete one.
   */
  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    const res = this.res;
    this.afterPending(() => {
      const socket = res.socket;
      if (!socket || socket.destroyed) return void res.destroy();
      // end() flushes what Node corked for this tick; the close follows at once or after a grace.
      socket.end();
      const timer = setTimeout(() => socket.destroy(), 1000);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    });
    this.#finish();
  }

  /** Runs `fn` once bytes written so far reached the response (a compressor may hold some). */
  protected afterPending(fn: () => void): void {
    fn();
  }

  /**
   * Ends the response normally: all bytes queued, the connection kept for the next request. A
   * body shorter than its declared Content-Length destroys the connection instead.
   */
  end(chunk?: string | Uint8Array): void {
    if (this.gone) {
      this.#release();
      this.#settle(false);
      return;
    }
    if (chunk !== undefined && this.#declared >= 0 && !this.#count(chunk)) return;
    if (this.#declared >= 0 && this.#sent < this.#declared) {
      this.cut(new ShortBodyError(this.#sent, this.#declared));
      return;
    }
    this.#ended = true;
    if (!this.res.writableEnded) this.sinkEnd(chunk);
    this.#settle(false);
    // Bytes still unsent stay under the stall timeout and the budget until the socket takes them.
    if (this.res.writableFinished || this.res.destroyed || this.unsent === 0) this.#release();
    else {
      if (this.blockedSince === 0) this.blockedSince = Date.now();
      this.res.once('finish', this.#onFinish);
    }
  }

  /** Where bytes go: the response itself; a compressing outlet puts a compressor in between. */
  protected sinkWrite(chunk: string | Uint8Array): boolean {
    return this.res.write(chunk);
  }

  protected sinkEnd(chunk?: string | Uint8Array): void {
    this.res.end(chunk);
  }

  /** Adds a chunk to the count; cuts the stream (false) when it passes the declared length. */
  #count(chunk: string | Uint8Array): boolean {
    this.#sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.#sent <= this.#declared) return true;
    this.cut(
      new SluiceError(
        'SLUICE_STREAM_LENGTH',
        `${this.#sent} bytes written, Content-Length ${this.#declared}`,
      ),
    );
    return false;
  }

  #onDrain = (): void => {
    this.blockedSince = 0;
    this.#settle(true);
  };

  #onFinish = (): void => this.#release();

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
    this.res.off('finish', this.#onFinish);
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
