/**
 * Heartbeats from shared timers: one interval per distinct period for every stream that uses
 * it (never a timer per stream). A stream that sent anything within the period is skipped.
 */
export interface Beating {
  /** True when the stream wrote since the last tick (and clears that). */
  takeWrote(): boolean;
  /** Writes the heartbeat comment. */
  beat(): void;
}

const groups = new Map<number, { timer: NodeJS.Timeout; members: Set<Beating> }>();

/** Starts heartbeats for a stream. */
export function startHeartbeat(period: number, member: Beating): void {
  let group = groups.get(period);
  if (!group) {
    const members = new Set<Beating>();
    const timer = setInterval(() => {
      for (const m of members) {
        try {
          if (!m.takeWrote()) m.beat();
        } catch {
          // One stream's failure must not stop the others' heartbeats (or escape the timer).
        }
      }
    }, period);
    timer.unref();
    group = { timer, members };
    groups.set(period, group);
  }
  group.members.add(member);
}

/** Stops a stream's heartbeats; the period's timer goes when its last stream does. */
export function stopHeartbeat(period: number, member: Beating): void {
  const group = groups.get(period);
  if (!group || !group.members.delete(member) || group.members.size > 0) return;
  clearInterval(group.timer);
  groups.delete(period);
}

/** Number of live heartbeat timers (for leak tests). */
export function heartbeatTimerCount(): number {
  return groups.size;
}
