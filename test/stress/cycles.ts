// Stress stage: STRESS_CLIENTS (10,000) SSE clients connect and leave, STRESS_CYCLES (3) times.
// The clients live in their own process (test/stress/cycle-clients.ts). After each cycle: heap
// after GC back within 5 MiB of the baseline, active handles back to the baseline (by type),
// RSS flat after the first cycle (within STRESS_RSS_SLACK_MIB, default 32). Figures come from
// the server's stats endpoint.
import assert from 'node:assert/strict';
import { Server, createHub } from '../../src/index.js';
import { enableStats } from '../../src/testing/index.js';
import type { StatsSnapshot } from '../../src/testing/stats.js';
import { spawnNode, readStats, reportFigures } from './lib/child.js';
import { exposeGc, mib, MiB } from './lib/gc.js';
import { table } from './lib/drills.js';

const CLIENTS = Number(process.env.STRESS_CLIENTS ?? 10_000);
const CYCLES = Number(process.env.STRESS_CYCLES ?? 3);
const RSS_SLACK = Number(process.env.STRESS_RSS_SLACK_MIB ?? 32) * MiB;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

exposeGc();
const hub = createHub();
const s = new Server({ maxConnections: CLIENTS + 1000 });
s.setAddress('127.0.0.1:0');
s.get('/events', async (r) => {
  const es = r.response.sse({ heartbeat: 5000 });
  await es.subscribe(hub, 'cycles');
});
enableStats(s, '/__stats');
await s.start();
const base = `http://127.0.0.1:${s.port}`;
const stats = (q = ''): Promise<StatsSnapshot> => readStats(base, q);

async function until(check: (st: StatsSnapshot) => boolean, ms: number): Promise<StatsSnapshot> {
  const deadline = Date.now() + ms;
  let st = await stats('?gc=0');
  while (!check(st) && Date.now() < deadline) {
    await sleep(200);
    st = await stats('?gc=0');
  }
  return st;
}

const clients = spawnNode(new URL('./cycle-clients.ts', import.meta.url).pathname);
const rows: Array<Record<string, unknown>> = [];
let failure: unknown;
try {
  // Warm-up (JIT, lazy modules, pools), then the baseline.
  await clients.ask(`open 500 ${base}/events 127.0.0.2`);
  await clients.ask('close');
  await until((st) => st.streams === 0 && st.inflight <= 1, 10_000);
  await sleep(500);
  const baseline = await stats();
  rows.push({
    cycle: 'baseline',
    opened: 0,
    failed: 0,
    openSec: 0,
    peakStreams: 0,
    heapMiB: mib(baseline.heapUsed),
    heapDeltaMiB: 0,
    rssMiB: mib(baseline.rss),
    handles: baseline.handleCount,
    loopP99: baseline.loopDelay.p99,
  });
  let rssAfterFirst = 0;
  for (let c = 1; c <= CYCLES; c++) {
    await stats('?gc=0&reset=1');
    const t0 = Date.now();
    const [, ok, failed] = (
      await clients.ask(`open ${CLIENTS} ${base}/events 127.0.0.${10 + c}`)
    ).split(' ');
    const openSec = (Date.now() - t0) / 1000;
    const peak = await until((st) => st.streams >= Number(ok), 10_000);
    await clients.ask('close');
    await until((st) => st.streams === 0 && st.inflight <= 1, 30_000);
    // Handles drain as the sockets finish closing.
    await until((st) => st.handleCount <= baseline.handleCount, 15_000);
    const after = await stats();
    if (c === 1) rssAfterFirst = after.rss;
    rows.push({
      cycle: c,
      opened: Number(ok),
      failed: Number(failed),
      openSec,
      peakStreams: peak.streams,
      heapMiB: mib(after.heapUsed),
      heapDeltaMiB: mib(after.heapUsed - baseline.heapUsed),
      rssMiB: mib(after.rss),
      handles: after.handleCount,
      loopP99: peak.loopDelay.p99,
    });
    assert.equal(Number(failed), 0, `cycle ${c}: ${failed} clients could not connect`);
    assert.equal(peak.streams, CLIENTS, `cycle ${c}: every client had an open stream`);
    assert.ok(
      after.heapUsed - baseline.heapUsed < 5 * MiB,
      `cycle ${c}: heap ${mib(after.heapUsed - baseline.heapUsed)} MiB over the baseline`,
    );
    assert.deepEqual(after.handles, baseline.handles, `cycle ${c}: handles back to the baseline`);
    if (c > 1)
      assert.ok(
        after.rss - rssAfterFirst < RSS_SLACK,
        `cycle ${c}: RSS grew ${mib(after.rss - rssAfterFirst)} MiB since cycle 1`,
      );
  }
} catch (err) {
  failure = err;
} finally {
  await clients.ask('exit').catch(() => '');
  await s.shutdown({ timeout: 1000 });
  await hub.close();
}
process.stdout.write(`\nconnect/leave cycles (${CLIENTS} clients):\n${table(rows)}\n`);
const last = rows[rows.length - 1] ?? {};
reportFigures('cycles', {
  ok: !failure,
  clients: CLIENTS,
  cycles: CYCLES,
  maxHeapDeltaMiB: Math.max(...rows.map((r) => Number(r.heapDeltaMiB))),
  lastRssMiB: last.rssMiB,
  handles: last.handles,
  maxLoopP99: Math.max(...rows.map((r) => Number(r.loopP99))),
});
if (failure) {
  console.error(failure);
  process.exit(1);
}
process.exit(0);
