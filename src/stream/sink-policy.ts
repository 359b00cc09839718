/**
 * The slow-reader limits every stream is held to (the server's `highWaterMark`, `streamCap` and
 * `writeStallTimeout`): a type both the Sink and the registry's sweep read.
 */

/** The slow-reader limits. */
export interface StreamPolicy {
  /** Unsent bytes at which an awaited write waits for the transport. */
  highWaterMark: number;
  /** Backlog at which a writer that does not wait is cut off. */
  streamCap: number;
  /** Time without progress after which a stream is cut off (ms). */
  writeStallTimeout: number;
}
