/**
 * Coalesces frames per socket: frames queued for a stream (`Sink.queue`) are written together
 * once, as one batch (`frame-batch.ts`: one write, bytes shared by the streams of a broadcast).
 * One flush serves every dirty stream.
 *
 * The flush is adaptive. When the loop is idle (no flush in the last `WINDOW_MS`), it runs at
 * setImmediate, in the same turn's check phase: an event on a quiet topic costs no added
 * latency. When flushes follow each other closer than the window (a hub publishing hundreds of
 * events a second to thousands of sockets), the next one waits until the window since the last
 * one has passed, so each socket is written at most once per window and carries every event of
 * that window in one write. At 500 events/s that turns ~2.5 write syscalls per socket into one
 * and adds at most the window to an event's latency. Order is kept: every direct write path
 * drains the queued frames first.
 */
export interface FrameTarget {
  /** Writes the queued frames; called once per flush for a stream that has some. */
  drainFrames(): void;
}

/** Longest a busy loop holds frames before writing them (ms). */
export const WINDOW_MS = 4;

let dirty: FrameTarget[] = [];
let scheduled = false;
/** performance.now() when the last flush started (-Infinity: never, so the first is at once). */
let lastFlush = -Infinity;

function flushAll(): void {
  const now = performance.now();
  // A timer can fire up to a loop turn early (it counts from the turn's cached start time):
  // wait out the rest, so a window is never shorter than WINDOW_MS.
  if (now - lastFlush < WINDOW_MS) {
    setTimeout(flushAll, Math.ceil(WINDOW_MS - (now - lastFlush)));
    return;
  }
  scheduled = false;
  lastFlush = now;
  const batch = dirty;
  dirty = [];
  for (const t of batch) t.drainFrames();
}

/**
 * Marks a stream as having frames to write: at once (this turn) on an idle loop, within
 * `WINDOW_MS` of the previous flush on a busy one.
 * @example
 * if ((this.frames ??= []).push(frame) === 1) scheduleFrames(this);
 */
export function scheduleFrames(target: FrameTarget): void {
  dirty.push(target);
  if (scheduled) return;
  scheduled = true;
  const wait = WINDOW_MS - (performance.now() - lastFlush);
  if (wait <= 0) setImmediate(flushAll);
  else setTimeout(flushAll, Math.ceil(wait));
}
