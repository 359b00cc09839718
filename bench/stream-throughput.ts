// One stream of 16 KiB chunks, with backpressure, to one client for BENCH_STREAM_SECONDS
// (default 5): MB/s. node:http awaits 'drain'; Sluice awaits flush() after each write; the
// peers stream their documented way (see bench/servers/*-sse.ts, route GET /stream).
//
//   node --import tsx bench/stream-throughput.ts
//   BENCH_ROUNDS=5 BENCH_STREAM_SECONDS=5 STREAM_SERVERS=node-http,sluice
import { join } from 'node:path';
import {
  BENCH_DIR,
  CLIENT_CPU,
  envInt,
  envList,
  fmt,
  isMain,
  machineNote,
  median,
  nodeArgs,
  procStat,
  range,
  rotate,
  sleep,
  spawnPinned,
  startServer,
  table,
  writeResult,
} from './lib.js';

const STREAM_SERVERS = [
  { name: 'node-http', file: 'node-http-sse.ts' },
  { name: 'sluice', file: 'sluice-sse.ts' },
  { name: 'fastify', file: 'fastify-sse.ts' },
  { name: 'express', file: 'express-sse.ts' },
  { name: 'h3', file: 'h3-sse.ts' },
  { name: 'hono', file: 'hono-sse.ts' },
];

interface Sample {
  round: number;
  mbPerS: number;
  serverCpuPct: number;
  clientCpuPct: number;
}

export interface StreamRow {
  server: string;
  rounds: number;
  mbPerSMedian: number;
  mbPerSMin: number;
  mbPerSMax: number;
  ratio: number;
  serverCpuMedian: number;
  clientCpuMedian: number;
  clientCpuMax: number;
  samples: Sample[];
}

async function oneRun(file: string, seconds: number, round: number): Promise<Sample> {
  const srv = await startServer(join(BENCH_DIR, 'servers', file));
  let client;
  try {
    const cpu0 = procStat(srv.child.pid);
    const t0 = performance.now();
    client = spawnPinned(
      CLIENT_CPU,
      process.execPath,
      nodeArgs(join(BENCH_DIR, 'stream-client.ts')),
      {
        PORT: String(srv.port),
        SECONDS: String(seconds),
      },
    );
    const m = await client.waitFor(/^(result|error) (.*)$/, (seconds + 30) * 1000);
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = procStat(srv.child.pid);
    if (m[1] === 'error') throw new Error(`stream client: ${m[2] ?? ''}`);
    const r = JSON.parse(m[2]!) as { mbPerS: number; clientCpuPct: number };
    return {
      round,
      mbPerS: r.mbPerS,
      // Over the wall time of the client process (includes its start-up, when the server idles).
      serverCpuPct: cpu0 && cpu1 ? ((cpu1.cpu - cpu0.cpu) / wall) * 100 : NaN,
      clientCpuPct: r.clientCpuPct,
    };
  } finally {
    await client?.stop();
    await srv.child.stop();
  }
}

export interface StreamReport {
  markdown: string;
  rows: StreamRow[];
  skipped: Record<string, string>;
}

export async function runStreamBench(): Promise<StreamReport> {
  const rounds = envInt('BENCH_ROUNDS', 5);
  const seconds = envInt('BENCH_STREAM_SECONDS', 5);
  const selected = envList('STREAM_SERVERS');
  const servers = STREAM_SERVERS.filter((s) => !selected || selected.includes(s.name));
  const samples = new Map<string, Sample[]>();
  const skipped: Record<string, string> = {};

  for (let round = 0; round < rounds; round++) {
    for (const s of rotate(servers, round)) {
      if (skipped[s.name]) continue;
      try {
        const r = await oneRun(s.file, seconds, round);
        const list = samples.get(s.name) ?? [];
        list.push(r);
        samples.set(s.name, list);
        console.error(
          `[stream] round ${round + 1}/${rounds} ${s.name.padEnd(9)} ${fmt(r.mbPerS, 0).padStart(5)} MB/s  server ${fmt(r.serverCpuPct, 0)}%  client ${fmt(r.clientCpuPct, 0)}%`,
        );
      } catch (err) {
        const msg = (err as Error).message;
        skipped[s.name] = /listening/.test(msg) ? `failed to start: ${msg}` : msg;
        console.error(`[stream] skipping ${s.name}: ${skipped[s.name]}`);
      }
      await sleep(200);
    }
  }

  const base = median((samples.get('node-http') ?? []).map((s) => s.mbPerS));
  const rows: StreamRow[] = [];
  for (const s of servers) {
    const list = samples.get(s.name);
    if (!list || list.length === 0) continue;
    const v = list.map((x) => x.mbPerS);
    const [lo, hi] = range(v);
    const med = median(v);
    rows.push({
      server: s.name,
      rounds: list.length,
      mbPerSMedian: med,
      mbPerSMin: lo,
      mbPerSMax: hi,
      ratio: med / base,
      serverCpuMedian: median(list.map((x) => x.serverCpuPct)),
      clientCpuMedian: median(list.map((x) => x.clientCpuPct)),
      clientCpuMax: Math.max(...list.map((x) => x.clientCpuPct)),
      samples: list,
    });
  }
  const lines = [
    `## One stream: 16 KiB chunks with backpressure, ${seconds} s`,
    '',
    `${machineNote()}; ${rounds} interleaved rounds (median, range).`,
    '',
    table(
      ['server', 'MB/s (median)', 'range', 'vs node:http', 'server CPU', 'client CPU'],
      rows.map((r) => [
        r.server,
        fmt(r.mbPerSMedian, 0),
        `${fmt(r.mbPerSMin, 0)}–${fmt(r.mbPerSMax, 0)}`,
        Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '–',
        `${fmt(r.serverCpuMedian, 0)}%`,
        `${fmt(r.clientCpuMedian, 0)}%${r.clientCpuMax > 70 ? ' (client-bound?)' : ''}`,
      ]),
    ),
    '',
  ];
  for (const [name, why] of Object.entries(skipped)) lines.push(`- **${name} skipped**: ${why}`);
  if (Object.keys(skipped).length) lines.push('');
  const markdown = lines.join('\n');
  writeResult('stream-throughput.json', {
    date: new Date().toISOString(),
    node: process.version,
    rounds,
    seconds,
    rows,
    skipped,
  });
  return { markdown, rows, skipped };
}

if (isMain(import.meta.url)) {
  try {
    const { markdown } = await runStreamBench();
    console.log(markdown);
  } catch (err) {
    console.error(`[stream] ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
