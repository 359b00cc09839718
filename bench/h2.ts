// HTTP/2 (issues 12/13): GET /hello and GET /json over cleartext HTTP/2 with prior knowledge,
// Sluice (`h2c: true`) against a hand-written node:http2 server, driven by h2load (nghttp2-client)
// pinned to the client core; rounds interleaved, median and range, ratio to node:http2.
//
//   node --import tsx bench/h2.ts
//   BENCH_ROUNDS=5 BENCH_SECONDS=5 H2_CONNECTIONS=50 H2_STREAMS=20 H2_SERVERS=node-http2,sluice-h2
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  beforeDist,
  BENCH_DIR,
  CLIENT_CPU,
  HOST,
  envInt,
  envList,
  fmt,
  fmtInt,
  isMain,
  machineNote,
  median,
  parseStat,
  withServerCpu,
  range,
  rotate,
  sleep,
  startServer,
  table,
  track,
  writeResult,
} from './lib.js';

const H2LOAD = process.env.BENCH_H2LOAD ?? '/usr/bin/h2load';
const ROUTES = ['/hello', '/json'] as const;

interface H2Result {
  rps: number;
  succeeded: number;
  failed: number;
  clientCpu: number;
}

/** h2load pinned to the client core; its CPU read from /proc the way runWrk reads wrk's. */
async function runH2load(
  url: string,
  seconds: number,
  connections: number,
  streams: number,
): Promise<H2Result> {
  const script = '"$@"; s=$?; read -r l < /proc/$$/stat; echo "__STAT__ $l"; exit $s';
  const args = ['-c', CLIENT_CPU, 'sh', '-c', script, 'sh', H2LOAD, '-t1'];
  args.push(`-c${connections}`, `-m${streams}`, `-D${seconds}`, url);
  const started = process.hrtime.bigint();
  const proc = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const killer = setTimeout(() => proc.kill('SIGKILL'), (seconds + 15) * 1000);
  const code = await new Promise<number | null>((res) => proc.once('close', res));
  clearTimeout(killer);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`h2load failed (code ${String(code)}): ${out.trim()}`);
  const rps = out.match(/finished in [^,]+, ([\d.]+) req\/s/);
  const req = out.match(
    /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/,
  );
  const stat = out.match(/^__STAT__ (.*)$/m);
  return {
    rps: rps ? Number(rps[1]) : NaN,
    succeeded: req ? Number(req[1]) : 0,
    failed: req ? Number(req[2]) : 0,
    clientCpu: stat ? (parseStat(stat[1]!).childCpu / wall) * 100 : NaN,
  };
}

interface Sample extends H2Result {
  round: number;
  serverCpu: number;
}

export interface H2Row {
  server: string;
  route: string;
  rpsMedian: number;
  rpsMin: number;
  rpsMax: number;
  ratio: number;
  serverCpuMedian: number;
  /** Server CPU microseconds per request (robust where the load, not the server, sets req/s). */
  usPerRequestMedian: number;
  clientCpuMedian: number;
  clientCpuMax: number;
  failed: number;
}

export async function runH2Bench(): Promise<{ markdown: string; rows: H2Row[] }> {
  if (!existsSync(H2LOAD))
    throw new Error(`h2load not found at ${H2LOAD}: apt-get install nghttp2-client`);
  const rounds = envInt('BENCH_ROUNDS', 5);
  const seconds = envInt('BENCH_SECONDS', 5);
  const connections = envInt('H2_CONNECTIONS', 50);
  const streams = envInt('H2_STREAMS', 20);
  const selected = envList('H2_SERVERS');
  const all = ['node-http2', 'sluice-h2'];
  if (beforeDist()) all.push('sluice-h2-before');
  const servers = all.filter((s) => !selected || selected.includes(s));
  const samples = new Map<string, Sample[]>();
  const skipped: Record<string, string> = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of rotate(servers, round)) {
      if (skipped[name]) continue;
      const before = name.endsWith('-before');
      let srv;
      try {
        srv = await startServer(
          join(BENCH_DIR, 'servers', `${before ? 'sluice-h2' : name}.ts`),
          before ? { SLUICE_DIST: beforeDist()! } : {},
        );
      } catch (err) {
        skipped[name] = `failed to start: ${(err as Error).message}`;
        continue;
      }
      try {
        for (const route of ROUTES) {
          const url = `http://${HOST}:${srv.port}${route}`;
          await runH2load(url, 1, connections, streams); // warm-up
          const r = await withServerCpu(srv.child.pid, () =>
            runH2load(url, seconds, connections, streams),
          );
          const serverCpu = r.serverCpu;
          if (r.succeeded === 0) throw new Error(`${route}: no request succeeded`);
          const key = `${name} ${route}`;
          (samples.get(key) ?? samples.set(key, []).get(key)!).push({ ...r, round });
          console.error(
            `[h2] round ${round + 1}/${rounds} ${name.padEnd(16)} ${route.padEnd(6)} ${fmtInt(r.rps).padStart(7)} req/s  server ${fmt(serverCpu, 0)}% ${fmt((serverCpu / 100 / r.rps) * 1e6, 1)} us/req  client ${fmt(r.clientCpu, 0)}%` +
              (r.failed ? `  failed ${r.failed}` : ''),
          );
        }
      } catch (err) {
        skipped[name] = (err as Error).message.split('\n')[0] ?? 'error';
        console.error(`[h2] ${name} dropped: ${skipped[name]}`);
      } finally {
        await srv.child.stop();
      }
      await sleep(200);
    }
  }
  const rows: H2Row[] = [];
  for (const route of ROUTES) {
    const base = median((samples.get(`node-http2 ${route}`) ?? []).map((s) => s.rps));
    for (const name of servers) {
      const list = samples.get(`${name} ${route}`);
      if (!list?.length) continue;
      const rps = list.map((s) => s.rps);
      const [lo, hi] = range(rps);
      rows.push({
        server: name,
        route,
        rpsMedian: median(rps),
        rpsMin: lo,
        rpsMax: hi,
        ratio: median(rps) / base,
        serverCpuMedian: median(list.map((s) => s.serverCpu)),
        usPerRequestMedian: median(list.map((s) => (s.serverCpu / 100 / s.rps) * 1e6)),
        clientCpuMedian: median(list.map((s) => s.clientCpu)),
        clientCpuMax: Math.max(...list.map((s) => s.clientCpu)),
        failed: list.reduce((a, s) => a + s.failed, 0),
      });
    }
  }
  const lines = [
    '## HTTP/2: GET /hello and GET /json (h2c, prior knowledge)',
    '',
    `${machineNote()}; h2load -t1 -c${connections} -m${streams} -D${seconds}, ${rounds} interleaved rounds (median, range); ratio to node:http2. Target: Sluice >= 0.95x node:http2.`,
    '',
    table(
      [
        'route',
        'server',
        'req/s (median)',
        'range',
        'vs node:http2',
        'server CPU',
        'server CPU / request',
        'client CPU',
      ],
      rows.map((r) => [
        r.route,
        r.server,
        fmtInt(r.rpsMedian),
        `${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)}`,
        Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '–',
        `${fmt(r.serverCpuMedian, 0)}%`,
        `${fmt(r.usPerRequestMedian, 1)} us`,
        `${fmt(r.clientCpuMedian, 0)}%${r.clientCpuMax > 60 ? ' **(client > 60%)**' : ''}`,
      ]),
    ),
    '',
    ...Object.entries(skipped).map(([n, why]) => `- **${n} skipped**: ${why}`),
  ];
  writeResult('h2.json', { date: new Date().toISOString(), rounds, seconds, rows, skipped });
  return { markdown: lines.join('\n'), rows };
}

if (isMain(import.meta.url)) {
  try {
    console.log((await runH2Bench()).markdown);
  } catch (err) {
    console.error(`[h2] ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
