// GET /hello and GET /json: Sluice against hand-written node:http and the framework peers.
// Server pinned to one core, wrk pinned to the other; rounds interleaved (rotating order);
// median and range of requests/s, ratio to node:http, p99 latency, server and client CPU.
//
//   node --import tsx bench/http.ts
//   BENCH_ROUNDS=5 BENCH_SECONDS=5 BENCH_CONNECTIONS=50 BENCH_SERVERS=node-http,sluice
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
  fmtMs,
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

export const HTTP_SERVERS = ['node-http', 'sluice', 'fastify', 'h3', 'hono', 'express'] as const;
const ROUTES = [
  { path: '/hello', body: 'Hello, World!' },
  { path: '/json', body: '{"hello":"world"}' },
] as const;

const WRK = process.env.BENCH_WRK ?? '/usr/bin/wrk';

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** Load client CPU, % of one core, over the run. */
  clientCpu: number;
}

interface Sample extends WrkResult {
  round: number;
  /** Server CPU, % of one core, over the run. */
  serverCpu: number;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  switch (unit) {
    case 'us':
      return v / 1000;
    case 'ms':
      return v;
    case 's':
      return v * 1000;
    case 'm':
      return v * 60_000;
    default:
      return NaN;
  }
}

export function parseWrk(out: string): Omit<WrkResult, 'clientCpu'> {
  const num = (re: RegExp): number => {
    const m = out.match(re);
    return m ? Number(m[1]) : 0;
  };
  const pct = (p: string): number => {
    const m = out.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    requests: num(/(\d+) requests in/),
    errors,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
  };
}

/**
 * Runs wrk pinned to the client core. wrk runs under a tiny `sh` that, once wrk is reaped,
 * prints its own /proc stat: the children's CPU fields are then exactly wrk's CPU time.
 */
export async function runWrk(
  url: string,
  seconds: number,
  connections: number,
  luaScript?: string,
): Promise<WrkResult> {
  const script = '"$@"; s=$?; read -r l < /proc/$$/stat; echo "__STAT__ $l"; exit $s';
  const lua = luaScript ? ['-s', luaScript] : [];
  const args = [
    '-c',
    CLIENT_CPU,
    'sh',
    '-c',
    script,
    'sh',
    WRK,
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...lua,
    url,
  ];
  const started = process.hrtime.bigint();
  const proc = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const killer = setTimeout(() => proc.kill('SIGKILL'), (seconds + 15) * 1000);
  const code = await new Promise<number | null>((res) => proc.once('close', res));
  clearTimeout(killer);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`wrk failed (code ${String(code)}): ${err.trim() || out.trim()}`);
  const statLine = out.match(/^__STAT__ (.*)$/m);
  const clientCpu = statLine ? (parseStat(statLine[1]!).childCpu / wall) * 100 : NaN;
  return { ...parseWrk(out), clientCpu };
}

async function checkBody(
  port: number,
  path: string,
  expected: string,
): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${HOST}:${port}${path}`);
    const body = await res.text();
    if (res.status !== 200) return `${path} answered ${res.status}`;
    if (body !== expected)
      return `${path} answered ${JSON.stringify(body)}, expected ${JSON.stringify(expected)}`;
    return undefined;
  } catch (err) {
    return `${path}: ${(err as Error).message}`;
  }
}

export interface HttpRow {
  server: string;
  route: string;
  rounds: number;
  rpsMedian: number;
  rpsMin: number;
  rpsMax: number;
  /** To the base (node:http, or Fastify for validated POST): the median of per-round ratios. */
  ratio: number;
  /** The lowest and highest per-round ratio. */
  ratioMin?: number;
  ratioMax?: number;
  p99MsMedian: number;
  serverCpuMedian: number;
  clientCpuMedian: number;
  clientCpuMax: number;
  errors: number;
  samples: Sample[];
}

export interface HttpReport {
  markdown: string;
  rows: HttpRow[];
  skipped: Record<string, string>;
}

export async function runHttpBench(): Promise<HttpReport> {
  if (!existsSync(WRK)) {
    throw new Error(`wrk not found at ${WRK}: apt-get install wrk (or set BENCH_WRK)`);
  }
  const rounds = envInt('BENCH_ROUNDS', 5);
  const seconds = envInt('BENCH_SECONDS', 5);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const warmup = Number(process.env.BENCH_WARMUP ?? 1);
  const selected = envList('BENCH_SERVERS');
  const all: string[] = [...HTTP_SERVERS];
  if (beforeDist()) all.splice(2, 0, 'sluice-before');
  const servers = all.filter((s) => !selected || selected.includes(s));

  const samples = new Map<string, Sample[]>(); // key: server route
  const skipped: Record<string, string> = {};

  // Every server is started once and stays up (all pinned to the server core; an idle one costs
  // nothing), so each round measures them all within seconds of each other: on a machine whose
  // speed drifts, the per-round ratios are paired and the drift cancels out of them.
  const up = await startAll(
    servers,
    (name) => {
      const isBefore = name === 'sluice-before';
      const file = join(BENCH_DIR, 'servers', `${isBefore ? 'sluice' : name}.ts`);
      return startServer(file, isBefore ? { SLUICE_DIST: beforeDist()! } : {});
    },
    async (port) => {
      for (const route of ROUTES) {
        const bad = await checkBody(port, route.path, route.body);
        if (bad) return `wrong answer: ${bad}`;
      }
      return undefined;
    },
    skipped,
    '[http]',
  );
  try {
    if (warmup > 0) {
      for (const [, srv] of up) {
        for (const route of ROUTES) {
          await runWrk(`http://${HOST}:${srv.port}${route.path}`, warmup, connections);
        }
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const name of rotate([...up.keys()], round)) {
        const srv = up.get(name)!;
        for (const route of ROUTES) {
          const r = await measure(
            srv,
            `http://${HOST}:${srv.port}${route.path}`,
            seconds,
            connections,
          );
          const key = `${name} ${route.path}`;
          const list = samples.get(key) ?? [];
          list.push({ ...r, round });
          samples.set(key, list);
          console.error(
            `[http] round ${round + 1}/${rounds} ${name.padEnd(9)} ${route.path.padEnd(6)} ` +
              `${fmtInt(r.rps).padStart(7)} req/s  p99 ${fmtMs(r.p99Ms)}  server ${fmt(r.serverCpu, 0)}%  client ${fmt(r.clientCpu, 0)}%` +
              (r.errors || r.non2xx ? `  errors ${r.errors} non-2xx ${r.non2xx}` : ''),
          );
        }
      }
    }
  } finally {
    await Promise.all([...up.values()].map((srv) => srv.child.stop()));
  }

  const rows: HttpRow[] = [];
  for (const route of ROUTES) {
    const baseList = samples.get(`node-http ${route.path}`) ?? [];
    for (const name of servers) {
      const list = samples.get(`${name} ${route.path}`);
      if (!list || list.length === 0 || skipped[name]) continue;
      const rps = list.map((s) => s.rps);
      const [lo, hi] = range(rps);
      const med = median(rps);
      const paired = pairedRatios(list, baseList);
      rows.push({
        server: name,
        route: route.path,
        rounds: list.length,
        rpsMedian: med,
        rpsMin: lo,
        rpsMax: hi,
        ratio: median(paired),
        ratioMin: Math.min(...paired),
        ratioMax: Math.max(...paired),
        p99MsMedian: median(list.map((s) => s.p99Ms)),
        serverCpuMedian: median(list.map((s) => s.serverCpu)),
        clientCpuMedian: median(list.map((s) => s.clientCpu)),
        clientCpuMax: Math.max(...list.map((s) => s.clientCpu)),
        errors: list.reduce((a, s) => a + s.errors + s.non2xx, 0),
        samples: list,
      });
    }
  }

  const lines: string[] = [
    `## HTTP: GET /hello and GET /json`,
    '',
    `${machineNote()}; wrk -t1 -c${connections} -d${seconds}s, ${rounds} interleaved rounds with every server up at once (median, range min–max). "vs node:http" is the median of the per-round ratios (each round measures every server within seconds), with their range.`,
    '',
  ];
  for (const route of ROUTES) {
    const rs = rows.filter((r) => r.route === route.path);
    lines.push(`### GET ${route.path}`, '');
    lines.push(
      table(
        [
          'server',
          'req/s (median)',
          'range',
          'vs node:http',
          'p99',
          'server CPU',
          'server CPU / request',
          'client CPU',
        ],
        rs.map((r) => [
          r.server,
          fmtInt(r.rpsMedian),
          `${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)} (±${fmt(((r.rpsMax - r.rpsMin) / 2 / r.rpsMedian) * 100, 0)}%)`,
          ratioCell(r),
          fmtMs(r.p99MsMedian),
          `${fmt(r.serverCpuMedian, 0)}%`,
          `${fmt(median(r.samples.map((x) => (x.serverCpu / 100 / x.rps) * 1e6)), 1)} us`,
          `${fmt(r.clientCpuMedian, 0)}%${r.clientCpuMax > 70 ? ' (client-bound?)' : ''}`,
        ]),
      ),
      '',
    );
    const errs = rs.filter((r) => r.errors > 0);
    if (errs.length)
      lines.push(
        `Errors (socket errors or non-2xx): ${errs.map((r) => `${r.server} ${r.errors}`).join(', ')}`,
        '',
      );
  }
  for (const [name, why] of Object.entries(skipped)) lines.push(`- **${name} skipped**: ${why}`);
  if (Object.keys(skipped).length) lines.push('');
  const markdown = lines.join('\n');
  writeResult('http.json', {
    date: new Date().toISOString(),
    node: process.version,
    rounds,
    seconds,
    connections,
    rows,
    skipped,
  });
  return { markdown, rows, skipped };
}

// ---------------------------------------------------------------------------------------------
// Validated POST /json (issue 3): a 1 KB JSON body checked against a schema, then a small JSON
// answer. Sluice (typed controller, zod), Fastify (its JSON Schema, Ajv), Hono (hono/validator
// with the same zod schema). wrk posts the body through bench/post-json.lua.

export const VALIDATED_SERVERS = ['sluice', 'fastify', 'hono'] as const;
const VALIDATED_BODY = join(BENCH_DIR, 'payload-1k.txt');
const VALIDATED_LUA = join(BENCH_DIR, 'post-json.lua');

async function checkValidated(port: number): Promise<string | undefined> {
  const post = (body: string): Promise<globalThis.Response> =>
    fetch(`http://${HOST}:${port}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  try {
    const good = await post(readFileSync(VALIDATED_BODY, 'utf8'));
    const text = await good.text();
    if (good.status !== 200 || text !== '{"ok":true,"id":42,"items":8}')
      return `valid body answered ${good.status} ${text}`;
    const bad = await post('{"id":"x"}');
    await bad.arrayBuffer();
    if (bad.status !== 400) return `invalid body answered ${bad.status}, expected 400`;
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export async function runValidatedBench(): Promise<HttpReport> {
  const rounds = envInt('BENCH_ROUNDS', 5);
  const seconds = envInt('BENCH_SECONDS', 5);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const warmup = Number(process.env.BENCH_WARMUP ?? 1);
  const selected = envList('BENCH_SERVERS');
  const servers = VALIDATED_SERVERS.filter((s) => !selected || selected.includes(s));
  const samples = new Map<string, Sample[]>();
  const skipped: Record<string, string> = {};
  process.env.WRK_BODY_FILE = VALIDATED_BODY; // read by post-json.lua (wrk inherits our env)

  // All up at once, short paired rounds: see runHttpBench.
  const up = await startAll(
    servers,
    (name) => startServer(join(BENCH_DIR, 'servers', `${name}-validated.ts`)),
    checkValidated,
    skipped,
    '[validated]',
  );
  try {
    if (warmup > 0) {
      for (const [, srv] of up) {
        await runWrk(`http://${HOST}:${srv.port}/json`, warmup, connections, VALIDATED_LUA);
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const name of rotate([...up.keys()], round)) {
        const srv = up.get(name)!;
        const url = `http://${HOST}:${srv.port}/json`;
        const r = await measure(srv, url, seconds, connections, VALIDATED_LUA);
        const list = samples.get(name) ?? [];
        list.push({ ...r, round });
        samples.set(name, list);
        console.error(
          `[validated] round ${round + 1}/${rounds} ${name.padEnd(8)} ${fmtInt(r.rps).padStart(7)} req/s  p99 ${fmtMs(r.p99Ms)}  server ${fmt(r.serverCpu, 0)}%` +
            (r.errors || r.non2xx ? `  errors ${r.errors} non-2xx ${r.non2xx}` : ''),
        );
      }
    }
  } finally {
    await Promise.all([...up.values()].map((srv) => srv.child.stop()));
  }

  const baseList = samples.get('fastify') ?? [];
  const rows: HttpRow[] = [];
  for (const name of servers) {
    const list = samples.get(name);
    if (!list || list.length === 0 || skipped[name]) continue;
    const rps = list.map((s) => s.rps);
    const [lo, hi] = range(rps);
    const med = median(rps);
    const paired = pairedRatios(list, baseList);
    rows.push({
      server: name,
      route: 'POST /json (validated)',
      rounds: list.length,
      rpsMedian: med,
      rpsMin: lo,
      rpsMax: hi,
      ratio: median(paired),
      ratioMin: Math.min(...paired),
      ratioMax: Math.max(...paired),
      p99MsMedian: median(list.map((s) => s.p99Ms)),
      serverCpuMedian: median(list.map((s) => s.serverCpu)),
      clientCpuMedian: median(list.map((s) => s.clientCpu)),
      clientCpuMax: Math.max(...list.map((s) => s.clientCpu)),
      errors: list.reduce((a, s) => a + s.errors + s.non2xx, 0),
      samples: list,
    });
  }
  const lines = [
    '## HTTP: validated POST /json (1 KB body, schema-checked)',
    '',
    `${machineNote()}; wrk -t1 -c${connections} -d${seconds}s -s bench/post-json.lua, ${rounds} interleaved rounds with every server up at once (median, range min–max); "vs fastify" is the median of the per-round ratios, with their range.`,
    '',
    table(
      [
        'server',
        'req/s (median)',
        'range',
        'vs fastify',
        'p99',
        'server CPU',
        'server CPU / request',
      ],
      rows.map((r) => [
        r.server,
        fmtInt(r.rpsMedian),
        `${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)}`,
        ratioCell(r),
        fmtMs(r.p99MsMedian),
        `${fmt(r.serverCpuMedian, 0)}%`,
        `${fmt(median(r.samples.map((x) => (x.serverCpu / 100 / x.rps) * 1e6)), 1)} us`,
      ]),
    ),
    '',
    ...Object.entries(skipped).map(([name, why]) => `- **${name} skipped**: ${why}`),
  ];
  writeResult('http-validated.json', {
    date: new Date().toISOString(),
    node: process.version,
    rounds,
    seconds,
    connections,
    rows,
    skipped,
  });
  return { markdown: lines.join('\n'), rows, skipped };
}

// ---------------------------------------------------------------------------------------------
// What validation costs (issue 15): validated POST /json and GET /out with Sluice's output
// validation off (no output schema) and on (output schema, validateResponses 'always'), against
// Fastify with its body schema and its response-schema serializer. Target: validation costs
// Sluice < 10% (output on vs off).

const COST_SERVERS = [
  { name: 'sluice (output off)', file: 'sluice-validated.ts', env: { SLUICE_OUTPUT: 'off' } },
  { name: 'sluice (output on)', file: 'sluice-validated.ts', env: { SLUICE_OUTPUT: 'on' } },
  { name: 'fastify (response schema)', file: 'fastify-validated.ts', env: {} },
] as const;

export async function runValidationCostBench(): Promise<HttpReport> {
  const rounds = envInt('BENCH_ROUNDS', 5);
  const seconds = envInt('BENCH_SECONDS', 5);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  process.env.WRK_BODY_FILE = VALIDATED_BODY;
  const routes = [
    { label: 'POST /json (validated body)', path: '/json', lua: VALIDATED_LUA },
    { label: 'GET /out', path: '/out', lua: undefined },
  ];
  const samples = new Map<string, Sample[]>();
  const skipped: Record<string, string> = {};
  for (let round = 0; round < rounds; round++) {
    for (const server of rotate(COST_SERVERS, round)) {
      if (skipped[server.name]) continue;
      let srv;
      try {
        srv = await startServer(join(BENCH_DIR, 'servers', server.file), { ...server.env });
      } catch (err) {
        skipped[server.name] = `failed to start: ${(err as Error).message}`;
        continue;
      }
      try {
        const bad = await checkValidated(srv.port);
        if (bad) throw new Error(`wrong answer: ${bad}`);
        const out = await checkBody(srv.port, '/out', '{"ok":true,"id":42,"items":8}');
        if (out) throw new Error(`wrong answer: ${out}`);
        for (const route of routes) {
          const url = `http://${HOST}:${srv.port}${route.path}`;
          await runWrk(url, 1, connections, route.lua);
          const r = await withServerCpu(srv.child.pid, () =>
            runWrk(url, seconds, connections, route.lua),
          );
          const serverCpu = r.serverCpu;
          const key = `${server.name}|${route.label}`;
          (samples.get(key) ?? samples.set(key, []).get(key)!).push({ ...r, round });
          console.error(
            `[validation] round ${round + 1}/${rounds} ${server.name.padEnd(26)} ${route.path.padEnd(6)} ${fmtInt(r.rps).padStart(7)} req/s  server ${fmt(serverCpu, 0)}% ${fmt((serverCpu / 100 / r.rps) * 1e6, 1)} us/req` +
              (r.errors || r.non2xx ? `  errors ${r.errors} non-2xx ${r.non2xx}` : ''),
          );
        }
      } catch (err) {
        skipped[server.name] = (err as Error).message.split('\n')[0] ?? 'error';
      } finally {
        await srv.child.stop();
      }
      await sleep(200);
    }
  }
  const rows: HttpRow[] = [];
  const body: string[][] = [];
  for (const route of routes) {
    const off = median(
      (samples.get(`${COST_SERVERS[0].name}|${route.label}`) ?? []).map((s) => s.rps),
    );
    for (const server of COST_SERVERS) {
      const list = samples.get(`${server.name}|${route.label}`);
      if (!list?.length) continue;
      const rps = list.map((s) => s.rps);
      const [lo, hi] = range(rps);
      const med = median(rps);
      const usPerReq = median(list.map((s) => (s.serverCpu / 100 / s.rps) * 1e6));
      rows.push({
        server: server.name,
        route: route.label,
        rounds: list.length,
        rpsMedian: med,
        rpsMin: lo,
        rpsMax: hi,
        ratio: med / off,
        p99MsMedian: median(list.map((s) => s.p99Ms)),
        serverCpuMedian: median(list.map((s) => s.serverCpu)),
        clientCpuMedian: median(list.map((s) => s.clientCpu)),
        clientCpuMax: Math.max(...list.map((s) => s.clientCpu)),
        errors: list.reduce((a, s) => a + s.errors + s.non2xx, 0),
        samples: list,
      });
      body.push([
        route.label,
        server.name,
        fmtInt(med),
        `${fmtInt(lo)}–${fmtInt(hi)}`,
        `${(med / off).toFixed(2)}x`,
        `${fmt(usPerReq, 1)} us`,
        `${fmt(median(list.map((s) => s.clientCpu)), 0)}%`,
      ]);
    }
  }
  const lines = [
    '## What validation costs: output validation on vs off, and Fastify with its response schema',
    '',
    `${machineNote()}; wrk -t1 -c${connections} -d${seconds}s, ${rounds} interleaved rounds (median, range). "output on": the route's output schema (zod) with validateResponses 'always'; "off": no output schema. Target: output validation costs Sluice < 10% (ratio >= 0.90x).`,
    '',
    table(
      [
        'route',
        'server',
        'req/s (median)',
        'range',
        'vs Sluice output off',
        'server CPU / request',
        'client CPU',
      ],
      body,
    ),
    '',
    ...Object.entries(skipped).map(([name, why]) => `- **${name} skipped**: ${why}`),
  ];
  writeResult('http-validation-cost.json', {
    date: new Date().toISOString(),
    rounds,
    seconds,
    connections,
    rows,
    skipped,
  });
  return { markdown: lines.join('\n'), rows, skipped };
}

if (isMain(import.meta.url)) {
  try {
    // BENCH_SCENARIOS=http,validated,validation-cost (default: all three).
    const scenarios = envList('BENCH_SCENARIOS') ?? ['http', 'validated', 'validation-cost'];
    const { markdown } = scenarios.includes('http') ? await runHttpBench() : { markdown: '' };
    console.log(markdown);
    if (scenarios.includes('validated')) console.log((await runValidatedBench()).markdown);
    if (scenarios.includes('validation-cost'))
      console.log((await runValidationCostBench()).markdown);
  } catch (err) {
    console.error(`[http] ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Shared by the sections: every server up at once, one measured run, paired ratios.

type Started = Awaited<ReturnType<typeof startServer>>;

/**
 * Starts each server (one after the other) and checks its answers; one that fails to start or
 * answers wrongly is skipped (the reason in `skipped`) and stopped. Returns the ones up, in order.
 */
async function startAll(
  names: readonly string[],
  start: (name: string) => Promise<Started>,
  check: (port: number) => Promise<string | undefined>,
  skipped: Record<string, string>,
  tag: string,
): Promise<Map<string, Started>> {
  const up = new Map<string, Started>();
  for (const name of names) {
    let srv: Started;
    try {
      srv = await start(name);
    } catch (err) {
      skipped[name] = `failed to start: ${(err as Error).message}`;
      console.error(`${tag} skipping ${name}: ${skipped[name]}`);
      continue;
    }
    const bad = await check(srv.port).catch((err: Error) => err.message);
    if (bad) {
      skipped[name] = bad;
      console.error(`${tag} skipping ${name}: ${bad}`);
      await srv.child.stop();
      continue;
    }
    up.set(name, srv);
  }
  return up;
}

/** One wrk run against a server, with the server's CPU over it (% of one core). */
function measure(
  srv: Started,
  url: string,
  seconds: number,
  connections: number,
  lua?: string,
): Promise<WrkResult & { serverCpu: number }> {
  return withServerCpu(srv.child.pid, () => runWrk(url, seconds, connections, lua));
}

/**
 * The ratio of a server's req/s to the base's, round by round (only rounds both completed).
 * @example pairedRatios([{ round: 0, rps: 90 }], [{ round: 0, rps: 100 }]) // [0.9]
 */
export function pairedRatios(
  list: ReadonlyArray<{ round: number; rps: number }>,
  base: ReadonlyArray<{ round: number; rps: number }>,
): number[] {
  const byRound = new Map(base.map((b) => [b.round, b.rps]));
  const out: number[] = [];
  for (const s of list) {
    const b = byRound.get(s.round);
    if (b !== undefined && b > 0) out.push(s.rps / b);
  }
  return out;
}

function ratioCell(r: { ratio: number; ratioMin?: number; ratioMax?: number }): string {
  if (!Number.isFinite(r.ratio)) return '–';
  const spread =
    r.ratioMin !== undefined && r.ratioMax !== undefined && Number.isFinite(r.ratioMin)
      ? ` (${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)})`
      : '';
  return `${r.ratio.toFixed(2)}x${spread}`;
}
