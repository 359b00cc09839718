// Fan-out across Sluice processes on one Redis and on a Redis Cluster (3 primaries + 3
// replicas), loopback only, bounded (about 1 minute with the defaults). For each backend and
// process count: N subscriber processes (bench/cluster-worker.ts) with CLUSTER_SUBS sinks each
// spread over CLUSTER_TOPICS topics, one publisher process at CLUSTER_RATE events/s; measured
// for CLUSTER_SECONDS: deliveries/s, publish-to-deliver p50/p99 (once per event per process),
// Redis CPU (/proc/<pid>/stat of every redis-server: all nodes, and the busiest), and the
// subscriber processes' CPU per delivery. Two process counts give Redis' cost per event and per
// reading process, from which the table projects to M processes (see the note it prints).
//   CLUSTER_PROCS=1,3 CLUSTER_SUBS=2000 CLUSTER_TOPICS=50 CLUSTER_RATE=500 CLUSTER_SECONDS=8
//   CLUSTER_BACKENDS=single,cluster
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { startCluster, startInstances, type Node } from '../test/helpers/redis-cluster.js';
import {
  BENCH_DIR,
  envInt,
  envList,
  fmt,
  fmtInt,
  isMain,
  nodeArgs,
  procStat,
  sleep,
  table,
  track,
  writeResult,
} from './lib.js';

const PROCS = (envList('CLUSTER_PROCS') ?? ['1', '3']).map(Number);
const SUBS = envInt('CLUSTER_SUBS', 2000);
const TOPICS = envInt('CLUSTER_TOPICS', 50);
const RATE = envInt('CLUSTER_RATE', 500);
const SECONDS = envInt('CLUSTER_SECONDS', 8);
const BACKENDS = envList('CLUSTER_BACKENDS') ?? ['single', 'cluster'];

interface Worker {
  send(line: string): void;
  ready: Promise<void>;
  result: Promise<Figures>;
}

interface Figures {
  deliveries: number;
  events: number;
  published: number;
  failed: number;
  cpuUs: number;
  p50: number;
  p99: number;
}

export interface Row {
  backend: string;
  procs: number;
  subscribers: number;
  published: number;
  deliveriesPerS: number;
  expectedPerS: number;
  p50: number;
  p99: number;
  redisCpuPct: number;
  hottestNodePct: number;
  usPerDelivery: number;
}

function worker(env: Record<string, string>): Worker {
  const proc = spawn(process.execPath, nodeArgs(join(BENCH_DIR, 'cluster-worker.ts')), {
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  track(proc);
  const lines = createInterface({ input: proc.stdout! });
  let onReady!: () => void;
  let onResult!: (f: Figures) => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<Figures>((r) => (onResult = r));
  lines.on('line', (l) => {
    if (l === 'READY') onReady();
    else if (l.startsWith('{')) onResult(JSON.parse(l) as Figures);
  });
  const failed = new Promise<never>((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`cluster worker exited with ${code}`))),
  );
  failed.catch(() => {});
  return {
    send: (line) => proc.stdin!.write(`${line}\n`),
    ready: Promise.race([ready, failed]),
    result: Promise.race([result, failed]),
  };
}

async function measure(backend: string, nodes: Node[], procs: number): Promise<Row> {
  const base = {
    MODE: backend,
    URLS: nodes.map((n) => n.url).join(','),
    TOPICS: String(TOPICS),
    PREFIX: `bench-cluster:${Date.now()}:`,
  };
  const subs = Array.from({ length: procs }, () =>
    worker({ ...base, ROLE: 'sub', SUBS: String(SUBS) }),
  );
  const pub = worker({ ...base, ROLE: 'pub', RATE: String(RATE) });
  const all = [...subs, pub];
  await Promise.all(all.map((w) => w.ready));
  await sleep(500);
  const cpu0 = nodes.map((n) => procStat(n.pid)?.cpu ?? 0);
  for (const w of all) w.send('START');
  await sleep(SECONDS * 1000);
  const cpu1 = nodes.map((n) => procStat(n.pid)?.cpu ?? 0);
  for (const w of all) w.send('STOP');
  const figs = await Promise.all(all.map((w) => w.result));
  const s = figs.slice(0, procs);
  const p = figs[procs]!;
  const deliveries = s.reduce((a, f) => a + f.deliveries, 0);
  const redis = cpu1.map((c, i) => c - cpu0[i]!);
  return {
    backend,
    procs,
    subscribers: SUBS * procs,
    published: p.published,
    deliveriesPerS: deliveries / SECONDS,
    expectedPerS: ((p.published * SUBS) / TOPICS / SECONDS) * procs,
    p50: Math.max(...s.map((f) => f.p50)),
    p99: Math.max(...s.map((f) => f.p99)),
    redisCpuPct: (redis.reduce((a, b) => a + b, 0) / SECONDS) * 100,
    hottestNodePct: (Math.max(...redis) / SECONDS) * 100,
    usPerDelivery: s.reduce((a, f) => a + f.cpuUs, 0) / Math.max(1, deliveries),
  };
}

/** Redis CPU (core-seconds per second) = events/s x (a + b x processes), fitted on two counts. */
function fit(rows: Row[]): { a: number; b: number } | undefined {
  if (rows.length < 2) return undefined;
  const [r1, r2] = [rows[0]!, rows[rows.length - 1]!];
  const per = (r: Row): number => r.redisCpuPct / 100 / (r.published / SECONDS);
  const b = (per(r2) - per(r1)) / (r2.procs - r1.procs);
  return { a: per(r1) - b * r1.procs, b };
}

export async function runClusterBench(): Promise<{ markdown: string; rows: Row[] }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const backend of BACKENDS) {
    const env = backend === 'cluster' ? await startCluster() : await startInstances(1);
    try {
      const mine: Row[] = [];
      for (const procs of PROCS) {
        console.error(
          `[cluster] ${backend}: ${procs} processes x ${SUBS} subscribers, ${RATE} events/s`,
        );
        const row = await measure(backend, env.nodes, procs);
        mine.push(row);
        rows.push(row);
      }
      const f = fit(mine);
      const us = mine.reduce((a, r) => a + r.usPerDelivery, 0) / mine.length;
      if (f) {
        const shards = backend === 'cluster' ? 3 : 1;
        // Processes one Redis core per shard carries at RATE events/s (topics spread evenly).
        const perShard = RATE / shards;
        const mMax = f.b > 0 ? (1 / perShard - Math.max(0, f.a)) / f.b : Infinity;
        notes.push(
          `- **${backend}**: Redis spends ${fmt(f.a * 1e6, 1)} µs per event plus ${fmt(f.b * 1e6, 1)} µs per event per reading process (all nodes${backend === 'cluster' ? ', replicas included' : ''}); at ${RATE} events/s one Redis core per shard carries about ${Number.isFinite(mMax) ? fmtInt(Math.max(0, mMax)) : 'any number of'} processes (${shards} shard${shards > 1 ? 's' : ''}; M shards scale that by M/${shards}). Subscriber processes spend ${fmt(us, 2)} µs per delivery: 100,000 subscribers per process receiving 1 event/s each is ${fmt((100_000 * us) / 1e6, 2)} core of fan-out per process.`,
        );
      }
    } finally {
      await env.stop();
    }
  }
  writeResult('cluster.json', rows);
  const ms = (n: number): string => (Number.isNaN(n) ? '-' : `${fmt(n, 1)} ms`);
  const markdown = [
    '## Scaling out: one Redis vs Redis Cluster (3 primaries + 3 replicas)',
    '',
    `${SUBS} subscribers per process over ${TOPICS} topics, one publisher process at ${RATE} events/s, ${SECONDS} s per row; loopback, redis-server 7.0 without persistence; taken on a loaded shared 2-core machine (other work ran beside it), so read the figures as an order of magnitude.`,
    '',
    table(
      [
        'backend',
        'processes',
        'subscribers',
        'deliveries/s (expected)',
        'p50',
        'p99',
        'Redis CPU (all nodes)',
        'busiest node',
        'CPU/delivery',
      ],
      rows.map((r) => [
        r.backend,
        String(r.procs),
        fmtInt(r.subscribers),
        `${fmtInt(r.deliveriesPerS)} (${fmtInt(r.expectedPerS)})`,
        ms(r.p50),
        ms(r.p99),
        `${fmt(r.redisCpuPct, 1)}%`,
        `${fmt(r.hottestNodePct, 1)}%`,
        `${fmt(r.usPerDelivery, 2)} µs`,
      ]),
    ),
    '',
    'Projection (from the rows above):',
    '',
    ...notes,
    '',
  ].join('\n');
  return { markdown, rows };
}

if (isMain(import.meta.url)) {
  const { markdown } = await runClusterBench();
  console.log(markdown);
}
