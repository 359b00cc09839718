// Stress stage: the soak. A Sluice server (memory hub, stats enabled) under the load of
// soak-load.ts (its own process) for STRESS_SOAK_MS (default 10 min): STRESS_SOAK_STREAMS
// (2,000) streams, STRESS_SOAK_RPS (200) publish requests/s, STRESS_SOAK_RECONNECTS (1,000)
// reconnects/min. Heap after GC sampled every STRESS_SOAK_SAMPLE_MS; its slope (least squares
// over the samples after the first fifth) must stay under 1 MiB per 10 min (asserted for soaks
// of 5 min or more; shorter ones report it), and nothing may be lost.
import assert from 'node:assert/strict';
import { Server, SluiceError, createHub } from '../../src/index.js';
import { enableStats } from '../../src/testing/index.js';
import { spawnNode, readStats, reportFigures } from './lib/child.js';
import { exposeGc, mib, MiB } from './lib/gc.js';

const MS = Number(process.env.STRESS_SOAK_MS ?? 600_000);
const STREAMS = Number(process.env.STRESS_SOAK_STREAMS ?? 2000);
const RPS = Number(process.env.STRESS_SOAK_RPS ?? 200);
const RECONNECTS = Number(process.env.STRESS_SOAK_RECONNECTS ?? 1000);
const SAMPLE_MS = Number(
  process.env.STRESS_SOAK_SAMPLE_MS ?? Math.max(1000, Math.min(30_000, Math.floor(MS / 20))),
);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

exposeGc();
const hub = createHub({ history: { maxEvents: 1000 } });
const s = new Server({ maxConnections: STREAMS + 2000 });
s.setAddress('127.0.0.1:0');
s.get('/events/{topic}', async (r) => {
  const es = r.response.sse({ heartbeat: 15_000 });
  await es.subscribe(hub, String(r.get('topic')));
});
s.post('/publish/{topic}', async (r) => {
  const data = await r.json();
  try {
    r.response.writeJson({ id: await hub.publish(String(r.get('topic')), { data }) });
  } catch (err) {
    if (!(err instanceof SluiceError)) throw err;
    r.response.status = 503;
    r.response.writeJson({ code: err.code });
  }
});
enableStats(s, '/__stats');
await s.start();
const base = `http://127.0.0.1:${s.port}`;

const load = spawnNode(new URL('./soak-load.ts', import.meta.url).pathname, {
  SOAK_URL: base,
  SOAK_MS: String(MS),
  SOAK_STREAMS: String(STREAMS),
  SOAK_RPS: String(RPS),
  SOAK_RECONNECTS: String(RECONNECTS),
});
const result = load.next();
const samples: Array<{ t: number; heap: number; rss: number; p99: number; streams: number }> = [];
const t0 = Date.now();
let done = false;
void result.finally(() => (done = true)).catch(() => {});
await sleep(Math.min(5000, MS / 5));
await readStats(base, '?gc=0&reset=1');
while (!done) {
  await sleep(SAMPLE_MS);
  if (done) break;
  const st = await readStats(base, '?reset=1');
  samples.push({
    t: (Date.now() - t0) / 60_000,
    heap: st.heapUsed,
    rss: st.rss,
    p99: st.loopDelay.p99,
    streams: st.streams,
  });
}
let failure: unknown;
let figures: Record<string, unknown> = {};
try {
  const out = JSON.parse(await result) as Record<string, number>;
  const tail = samples.slice(Math.floor(samples.length / 5));
  // Least-squares slope of heap (bytes) over time (minutes), as MiB per 10 minutes.
  const n = tail.length;
  const mx = tail.reduce((a, p) => a + p.t, 0) / n;
  const my = tail.reduce((a, p) => a + p.heap, 0) / n;
  const slope =
    tail.reduce((a, p) => a + (p.t - mx) * (p.heap - my), 0) /
    (tail.reduce((a, p) => a + (p.t - mx) ** 2, 0) || 1);
  const slopeMiBPer10 = Math.round(((slope * 10) / MiB) * 1000) / 1000;
  figures = {
    ...out,
    minutes: Math.round((MS / 60_000) * 10) / 10,
    samples: samples.length,
    heapMiBFirst: samples[0] ? mib(samples[0].heap) : 0,
    heapMiBLast: samples.at(-1) ? mib(samples.at(-1)!.heap) : 0,
    heapSlopeMiBPer10min: slopeMiBPer10,
    rssMiBLast: samples.at(-1) ? mib(samples.at(-1)!.rss) : 0,
    maxLoopP99: Math.max(0, ...samples.map((p) => p.p99)),
  };
  process.stdout.write(`\nsoak:\n${JSON.stringify(figures, null, 1)}\n`);
  assert.equal(out.gaps, 0, 'no event lost across reconnects');
  assert.equal(out.duplicates, 0, 'no event twice');
  assert.equal(out.behind, 0, 'every stream caught up with its topic at the end');
  assert.equal(out.closed, 0, 'no stream cut');
  assert.equal(out.publishErrors, 0, 'every publish answered 200');
  if (MS >= 300_000) assert.ok(slopeMiBPer10 < 1, `heap slope ${slopeMiBPer10} MiB per 10 min`);
} catch (err) {
  failure = err;
} finally {
  await s.shutdown({ timeout: 1000 });
  await hub.close();
}
reportFigures('soak', { ok: !failure, ...figures });
if (failure) {
  console.error(failure);
  process.exit(1);
}
process.exit(0);
