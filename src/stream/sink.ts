/**
 * The write side of one committed response with the slow-reader policy: every byte a stream
 * sends goes through a Sink, so the policy lives in one place (DESIGN.md, "Streams and
 * backpressure"):
 *   1. ready() waits while more than `highWaterMark` bytes are unsent (ordinary backpressure);
 *   2. a writer that writes again while already past the high-water mark (it did not await)
 *      is cut off once its backlog passes `streamCap`. One large write from a writer that
 *      awaited is never cut by the cap: the cap bounds a backlog, not an event;
 *   3. the registry's sweep cuts a stream that made no progress for `writeStallTimeout`, and
 *      the worst laggers when the process budget of unsent bytes is spent. A response that
 *      ended with bytes still unsent stays under the sweep until the transport took them.
 * It also keeps the framing honest: with a declared Content-Length, a write past it cuts the
 * stream (`SLUICE_STREAM_LENGTH`) and an end short of it cuts it too, so a client never reads
 * one response's bytes as the start of the next.
 * The reason for any cut reaches the owner (the request: its signal aborts with it).
 */
import { ClientClosedError, SluiceError } from '../errors/index.js';
import type { Channel, ChannelEvents } from './channel.js';
import { scheduleFrames, type FrameTarget } from './coalescer.js';
import { batchFrames, type FrameBatch } from './frame-batch.js';
import type { StreamRegistry } from './registry.js';
import type { StreamPolicy } from './sink-policy.js';

export type { StreamPolicy } from './sink-policy.js';

/** Why a connection was closed after a body shorter than its Content-Length. */
export class ShortBodyError extends Error {
  constructor(sent: number, declared: number) {
    super(
      `the body ended after ${sent} of the ${declared} bytes its Content-Length declared (the source shrank or failed); the connection was closed so the client cannot mistake it for a complete response`,
    );
    this.name = 'ShortBodyError';
  }
}

/**
 * True for a cut made by the framing check (a body longer or shorter than its Content-Length).
 * @example if (isFramingCut(reason)) log.error({ err: reason }, 'wrong length');
 */
export function isFramingCut(reason: Error): boolean {
  return (
    reason instanceof ShortBodyError ||
    (reason instanceof SluiceError && reason.code === 'SLUICE_STREAM_LENGTH')
  );
}

/** Who hears about a stream that ended abnormally (the request: it aborts its signal). */
export interface SinkOwner {
  onStreamGone(reason: Error): void;
}

/**
 * A committed response's write side, with the policy. Made by the response at commit; writers
 * (EventStream, stream(), ndjson(), the raw writer, file sending) only ever see this.
 * @example
 * if (!sink.write(frame)) return false;            // gone or cut
 * if (sink.unsent >= policy.highWaterMark) await sink.ready();
 */
export class Sink implements ChannelEvents, FrameTarget {
  readonly channel: Channel;
  readonly policy: StreamPolicy;
  /** Set once the stream is over abnormally: the client left, a write failed or a limit cut it. */
  reason: Error | undefined;
  /** Set by every write; heartbeats read and clear it to skip streams that sent within a period. */
  wrote = false;
  /** When the stream started waiting on the transport (0: not blocked). */
  blockedSince = 0;
  /** Unsent bytes at the registry's last sweep (progress since then means slow, not stalled). */
  lastUnsent = 0;
  /** Told once when the stream ends abnormally (client gone, cut off, failed write). */
  owner: SinkOwner | undefined;
  /** Told on server shutdown (an EventStream sends its retry hint and ends). */
  shutdownTarget: { shutdown(retryMs: number): void } | undefined;
  /** The Content-Length the head declared (-1: none, the body is chunked or close-delimited). */
  #declared = -1;
  /** Body bytes written, counted only when a length was declared. */
  #sent = 0;
  #ended = false;
  /** Frames queued for the next flush (`queue`), and their size in bytes. */
  #queued: (string | Uint8Array)[] | undefined;
  #queuedBytes = 0;
  #waiters: Array<(ok: boolean) => void> | undefined;
  readonly #registry: StreamRegistry;

  constructor(channel: Channel, policy: StreamPolicy, registry: StreamRegistry) {
    this.channel = channel;
    this.policy = policy;
    this.#registry = registry;
    channel.listen(this);
    registry.add(this);
  }

  /**
   * Follows a response whose whole body was handed to the transport at once but not yet taken:
   * the stall timeout and the unsent budget apply to it like to any stream. Callers only pass a
   * channel that still has bytes queued. A tail below the high-water mark is not followed: over
   * TLS and HTTP/2 nearly every response still has its few bytes queued when `end()` returns
   * (the transport takes them a tick later), and registering each one cost a Set add and delete
   * per request that kept ~2 KB per request alive into old space. Such a tail is what any
   * stream may hold below the mark without being watched, and is bounded the same way (one per
   * connection or HTTP/2 stream, under the server's connection limits and socket timeouts).
   */
  static watchTail(channel: Channel, policy: StreamPolicy, registry: StreamRegistry): void {
    if (channel.unsent < policy.highWaterMark) return;
    const sink = new Sink(channel, policy, registry);
    sink.#ended = true;
    sink.blockedSince = Date.now();
  }

  /** Declares the body length from the committed head; writes are then counted against it. */
  declareLength(length: number): void {
    this.#declared = length;
  }

  /** True once nothing more can reach the client (ended, cut off, or the client left). */
  get gone(): boolean {
    return this.#ended || this.reason !== undefined || this.channel.destroyed;
  }

  /** Bytes written (or queued) but not yet taken by the transport. */
  get unsent(): number {
    return this.channel.unsent + this.#queuedBytes;
  }

  /**
   * Queues a frame for the next coalesced flush (see `coalescer.ts`): the frames a stream gets
   * within one flush window leave in one write, and streams holding the same frames (a
   * broadcast) share that write's bytes (`batchFrames`). Every other write drains the queue
   * first, so order is kept whoever writes. The queue never holds more than the high-water
   * mark: past it, it is written at once (and the policy applies as to any write).
   * Returns false (queuing nothing) when the stream is gone.
   */
  queue(frame: string | Uint8Array): boolean {
    if (this.gone) return false;
    this.wrote = true;
    if ((this.#queued ??= []).push(frame) === 1) scheduleFrames(this);
    this.#queuedBytes += typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
    if (this.#queuedBytes >= this.policy.highWaterMark) return this.drainFrames();
    return true;
  }

  /** Writes the queued frames now, as one batch. False when the stream is gone or was cut. */
  drainFrames(): boolean {
    const frames = this.#queued;
    if (frames === undefined) return !this.gone;
    this.#queued = undefined;
    this.#queuedBytes = 0;
    return this.#write(undefined, batchFrames(frames));
  }

  /**
   * Writes bytes now. Returns false (writing nothing) when the stream is gone; cuts the stream
   * off when a writer that did not wait builds a backlog past the per-stream cap, or when the
   * bytes pass the declared Content-Length.
   */
  write(chunk: string | Uint8Array): boolean {
    if (this.#queued !== undefined && !this.drainFrames()) return false;
    return this.#write(chunk, undefined);
  }

  /**
   * Writes `chunk`, or a batch of joined frames: like `write(batch.body)`, but a transport that
   * can send the batch's pre-framed bytes as they are (Node's HTTP/1.1 chunked body) does so in
   * one write, the same bytes shared by every stream of a broadcast.
   */
  #write(chunk: string | Uint8Array | undefined, batch: FrameBatch | undefined): boolean {
    if (this.gone) return false;
    const body = batch === undefined ? chunk! : batch.body;
    if (this.#declared >= 0 && !this.#count(body)) return false;
    const channel = this.channel;
    const before = channel.unsent;
    this.wrote = true;
    this.#registry.writes++;
    const room =
      batch !== undefined && this.#declared < 0 && channel.writeBatch !== undefined
        ? channel.writeBatch(batch)
        : channel.write(body);
    if (!room && this.blockedSince === 0) this.blockedSince = Date.now();
    // A writer that awaited ready() writes below the high-water mark; writing again above it
    // means it did not wait, and its backlog is what the cap bounds.
    if (before >= this.policy.highWaterMark && channel.unsent > this.policy.streamCap) {
      this.cut(new SluiceError('SLUICE_STREAM_OVERFLOW', `${channel.unsent} bytes unsent`));
      return false;
    }
    return true;
  }

  /** Writes several chunks so they leave together (one syscall where the transport allows). */
  writeAll(chunks: readonly (string | Uint8Array)[]): boolean {
    if (this.#queued !== undefined && !this.drainFrames()) return false;
    if (chunks.length === 1) return this.write(chunks[0]!);
    this.channel.cork();
    let ok = true;
    for (const c of chunks) if (!(ok = this.write(c))) break;
    if (!this.channel.destroyed) this.channel.uncork();
    return ok;
  }

  /**
   * Resolves true at once when the transport has room (unsent below the high-water mark), else
   * when it drains; false once the stream is gone. Never hangs: close, error and the stall
   * sweep settle it.
   */
  ready(): Promise<boolean> {
    if (this.#queued !== undefined) this.drainFrames();
    if (this.gone) return Promise.resolve(false);
    if (this.channel.unsent < this.policy.highWaterMark) return Promise.resolve(true);
    if (this.blockedSince === 0) this.blockedSince = Date.now();
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Ends the stream abnormally: destroys the response (and its connection) and records why. */
  cut(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.#queued = undefined;
    this.#queuedBytes = 0;
    this.channel.destroy();
    this.#finish();
  }

  /**
   * Ends a stream that failed (an error after commit): the bytes already written still go out
   * (an `event: error` included), then the connection closes without the terminating chunk, so
   * the client sees a truncated body, never a complete one.
   */
  abort(reason: Error): void {
    if (this.reason) return;
    if (this.#queued !== undefined) this.drainFrames();
    if (this.reason) return;
    this.reason = reason;
    this.channel.closeAfterPending();
    this.#finish();
  }

  /**
   * Ends the response normally: all bytes queued, the connection kept for the next request. A
   * body shorter than its declared Content-Length is cut instead.
   */
  end(chunk?: string | Uint8Array): void {
    if (this.#queued !== undefined) this.drainFrames();
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
    const channel = this.channel;
    channel.end(chunk);
    this.#settle(false);
    // Bytes still unsent stay under the stall timeout and the budget until the transport takes them.
    if (channel.finished || channel.destroyed || channel.unsent === 0) this.#release();
    else if (this.blockedSince === 0) this.blockedSince = Date.now();
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

  // ---- channel events (the channel calls these) -------------------------------------------

  /** The transport took the queued bytes: waiting writers go on. */
  onDrain(): void {
    this.blockedSince = 0;
    this.#settle(true);
  }

  /** Every byte of the ended body reached the transport. */
  onFinish(): void {
    if (this.#ended) this.#release();
  }

  /** The response or its connection closed. */
  onClose(): void {
    if (this.reason) return;
    if (!this.channel.finished) {
      this.reason = new ClientClosedError();
      this.#finish();
    } else this.#release();
  }

  #finish(): void {
    this.#release();
    this.#settle(false);
    const owner = this.owner;
    this.owner = undefined;
    if (this.reason) this.#registry.countCut(this.reason);
    if (owner && this.reason) owner.onStreamGone(this.reason);
  }

  #release(): void {
    this.channel.unlisten(this);
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
