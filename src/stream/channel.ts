/**
 * The write side of one response as a transport offers it once the head is on the wire. The
 * Sink drives it (slow-reader policy, framing checks); a transport implements it (Node's
 * HTTP/1.1 response today, an HTTP/2 stream or a web ReadableStream tomorrow). Nothing above
 * the stream layer sees a Channel: they write through their Sink.
 */
import type { FrameBatch } from './frame-batch.js';

export interface Channel {
  /** Queues bytes; false when the transport asks the writer to wait (backpressure). */
  write(chunk: string | Uint8Array): boolean;
  /**
   * Optional: queues a batch of joined frames, using its pre-framed bytes where the transport's
   * framing is the one they carry (else `write(batch.body)`). Same result as `write`.
   */
  writeBatch?(batch: FrameBatch): boolean;
  /** Ends the body normally (the connection may then carry the next request). */
  end(chunk?: string | Uint8Array): void;
  /** Cuts the response at once, discarding what is queued (HTTP/1.1: the connection closes). */
  destroy(): void;
  /**
   * Sends what is queued, then closes without ending the body properly, so the client sees a
   * truncated body (an error after commit).
   */
  closeAfterPending(): void;
  /** Bytes queued but not yet taken by the transport (the kernel, the peer's window). */
  readonly unsent: number;
  /** True once the body was ended and every byte handed to the transport. */
  readonly finished: boolean;
  /** True once the channel was destroyed, by this side or by the peer leaving. */
  readonly destroyed: boolean;
  /** Writes between cork() and uncork() leave together. */
  cork(): void;
  uncork(): void;
  /** Starts reporting drain, close and finish to `events` (one listener set per channel). */
  listen(events: ChannelEvents): void;
  /** Stops reporting to `events`. */
  unlisten(events: ChannelEvents): void;
}

/** What a channel reports. */
export interface ChannelEvents {
  /** The transport took the queued bytes; writers may go on. */
  onDrain(): void;
  /** The response or its connection closed (finished or not). */
  onClose(): void;
  /** Every byte of an ended body was handed to the transport. */
  onFinish(): void;
}
