// Control channel shared by the streaming bench servers (bench/servers/*-sse.ts).
// The orchestrator writes commands on stdin:
//   start <rate> <seconds>   broadcast `rate` events/s for `seconds`, then print `done <sent>`
//   count                    print `clients <n>`
// Each event's data is `<seq> <Date.now()>`: the load client computes latency from it. The
// broadcast itself is the framework's own code (a plain loop over its open streams).
import { createInterface } from 'node:readline';

export interface Broadcaster {
  /** Sends one event whose data is `payload` to every open stream. */
  broadcast(payload: string): void;
  /** Number of open streams. */
  clients(): number;
}

/** A 16 KiB chunk for the single-stream throughput bench (same bytes for everyone). */
export const CHUNK = new Uint8Array(16 * 1024).fill(0x61);

export function serveControl(b: Broadcaster): void {
  let running = false;
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [cmd, a, c] = line.trim().split(/\s+/);
    if (cmd === 'count') {
      console.log(`clients ${b.clients()}`);
    } else if (cmd === 'start' && !running) {
      running = true;
      const rate = Number(a);
      const seconds = Number(c);
      const total = Math.round(rate * seconds);
      let sent = 0;
      const t0 = performance.now();
      const tick = (): void => {
        // Catch up on every event that is due: a late timer sends a burst, never fewer events.
        const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
        while (sent < due) {
          b.broadcast(`${sent} ${Date.now()}`);
          sent++;
        }
        if (sent >= total) {
          clearInterval(timer);
          running = false;
          console.log(`done ${sent} ${(performance.now() - t0).toFixed(0)}`);
        }
      };
      const timer = setInterval(tick, Math.max(1, Math.floor(1000 / rate)));
    }
  });
  // The orchestrator closing our stdin means it is gone: do not linger.
  rl.on('close', () => process.exit(0));
}
