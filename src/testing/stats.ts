/**
 * A stats snapshot of a running server, FOR TESTS: the fault drills and the stress tier read
 * their figures (memory, handles, streams, event-loop delay) from it. Enabled only by
 * `enableStats(s, path)` from `sluice/testing`; never in production (it can force a full GC
 * per request).
 *
 * GET <path>            the snapshot as JSON (runs `global.gc()` first when it is exposed)
 * GET <path>?gc=0       without the GC (`heapAfterGc` is then false)
 * GET <path>?reset=1    the snapshot, then the event-loop delay histogram starts over (so a
 *                       test measures the delay over one window: reset, act, read)
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Server } from '../server/server.js';

/** One snapshot. Sizes in bytes, delays in milliseconds. */
export interface StatsSnapshot {
  /** `process.memoryUsage().heapUsed`, after a full GC when `heapAfterGc` is true. */
  heapUsed: number;
  /** True when `global.gc` was exposed (`node --expose-gc`) and ran just before measuring. */
  heapAfterGc: boolean;
  rss: number;
  external: number;
  /** `process.getActiveResourcesInfo()` counted by type (TCPSocketWrap, Timeout, ...). */
  handles: Record<string, number>;
  /** Sum of `handles`. */
  handleCount: number;
  /** Open streams (responses with an outlet: SSE, stream(), ...) and in-flight requests. */
  streams: number;
  inflight: number;
  /** The largest number of bytes written to a stream but not yet sent to its client. */
  maxUnsent: number;
  /** Event-loop delay since the last reset: p99, max and mean (ms), and the sample count. */
  loopDelay: { p99: number; max: number; mean: number; samples: number };
  /** Anything the test supplied (`extra`), e.g. a hub's subscriber count. */
  extra?: Record<string, unknown>;
}

/** Measures a server; `stop()` ends the event-loop delay monitor. */
export interface StatsProbe {
  snapshot(options?: { gc?: boolean }): StatsSnapshot;
  /** Starts the event-loop delay histogram over. */
  resetLoopDelay(): void;
  stop(): void;
}

/** What the probe reads from a server. */
type StatsSource = { stats(): { inflight: number; streams: number; maxUnsent: number } };

/**
 * Counts `process.getActiveResourcesInfo()` by type (what keeps the process alive).
 * @example assert.equal(activeHandles().Timeout ?? 0, 0); // after shutdown, no timer is left
 */
export function activeHandles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) out[type] = (out[type] ?? 0) + 1;
  return out;
}

const ms = (ns: number): number => Math.round(ns / 1e4) / 100;

/**
 * Creates a probe for `server`. The loop-delay monitor samples every `resolutionMs` (default
 * 10 ms) until `stop()`.
 * @example
 * const probe = createStatsProbe(s);
 * console.log(probe.snapshot().streams);
 * probe.stop();
 */
export function createStatsProbe(
  server: StatsSource,
  options: { resolutionMs?: number; extra?: () => Record<string, unknown> } = {},
): StatsProbe {
  const histogram: IntervalHistogram = monitorEventLoopDelay({
    resolution: options.resolutionMs ?? 10,
  });
  histogram.enable();
  return {
    snapshot({ gc = true } = {}) {
      // The delay first: a forced GC below is a pause of its own, not the server's.
      const loopDelay = {
        p99: histogram.count > 0 ? ms(histogram.percentile(99)) : 0,
        max: histogram.count > 0 ? ms(histogram.max) : 0,
        mean: histogram.count > 0 ? ms(histogram.mean) : 0,
        samples: histogram.count,
      };
      const collect = (globalThis as { gc?: () => void }).gc;
      const heapAfterGc = gc && typeof collect === 'function';
      if (heapAfterGc) {
        collect();
        collect();
      }
      const mem = process.memoryUsage();
      const handles = activeHandles();
      const { streams, inflight, maxUnsent } = server.stats();
      const snap: StatsSnapshot = {
        heapUsed: mem.heapUsed,
        heapAfterGc,
        rss: mem.rss,
        external: mem.external,
        handles,
        handleCount: Object.values(handles).reduce((a, b) => a + b, 0),
        streams,
        inflight,
        maxUnsent,
        loopDelay,
      };
      if (options.extra) snap.extra = options.extra();
      return snap;
    },
    resetLoopDelay() {
      histogram.reset();
    },
    stop() {
      histogram.disable();
    },
  };
}

/**
 * Binds `GET <path>` on `server` to a stats snapshot (see the top of this file), and stops the
 * probe at shutdown. For tests only. The request reading the stats is itself counted in
 * `inflight` (and its socket in `handles`).
 * @example enableStats(s, '/__stats'); // then GET /__stats?reset=1 ... GET /__stats
 */
export function enableStats(
  server: Server,
  path = '/__stats',
  extra?: () => Record<string, unknown>,
): StatsProbe {
  const probe = createStatsProbe(server, extra ? { extra } : {});
  server.get(path, (r) => {
    const q = r.url.searchParams;
    const snap = probe.snapshot({ gc: q.get('gc') !== '0' });
    if (q.get('reset') === '1') probe.resetLoopDelay();
    r.response.header().set('Cache-Control', 'no-store');
    r.response.writeJson(snap);
  });
  server.onShutdown(() => probe.stop());
  return probe;
}
