/**
 * Coalesces frames per socket: frames queued for a stream during one event-loop turn are written
 * together once, at setImmediate, with the socket corked so they leave in one syscall. One
 * setImmediate serves every dirty stream.
 */
export interface FrameTarget {
  /** Writes the queued frames; called once per turn for a stream that has some. */
  drainFrames(): void;
}

let dirty: FrameTarget[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  const batch = dirty;
  dirty = [];
  for (const t of batch) t.drainFrames();
}

/** Marks a stream as having frames to write this turn. */
export function scheduleFrames(target: FrameTarget): void {
  dirty.push(target);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}
