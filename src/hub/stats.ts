/**
 * Process-wide hub figures, kept by every hub (memory and Redis) as plain counters: a field
 * increment per publish and per delivery, read by the telemetry (`s.enableTelemetry()`) when a
 * metrics reader collects. `onLag` is set only while telemetry is on.
 */

/** The hub figures of this process. */
export interface HubStats {
  /** Events published through any hub of this process. */
  published: number;
  /** Events handed to a subscriber (one per subscriber per event, replays included). */
  delivered: number;
  /**
   * Told, per event a Redis hub reads back, how many milliseconds passed between its `XADD`
   * (the stream id's time) and this process reading it: the cross-process delivery lag.
   */
  onLag: ((ms: number) => void) | undefined;
}

/**
 * The one hub-figures object of this process.
 * @example hubStats.published // events published so far
 */
export const hubStats: HubStats = { published: 0, delivered: 0, onLag: undefined };
