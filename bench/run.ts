// `npm run bench`: router micro-benchmark (bench/router.ts, when present), HTTP (/hello, /json),
// single-stream throughput and SSE fan-out. Writes .bench-results/summary.md (and one JSON file
// per bench) and prints the summary.
//
//   BENCH_ONLY=http,sse          select: router, http, h2, stream (alias throughput), sse, ws, idle, runs, cluster
//   WS_RATES=100,500 WS_CLIENTS=1000   WebSocket fan-out (bench/ws-client.ts, Node + ws)
//   H2_CONNECTIONS=50 H2_STREAMS=20 H2_SERVERS=node-http2,sluice-h2   HTTP/2 (h2load, h2c)
//   SSE_IDLE_CONNS=5000,20000 SSE_IDLE_ROUNDS=3 SSE_IDLE_SERVERS=...   RSS per idle SSE connection
//   CLUSTER_PROCS=1,3 CLUSTER_SUBS=2000 CLUSTER_TOPICS=50 CLUSTER_RATE=500 CLUSTER_SECONDS=8
//   CLUSTER_BACKENDS=single,cluster    fan-out across processes, one Redis vs a cluster (bench/cluster.ts)
//   RUNS_RUNS=100 RUNS_FOLLOWERS=10 RUNS_RATE=50 RUNS_SECONDS=10 RUNS_RESUMES=200
//   RUNS_IMPLS=sluice-memory,sluice-redis,resumable-stream   durable runs (bench/runs.ts)
//   BENCH_ROUNDS=5               rounds (interleaved) for http, stream and sse
//   BENCH_SECONDS=5              wrk duration per route and round
//   BENCH_STREAM_SECONDS=5       single-stream duration
//   BENCH_SSE_SECONDS=10         SSE broadcast duration; SSE_CLIENTS=1000; SSE_RATES=100[,500,...]
//   SSE_CLIENT=go                SSE load client: go (bench/go/sse-load, built with the `go` on
//                                PATH; Node fallback without it), go-net or node; SSE_CHECK=0 skips
//                                the Node-vs-Go client check round (SSE_CHECK_SECONDS=3)
//   BENCH_CONNECTIONS=50         wrk connections
//   BENCH_SERVERS / SSE_SERVERS / STREAM_SERVERS   restrict the servers (comma-separated names)
//   BENCH_BEFORE=<git ref>       also build Sluice as it was at that ref and measure it beside the
//                                current build (rows sluice-before, sluice-hub-before,
//                                sluice-h2-before, sluice-ws-hub-before)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BENCH_DIR,
  RESULTS_DIR,
  buildBefore,
  envList,
  machineNote,
  table,
  writeResult,
} from './lib.js';
import { runHttpBench, runValidatedBench, runValidationCostBench } from './http.js';
import { runH2Bench } from './h2.js';
import { runIdleRssBench, runSseBench, runWsBench } from './sse-fanout.js';
import { runStreamBench } from './stream-throughput.js';
import { runRunsBench } from './runs.js';
import { runClusterBench } from './cluster.js';

interface RouterResult {
  sluiceOpsPerSec: number;
  findMyWayOpsPerSec: number;
  rounds: number;
  lookupsPerRound: number;
  routes: number;
  kinds?: Array<{
    kind: string;
    sluiceOpsPerSec: number;
    findMyWayOpsPerSec: number;
    ratio: number;
  }>;
  lengths?: Array<{ pathLength: number; sluiceNsPerLookup: number; findMyWayNsPerLookup: number }>;
}

type Section = 'router' | 'http' | 'h2' | 'stream' | 'sse' | 'ws' | 'idle' | 'runs' | 'cluster';
const ALL: Section[] = ['router', 'http', 'h2', 'stream', 'sse', 'ws', 'idle', 'runs', 'cluster'];
const ALIASES: Record<string, Section> = {
  throughput: 'stream',
  'sse-fanout': 'sse',
  fanout: 'sse',
  'sse-idle': 'idle',
  http2: 'h2',
  websocket: 'ws',
};

function selected(): Section[] {
  const only = envList('BENCH_ONLY');
  if (!only) return ALL;
  const out: Section[] = [];
  for (const raw of only) {
    const name = (ALIASES[raw] ?? raw) as Section;
    if (!ALL.includes(name))
      throw new Error(`BENCH_ONLY: unknown bench "${raw}" (known: ${ALL.join(', ')}, throughput)`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

async function routerSection(): Promise<string> {
  const file = join(BENCH_DIR, 'router.ts');
  if (!existsSync(file)) return '## Router\n\n_skipped: bench/router.ts is not there yet._\n';
  // Loaded by path at run time: the file belongs to the router's owner and may not exist yet.
  const mod = (await import(new URL('./router.js', import.meta.url).href)) as {
    runRouterBench?: () => unknown;
  };
  if (typeof mod.runRouterBench !== 'function')
    return '## Router\n\n_skipped: bench/router.ts exports no runRouterBench()._\n';
  const out = (await mod.runRouterBench()) as Partial<RouterResult> | string;
  writeResult('router.json', out);
  if (typeof out === 'string') return out;
  if (typeof out.sluiceOpsPerSec === 'number' && typeof out.findMyWayOpsPerSec === 'number') {
    const m = (n: number): string => `${(n / 1e6).toFixed(2)}M`;
    return [
      '## Router: Sluice matcher vs find-my-way',
      '',
      `${out.routes ?? '?'} routes, ${out.rounds ?? '?'} interleaved rounds x ${out.lookupsPerRound ?? '?'} lookups (median), in-process.`,
      '',
      table(
        ['router', 'lookups/s', 'vs find-my-way'],
        [
          [
            'sluice',
            m(out.sluiceOpsPerSec),
            `${(out.sluiceOpsPerSec / out.findMyWayOpsPerSec).toFixed(2)}x`,
          ],
          ['find-my-way', m(out.findMyWayOpsPerSec), '1.00x'],
          ...(out.kinds ?? []).map((k) => [
            `sluice, ${k.kind} paths only`,
            `${m(k.sluiceOpsPerSec)} (find-my-way ${m(k.findMyWayOpsPerSec)})`,
            `${k.ratio.toFixed(2)}x`,
          ]),
        ],
      ),
      '',
      ...(out.lengths?.length
        ? [
            'By path length (`/api/v1/users/:id/posts`, the id grown; linear or better = ns per lookup grows at most in proportion). find-my-way refuses a parameter longer than 100 characters (its default `maxParamLength`), so its rows past that measure a refusal, not a match:',
            '',
            table(
              ['path length', 'sluice', 'find-my-way'],
              out.lengths.map((l) => [
                l.pathLength.toLocaleString('en-US'),
                `${l.sluiceNsPerLookup.toFixed(0)} ns`,
                `${l.findMyWayNsPerLookup.toFixed(0)} ns`,
              ]),
            ),
            '',
          ]
        : []),
    ].join('\n');
  }
  return `## Router\n\n\`\`\`\n${JSON.stringify(out, null, 2)}\n\`\`\`\n`;
}

let sections: Section[];
try {
  sections = selected();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const parts: string[] = [
  `# Sluice benchmarks`,
  '',
  `${new Date().toISOString()} · ${machineNote()}`,
  '',
];
let failed = false;
if (process.env.BENCH_BEFORE) {
  process.env.BENCH_BEFORE_DIST = buildBefore(process.env.BENCH_BEFORE);
  parts.push(
    `\`sluice-before\` rows: Sluice built at \`${process.env.BENCH_BEFORE}\`, in the same run.`,
    '',
  );
}

for (const section of sections) {
  console.error(`\n=== ${section} ===`);
  try {
    switch (section) {
      case 'router':
        parts.push(await routerSection());
        break;
      case 'http':
        parts.push((await runHttpBench()).markdown);
        parts.push((await runValidatedBench()).markdown);
        parts.push((await runValidationCostBench()).markdown);
        break;
      case 'h2':
        parts.push((await runH2Bench()).markdown);
        break;
      case 'stream':
        parts.push((await runStreamBench()).markdown);
        break;
      case 'sse':
        parts.push((await runSseBench()).markdown);
        break;
      case 'ws':
        parts.push((await runWsBench()).markdown);
        break;
      case 'idle':
        parts.push((await runIdleRssBench()).markdown);
        break;
      case 'runs':
        parts.push((await runRunsBench()).markdown);
        break;
      case 'cluster':
        parts.push((await runClusterBench()).markdown);
        break;
    }
  } catch (err) {
    failed = true;
    const msg = (err as Error).message;
    console.error(`[${section}] failed: ${msg}`);
    parts.push(`## ${section}\n\n**failed**: ${msg}\n`);
  }
}

const summary = `${parts.join('\n')}\n`;
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(join(RESULTS_DIR, 'summary.md'), summary);
console.log(summary);
console.error(`summary written to ${join(RESULTS_DIR, 'summary.md')}`);
// README's table, from the JSON results just written (`npm run bench:readme -- --write` puts it
// in README.md).
try {
  const readmeTable = execFileSync(process.execPath, ['scripts/bench-readme.mjs'], {
    encoding: 'utf8',
  });
  writeFileSync(join(RESULTS_DIR, 'readme-table.md'), readmeTable);
  console.error(`README table written to ${join(RESULTS_DIR, 'readme-table.md')}`);
} catch (err) {
  console.error(`README table not built: ${(err as Error).message}`);
}
if (failed) process.exitCode = 1;
