// Durable runs (issue 14): RUNS_RUNS runs (default 100) at RUNS_RATE tokens/s (default 50) for
// RUNS_SECONDS (default 10), RUNS_FOLLOWERS followers each (default 10: 1,000 followers), on
// Sluice's memory hub, Sluice's Redis hub and Vercel's resumable-stream over Redis (the same
// scenario through its own API). Reported: tokens delivered (each checked once per follower),
// live latency p50/p99 from the token's send time, server CPU per delivered token, memory per
// run at mid-run (server heap after a GC, and Redis used_memory), and resume latency (a follower
// drops, waits 200 ms, reconnects: to its first replayed token) p50/p99 over RUNS_RESUMES
// (default 200) followers. Server pinned to one core, load client to the other.
//
//   node --import tsx bench/runs.ts        (after npm run build)
//   RUNS_IMPLS=sluice-memory,sluice-redis,resumable-stream
import { createClient } from 'redis';
import {
  BENCH_DIR,
  CLIENT_CPU,
  envInt,
  envList,
  fmt,
  fmtInt,
  isMain,
  machineNote,
  nodeArgs,
  procStat,
  sleep,
  spawnPinned,
  startServerProgram,
  table,
  writeResult,
} from './lib.js';
import { join } from 'node:path';

const IMPLS = envList('RUNS_IMPLS') ?? ['sluice-memory', 'sluice-redis', 'resumable-stream'];
const RUNS = envInt('RUNS_RUNS', 100);
const FOLLOWERS = envInt('RUNS_FOLLOWERS', 10);
const RATE = envInt('RUNS_RATE', 50);
const SECONDS = envInt('RUNS_SECONDS', 10);
const RESUMES = envInt('RUNS_RESUMES', 200);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DELAY_MS = envInt('RUNS_DELAY_MS', 3000);

interface ClientResult {
  followers: number;
  expected: number;
  unique: number;
  dups: number;
  finished: number;
  errors: number;
  reconnects: number;
  p50: number;
  p99: number;
  resumeP50: number;
  resumeP99: number;
  resumeSamples: number;
}

interface ImplResult extends ClientResult {
  impl: string;
  cpuUsPerDelivery: number;
  /** Server heap per run once its followers are attached, before any token (with them). */
  runFixedKiB: number;
  /** Server heap per run grown from then to mid-run: the history kept. */
  heapPerRunKiB: number;
  redisPerRunKiB: number;
}

async function redisUsed(): Promise<number> {
  const c = createClient({ url: REDIS_URL });
  await c.connect();
  const info = await c.info('memory');
  c.destroy();
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

async function mem(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/mem`);
  const m = (await res.json()) as { heapUsed: number; arrayBuffers: number };
  return m.heapUsed + m.arrayBuffers;
}

async function one(impl: string): Promise<ImplResult> {
  const tokens = RATE * SECONDS;
  const interval = Math.round(1000 / RATE);
  const server = await startServerProgram(
    process.execPath,
    ['--expose-gc', ...nodeArgs(join(BENCH_DIR, 'servers', 'runs-server.ts'))],
    { RUNS_IMPL: impl, REDIS_URL },
  );
  try {
    const port = server.port;
    const heap0 = await mem(port);
    const cpu0 = procStat(server.child.pid)?.cpu ?? 0;
    // The first tokens wait DELAY_MS: every follower is attached by then, so latency is live.
    const started = await fetch(
      `http://127.0.0.1:${port}/start?runs=${RUNS}&tokens=${tokens}&interval=${interval}&delay=${DELAY_MS}`,
      { method: 'POST' },
    );
    const { ids } = (await started.json()) as { ids: string[] };
    const client = spawnPinned(
      CLIENT_CPU,
      process.execPath,
      nodeArgs(join(BENCH_DIR, 'runs-client.ts')),
      {
        URL: `http://127.0.0.1:${port}`,
        IDS: ids.join(','),
        FOLLOWERS: String(FOLLOWERS),
        TOKENS: String(tokens),
        IMPL: impl,
        RESUMES: String(RESUMES),
        // Resumes at 60% of the run, away from the GC of the memory reading at 40%.
        RESUME_AT_MS: String(DELAY_MS + SECONDS * 600),
        DEADLINE_MS: String(DELAY_MS + SECONDS * 1000 + 20_000),
      },
    );
    await sleep(DELAY_MS - 500);
    const heapAttached = await mem(port);
    const redisAttached = await redisUsed();
    await sleep(500 + SECONDS * 400);
    const heapMid = await mem(port);
    const redisMid = await redisUsed();
    const line = await client.waitFor(/^\{.*\}$/, DELAY_MS + SECONDS * 1000 + 30_000);
    const cpu1 = procStat(server.child.pid)?.cpu ?? 0;
    await client.stop();
    const r = JSON.parse(line[0]) as ClientResult;
    return {
      impl,
      ...r,
      cpuUsPerDelivery: ((cpu1 - cpu0) * 1e6) / Math.max(1, r.unique),
      runFixedKiB: (heapAttached - heap0) / RUNS / 1024,
      heapPerRunKiB: (heapMid - heapAttached) / RUNS / 1024,
      redisPerRunKiB: (redisMid - redisAttached) / RUNS / 1024,
    };
  } finally {
    await server.child.stop();
    await dropKeys(`sluice-bench-runs:${server.child.pid}:*`);
  }
}

/** Deletes what a bench server left in Redis (its keys carry its pid). */
async function dropKeys(pattern: string): Promise<void> {
  const c = createClient({ url: REDIS_URL });
  await c.connect();
  const keys: string[] = [];
  for await (const batch of c.scanIterator({ MATCH: pattern, COUNT: 1000 })) keys.push(...batch);
  if (keys.length) await c.del(keys);
  c.destroy();
}

export async function runRunsBench(): Promise<{ markdown: string; results: ImplResult[] }> {
  const results: ImplResult[] = [];
  for (const impl of IMPLS) {
    console.error(
      `[runs] ${impl}: ${RUNS} runs x ${FOLLOWERS} followers, ${RATE} tokens/s, ${SECONDS} s`,
    );
    try {
      results.push(await one(impl));
    } catch (err) {
      console.error(`[runs] ${impl} failed: ${(err as Error).message}`);
    }
  }
  writeResult('runs.json', results);
  const ms = (n: number): string => (Number.isNaN(n) ? '-' : `${fmt(n, 1)} ms`);
  const markdown = [
    '## Durable runs',
    '',
    `${RUNS} runs x ${FOLLOWERS} followers (${RUNS * FOLLOWERS} followers), ${RATE} tokens/s per run for ${SECONDS} s; at 60% of the run ${RESUMES} followers drop, wait 200 ms and resume; a follower cut by the server (it fell behind) resumes after 100 ms, as a real client would ("unplanned reconnects"). Memory: server heap (after a GC) per run with its ${FOLLOWERS} followers attached before the first token ("fixed"), then grown by 40% of the run (${(RATE * SECONDS * 2) / 5} tokens kept: "history"), and Redis \`used_memory\` grown per run over the same span. ${machineNote()}`,
    '',
    table(
      [
        'implementation',
        'delivered',
        'lost',
        'dup',
        'unplanned reconnects',
        'p50',
        'p99',
        'CPU/delivery',
        'fixed/run',
        'history/run',
        'Redis/run',
        'resume p50',
        'resume p99',
      ],
      results.map((r) => [
        r.impl,
        `${fmtInt(r.unique)} / ${fmtInt(r.expected)}`,
        fmtInt(r.expected - r.unique),
        fmtInt(r.dups),
        fmtInt(r.reconnects),
        ms(r.p50),
        ms(r.p99),
        `${fmt(r.cpuUsPerDelivery, 1)} µs`,
        `${fmt(r.runFixedKiB, 1)} KiB`,
        `${fmt(r.heapPerRunKiB, 1)} KiB`,
        `${fmt(r.redisPerRunKiB, 1)} KiB`,
        ms(r.resumeP50),
        ms(r.resumeP99),
      ]),
    ),
    '',
  ].join('\n');
  return { markdown, results };
}

if (isMain(import.meta.url)) {
  const { markdown } = await runRunsBench();
  console.log(markdown);
}
