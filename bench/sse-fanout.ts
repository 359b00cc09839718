// SSE fan-out: N clients (default 1,000) on one server receiving a broadcast at R events/s,
// stepped up a ladder on the same connections (SSE_RATES, default 10,100,500,1000,2000), for
// BENCH_SSE_SECONDS (default 5) per step after every client is connected. Summary: server CPU
// per delivery at each rate and the highest rate sustained (p99 < 100 ms, nothing missed). Issue 4: a plain loop calling each framework's
// send on every open stream. Issue 6: `sluice-hub`, es.subscribe(hub, topic) + hub.publish().
//
// Server pinned to one core, the load client to the other; rounds interleaved. The load client is
// bench/go/sse-load (Go, one epoll thread; built at bench time into .bench-results/go/), or the
// Node one (bench/sse-client.ts) when `go` is missing or SSE_CLIENT=node: both speak the same
// stdin protocol and print the same JSON. Before the rounds, one short check round runs the Node
// client and then the Go client against the same server (node-http when selected) and compares
// gaps, duplicates and delivery (SSE_CHECK=0 skips it; SSE_CHECK_SECONDS, default 3).
// Reported: delivered share (received / (sent x clients) by the end of a grace period after the
// planned end), p50/p99 latency from the send timestamp, gaps (events skipped while later ones
// arrived), duplicates, server CPU per delivered event, server RSS per idle connection, and the
// load client's CPU (% of its core, flagged above 60%: the figure may then be the client's).
// `go-net-http` (bench/go/sse-server) is a hand-written Go net/http server doing what node-http does.
//
//   node --import tsx bench/sse-fanout.ts
//   BENCH_ROUNDS=5 BENCH_SSE_SECONDS=5 SSE_CLIENTS=1000 SSE_RATES=10,100,500,1000,2000 SSE_SERVERS=node-http,sluice
//   SSE_CLIENT=go|go-net|node   (go: epoll transport; go-net: goroutine per connection)
import { join } from 'node:path';
import {
  beforeDist,
  BENCH_DIR,
  CLIENT_CPU,
  envInt,
  envList,
  fmt,
  fmtInt,
  fmtMs,
  goBuild,
  isMain,
  machineNote,
  median,
  nodeArgs,
  procRss,
  procStat,
  procWrites,
  raiseNofile,
  range,
  rotate,
  sleep,
  spawnPinned,
  startServer,
  startServerProgram,
  table,
  writeResult,
} from './lib.js';

interface SseServer {
  name: string;
  /** A TypeScript server in bench/servers, run by Node... */
  file?: string;
  /** ...or a Go program in bench/go, built at bench time. */
  go?: string;
  env?: Record<string, string>;
  /** The stream's path (default /sse). */
  path?: string;
}

export const SSE_SERVERS: SseServer[] = [
  { name: 'node-http', file: 'node-http-sse.ts' },
  { name: 'go-net-http', go: 'sse-server' },
  { name: 'sluice', file: 'sluice-sse.ts' },
  { name: 'sluice-hub', file: 'sluice-hub-sse.ts' },
  { name: 'sluice-redis-hub', file: 'sluice-hub-sse.ts', env: { SLUICE_HUB: 'redis' } },
  { name: 'fastify', file: 'fastify-sse.ts' },
  { name: 'express+better-sse', file: 'express-sse.ts' },
  { name: 'h3', file: 'h3-sse.ts' },
  { name: 'hono', file: 'hono-sse.ts' },
];

/**
 * The servers with, when bench/run.ts built one (BENCH_BEFORE), the other build of Sluice beside
 * the current one: `sluice-before` and `sluice-hub-before`.
 */
function withBefore(servers: readonly SseServer[]): SseServer[] {
  const all = [...servers];
  const before = beforeDist();
  if (before) {
    const env = { SLUICE_DIST: before };
    all.splice(3, 0, { name: 'sluice-before', file: 'sluice-sse.ts', env });
    all.splice(5, 0, { name: 'sluice-hub-before', file: 'sluice-hub-sse.ts', env });
  }
  return all;
}

/** Above this share of its core, the load client may be what a row measures. */
export const CLIENT_CPU_LIMIT = 60;

export interface LoadClient {
  /** go (epoll), go-net (goroutine per connection) or node. */
  kind: string;
  label: string;
  cmd: string;
  args: string[];
}

const NODE_CLIENT: LoadClient = {
  kind: 'node',
  label: 'Node (bench/sse-client.ts)',
  cmd: process.execPath,
  args: nodeArgs(join(BENCH_DIR, 'sse-client.ts')),
};

/** The Go load client with the given transport, or why it cannot run. */
function goClient(io: 'epoll' | 'net'): LoadClient | { error: string } {
  const built = goBuild('sse-load');
  if ('error' in built) return built;
  return {
    kind: io === 'epoll' ? 'go' : 'go-net',
    label: `Go (bench/go/sse-load, ${io === 'epoll' ? 'one epoll thread' : 'goroutine per connection'})`,
    cmd: built.bin,
    args: ['-io', io],
  };
}

/** SSE_CLIENT (go, go-net or node; default go), falling back to Node when Go cannot build. */
export function pickLoadClient(): { client: LoadClient; note?: string } {
  const want = process.env.SSE_CLIENT ?? 'go';
  if (want === 'node') return { client: NODE_CLIENT };
  if (want !== 'go' && want !== 'go-net')
    throw new Error(`SSE_CLIENT must be go, go-net or node, got ${want}`);
  const go = goClient(want === 'go' ? 'epoll' : 'net');
  if ('error' in go)
    return {
      client: NODE_CLIENT,
      note: `${go.error}: load client falls back to Node (bench/sse-client.ts, about 1.4x the Go client's CPU per event), go-net-http skipped`,
    };
  return { client: go };
}

interface ClientResult {
  client: string;
  clients: number;
  failed: number;
  closed: number;
  sent: number;
  expected: number;
  received: number;
  delivered: number;
  gaps: number;
  duplicates: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  clientCpuPct: number;
  /** Client CPU microseconds per event received. */
  clientUsPerEvent: number;
  seconds: number;
}

interface Sample extends ClientResult {
  round: number;
  rate: number;
  /** Server CPU seconds from the first event to the report. */
  serverCpuS: number;
  /** Server CPU microseconds per delivered event. */
  usPerDelivery: number;
  /** Server RSS growth per connected client, bytes. */
  rssPerConn: number;
  /** Server write syscalls per delivered event (1: one write per socket per event). */
  writesPerDelivery: number;
}

/** Waits until the server's CPU falls below 15% of its core over 250 ms (at most `maxMs`). */
async function settle(pid: number, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const a = procStat(pid);
    await sleep(250);
    const b = procStat(pid);
    if (!a || !b || (b.cpu - a.cpu) / 0.25 < 0.15) return;
  }
}

/** Below this share delivered, higher rates of the same session are not run (saturated). */
const SATURATED = 0.5;

/**
 * One server, one set of `clients` connections, the broadcast stepped through `rates` (ascending)
 * on the same connections: the client's counters and the server's sequence restart at each step,
 * and each step starts once the previous one is over (grace period, then the server idle). Steps
 * above a rate that delivered less than half are skipped: the server is saturated below them.
 */
async function oneSession(
  server: SseServer,
  lc: LoadClient,
  clients: number,
  rates: number[],
  seconds: number,
  graceMs: number,
  round: number,
): Promise<Sample[]> {
  let srv;
  if (server.go) {
    const built = goBuild(server.go);
    if ('error' in built) throw new Error(built.error);
    srv = await startServerProgram(built.bin, [], server.env ?? {});
  } else {
    srv = await startServer(join(BENCH_DIR, 'servers', server.file!), server.env ?? {});
  }
  await sleep(300);
  const rss0 = procRss(srv.child.pid) ?? NaN;
  let client;
  const out: Sample[] = [];
  try {
    client = spawnPinned(CLIENT_CPU, lc.cmd, lc.args, {
      PORT: String(srv.port),
      CLIENTS: String(clients),
      SSE_PATH: server.path ?? '/sse',
    });
    const m = await client.waitFor(/^connected (\d+) (\d+)/, 60_000);
    const ok = Number(m[1]);
    if (ok === 0) throw new Error(`no client connected (${m[2]} failed)`);
    // Wait until the server has registered every stream (up to 30 s), then let it settle.
    let registered = 0;
    for (let i = 0; i < 60 && registered < ok; i++) {
      await sleep(500);
      srv.child.send('count');
      const count = await srv.child.waitFor(/^clients (\d+)/, 10_000);
      registered = Number(count[1]);
      srv.child.lines.length = 0; // so the next waitFor sees the next answer
    }
    if (registered < ok)
      console.error(`[sse] ${server.name}: only ${registered}/${ok} streams registered`);
    await sleep(500);
    const rss1 = procRss(srv.child.pid) ?? NaN;
    for (const rate of rates) {
      await settle(srv.child.pid, 5000);
      const cpu0 = procStat(srv.child.pid);
      const w0 = procWrites(srv.child.pid);
      client.lines.length = 0;
      client.send('start');
      // Only once the client has reset its counters: an event it read before the reset would
      // make the next ones look like gaps.
      await client.waitFor(/^started$/, 10_000);
      srv.child.send(`start ${rate} ${seconds}`);
      // "In time": what arrived by the planned end of the broadcast plus the grace period. A
      // server whose event loop falls behind sends late; its late events do not count.
      const planned = Math.round(rate * seconds);
      await sleep(seconds * 1000 + graceMs);
      const cpu1 = procStat(srv.child.pid);
      const w1 = procWrites(srv.child.pid);
      client.send(`report ${planned}`);
      const res = await client.waitFor(/^result (.*)$/, 30_000);
      const r = JSON.parse(res[1]!) as ClientResult;
      const serverCpuS = cpu0 && cpu1 ? cpu1.cpu - cpu0.cpu : NaN;
      const sample: Sample = {
        ...r,
        round,
        rate,
        serverCpuS,
        usPerDelivery: r.received > 0 ? (serverCpuS / r.received) * 1e6 : NaN,
        rssPerConn: (rss1 - rss0) / ok,
        writesPerDelivery:
          w0 !== undefined && w1 !== undefined && r.received > 0 ? (w1 - w0) / r.received : NaN,
      };
      out.push(sample);
      logSample(server.name, sample, round);
      if (sample.delivered < SATURATED) break;
      // The server may still be writing the last step's backlog: wait for the end of it.
      await srv.child.waitFor(/^done /, 60_000).catch(() => {});
      srv.child.lines.length = 0;
    }
    return out;
  } finally {
    await client?.stop();
    await srv.child.stop();
  }
}

/** One run at one rate on fresh connections (the load-client check). */
async function oneRun(
  server: SseServer,
  lc: LoadClient,
  clients: number,
  rate: number,
  seconds: number,
  graceMs: number,
  round: number,
): Promise<Sample> {
  const [s] = await oneSession(server, lc, clients, [rate], seconds, graceMs, round);
  if (!s) throw new Error('no sample');
  return s;
}

let roundsTotal = 0;
function logSample(name: string, s: Sample, round: number): void {
  if (round < 0) return;
  console.error(
    `[sse] round ${round + 1}/${roundsTotal} ${name.padEnd(18)} ${String(s.rate).padStart(4)}/s x ${s.clients}: ` +
      `delivered ${fmt(s.delivered * 100)}%  p50 ${fmtMs(s.p50Ms)}  p99 ${fmtMs(s.p99Ms)}  gaps ${s.gaps}  dups ${s.duplicates}  ` +
      `${fmt(s.usPerDelivery, 2)} us/delivery  ${fmt(s.writesPerDelivery, 2)} writes/delivery  ${fmt(s.rssPerConn / 1024)} KiB/conn  ` +
      `client ${fmt(s.clientCpuPct, 0)}% ${fmt(s.clientUsPerEvent, 2)} us/event` +
      (s.clientCpuPct > CLIENT_CPU_LIMIT ? `  CLIENT > ${CLIENT_CPU_LIMIT}%: client-bound?` : ''),
  );
}

export interface SseRow {
  server: string;
  rate: number;
  rounds: number;
  deliveredMedian: number;
  deliveredMin: number;
  deliveredMax: number;
  p50MsMedian: number;
  p99MsMedian: number;
  p99MsMax: number;
  gapsMedian: number;
  duplicatesMedian: number;
  usPerDeliveryMedian: number;
  ratioCost: number;
  rssPerConnMedian: number;
  clientCpuMedian: number;
  clientCpuMax: number;
  clientUsPerEventMedian: number;
  writesPerDeliveryMedian: number;
  samples: Sample[];
}

export interface SseReport {
  markdown: string;
  rows: SseRow[];
  skipped: Record<string, string>;
  loadClient: string;
  check?: ClientCheck;
}

function clientCpuCell(median: number, max: number): string {
  return `${fmt(median, 0)}%${max > CLIENT_CPU_LIMIT ? ` **(max ${fmt(max, 0)}% > ${CLIENT_CPU_LIMIT}%: client-bound?)**` : ''}`;
}

/** A rate is sustained when, over the rounds (median), p99 < 100 ms and nothing was missed. */
export function sustained(r: SseRow): boolean {
  return (
    r.rounds > 0 &&
    r.deliveredMedian >= 0.9995 &&
    r.gapsMedian === 0 &&
    r.p99MsMedian < SUSTAINED_P99_MS
  );
}

const SUSTAINED_P99_MS = 100;

/** Highest rate of the ladder each server sustained (undefined: not even the lowest). */
export function maxSustained(rows: SseRow[], server: string): number | undefined {
  let best: number | undefined;
  for (const r of rows) if (r.server === server && sustained(r)) best = Math.max(best ?? 0, r.rate);
  return best;
}

/**
 * The capacity summary: per server, server CPU per delivery at each rate of the ladder (with
 * the client's CPU beside it and a flag past the limit), and the highest rate it sustained.
 */
function capacityMarkdown(
  names: string[],
  rates: number[],
  rows: SseRow[],
  rounds: number,
): string[] {
  const cell = (r: SseRow | undefined): string => {
    if (!r) return 'saturated below';
    const flag = r.clientCpuMax > CLIENT_CPU_LIMIT ? ' **(client > 60%)**' : '';
    const ok = sustained(r) ? '' : ' ✗';
    return `${fmt(r.usPerDeliveryMedian, 2)} us (client ${fmt(r.clientCpuMedian, 0)}%)${ok}${flag}`;
  };
  const out: string[] = [
    '### Server capacity: CPU per delivery by rate, and max sustained rate',
    '',
    `Median of ${rounds} rounds. ✗: not sustained at that rate (p99 ≥ ${SUSTAINED_P99_MS} ms, a delivery missed or late, or a gap). Max sustained = highest rate of the ladder sustained; "saturated below" = not run in any round because a lower rate delivered < ${SATURATED * 100}%.`,
    '',
  ];
  const body = names
    .filter((n) => rows.some((r) => r.server === n))
    .map((n) => {
      const best = maxSustained(rows, n);
      return [
        n,
        ...rates.map((rate) => cell(rows.find((r) => r.server === n && r.rate === rate))),
        best === undefined ? `< ${fmtInt(rates[0]!)}/s` : `${fmtInt(best)}/s`,
      ];
    });
  out.push(
    table(
      ['server', ...rates.map((r) => `${fmtInt(r)}/s`), 'max sustained (p99 < 100 ms, 0 missed)'],
      body,
    ),
  );
  return out;
}

interface ClientCheck {
  server: string;
  rate: number;
  seconds: number;
  node: Sample;
  go: Sample;
  agree: boolean;
  /** Node client CPU per event / Go client CPU per event. */
  cpuRatio: number;
}

/**
 * One short round with the Node client, then one with the Go client, same server and load:
 * the two independent scanners must agree on gaps and duplicates (and on delivery, to 1 point).
 */
async function clientCheck(
  server: SseServer,
  go: LoadClient,
  clients: number,
  rate: number,
  seconds: number,
  graceMs: number,
): Promise<ClientCheck> {
  const node = await oneRun(server, NODE_CLIENT, clients, rate, seconds, graceMs, -1);
  await sleep(300);
  const g = await oneRun(server, go, clients, rate, seconds, graceMs, -1);
  const agree =
    node.gaps === g.gaps &&
    node.duplicates === g.duplicates &&
    Math.abs(node.delivered - g.delivered) <= 0.01;
  return {
    server: server.name,
    rate,
    seconds,
    node,
    go: g,
    agree,
    cpuRatio: node.clientUsPerEvent / g.clientUsPerEvent,
  };
}

function checkMarkdown(c: ClientCheck, clients: number, goLabel: string): string {
  const row = (name: string, s: Sample): string[] => [
    name,
    `${fmt(s.delivered * 100)}%`,
    fmtInt(s.gaps),
    fmtInt(s.duplicates),
    fmtMs(s.p50Ms),
    fmtMs(s.p99Ms),
    clientCpuCell(s.clientCpuPct, s.clientCpuPct),
    `${fmt(s.clientUsPerEvent, 2)} us`,
  ];
  return [
    `### Load-client check: ${c.server}, ${fmtInt(clients)} clients x ${fmtInt(c.rate)} events/s, ${c.seconds} s`,
    '',
    table(
      [
        'load client',
        'delivered',
        'gaps',
        'duplicates',
        'p50',
        'p99',
        'client CPU',
        'client CPU / event',
      ],
      [row('Node (bench/sse-client.ts)', c.node), row(goLabel, c.go)],
    ),
    '',
    `${c.agree ? 'The two clients agree' : '**The two clients DISAGREE**'} on gaps, duplicates and delivery; the Node client costs ${fmt(c.cpuRatio, 2)}x the Go client's CPU per event.`,
    '',
  ].join('\n');
}

export async function runSseBench(): Promise<SseReport> {
  const rounds = envInt('BENCH_ROUNDS', 5);
  const seconds = envInt('BENCH_SSE_SECONDS', 5);
  const clients = envInt('SSE_CLIENTS', 1000);
  const graceMs = envInt('SSE_GRACE_MS', 2000);
  const rates = (envList('SSE_RATES') ?? ['10', '100', '500', '1000', '2000'])
    .map(Number)
    .sort((a, b) => a - b);
  const selected = envList('SSE_SERVERS');
  const servers = withBefore(SSE_SERVERS).filter((s) => !selected || selected.includes(s.name));
  const samples = new Map<string, Sample[]>();
  const skipped: Record<string, string> = {};

  const { client: lc, note } = pickLoadClient();
  for (const s of servers) {
    if (!s.go) continue;
    const built = goBuild(s.go);
    if ('error' in built) skipped[s.name] = built.error;
  }
  console.error(`[sse] ${note ?? `load client: ${lc.label}, pinned to CPU ${CLIENT_CPU}`}`);

  let check: ClientCheck | undefined;
  const checkServer =
    servers.find((s) => s.name === 'node-http') ?? servers.find((s) => !skipped[s.name]);
  if (lc.kind !== 'node' && process.env.SSE_CHECK !== '0' && checkServer) {
    const checkSeconds = Math.min(seconds, envInt('SSE_CHECK_SECONDS', 3));
    try {
      check = await clientCheck(checkServer, lc, clients, rates[0]!, checkSeconds, graceMs);
      for (const [name, s] of [
        ['node', check.node],
        [lc.kind, check.go],
      ] as const)
        console.error(
          `[sse] check ${checkServer.name} ${name.padEnd(6)}: delivered ${fmt(s.delivered * 100)}%  gaps ${s.gaps}  dups ${s.duplicates}  ` +
            `p50 ${fmtMs(s.p50Ms)}  p99 ${fmtMs(s.p99Ms)}  client ${fmt(s.clientCpuPct, 0)}% ${fmt(s.clientUsPerEvent, 2)} us/event`,
        );
      console.error(
        `[sse] check: clients ${check.agree ? 'agree' : 'DISAGREE'}; Node client CPU/event = ${fmt(check.cpuRatio, 2)}x Go's`,
      );
    } catch (err) {
      console.error(`[sse] load-client check failed: ${(err as Error).message}`);
    }
    await sleep(300);
  }

  roundsTotal = rounds;
  for (let round = 0; round < rounds; round++) {
    for (const server of rotate(servers, round)) {
      if (skipped[server.name]) continue;
      try {
        const got = await oneSession(server, lc, clients, rates, seconds, graceMs, round);
        for (const s of got) {
          const key = `${server.name} ${s.rate}`;
          const list = samples.get(key) ?? [];
          list.push(s);
          samples.set(key, list);
        }
      } catch (err) {
        const msg = (err as Error).message;
        skipped[server.name] = /listening/.test(msg) ? `failed to start: ${msg}` : msg;
        console.error(`[sse] skipping ${server.name}: ${skipped[server.name]}`);
      }
      await sleep(300);
    }
  }

  const rows: SseRow[] = [];
  for (const rate of rates) {
    const baseList = samples.get(`node-http ${rate}`) ?? [];
    const baseCost = median(baseList.map((s) => s.usPerDelivery));
    for (const server of servers) {
      const list = samples.get(`${server.name} ${rate}`);
      if (!list || list.length === 0) continue;
      const d = list.map((s) => s.delivered);
      const [dlo, dhi] = range(d);
      const cost = median(list.map((s) => s.usPerDelivery));
      rows.push({
        server: server.name,
        rate,
        rounds: list.length,
        deliveredMedian: median(d),
        deliveredMin: dlo,
        deliveredMax: dhi,
        p50MsMedian: median(list.map((s) => s.p50Ms)),
        p99MsMedian: median(list.map((s) => s.p99Ms)),
        p99MsMax: Math.max(...list.map((s) => s.p99Ms)),
        gapsMedian: median(list.map((s) => s.gaps)),
        duplicatesMedian: median(list.map((s) => s.duplicates)),
        usPerDeliveryMedian: cost,
        ratioCost: cost / baseCost,
        rssPerConnMedian: median(list.map((s) => s.rssPerConn)),
        clientCpuMedian: median(list.map((s) => s.clientCpuPct)),
        clientCpuMax: Math.max(...list.map((s) => s.clientCpuPct)),
        clientUsPerEventMedian: median(list.map((s) => s.clientUsPerEvent)),
        writesPerDeliveryMedian: median(list.map((s) => s.writesPerDelivery)),
        samples: list,
      });
    }
  }

  const lines = [
    `## SSE fan-out: ${fmtInt(clients)} clients, broadcast for ${seconds} s`,
    '',
    `${machineNote()}; ${rounds} interleaved rounds (median, range); delivered = events received by the planned end of the broadcast + ${graceMs} ms / (events planned x clients); p50/p99 over the events received.`,
    `CPU per delivery = server CPU time over the same window / events delivered. Load client: ${lc.label}, pinned to CPU ${CLIENT_CPU}; client CPU = its user + system time / wall time (% of its core, median of the rounds), flagged when a round passed ${CLIENT_CPU_LIMIT}% (the row may then measure the client).`,
    '',
  ];
  if (note) lines.push(`_${note}._`, '');
  lines.push(
    ...capacityMarkdown(
      servers.map((s) => s.name),
      rates,
      rows,
      rounds,
    ),
    '',
  );
  for (const rate of rates) {
    lines.push(`### ${fmtInt(rate)} events/s`, '');
    lines.push(
      table(
        [
          'server',
          'delivered',
          'range',
          'p50',
          'p99',
          'gaps',
          'dups',
          'server CPU / delivery',
          'vs node:http',
          'writes / delivery',
          'RSS / idle conn',
          'client CPU',
          'client CPU / event',
        ],
        rows
          .filter((r) => r.rate === rate)
          .map((r) => [
            r.server,
            `${fmt(r.deliveredMedian * 100)}%`,
            `${fmt(r.deliveredMin * 100)}–${fmt(r.deliveredMax * 100)}%`,
            fmtMs(r.p50MsMedian),
            fmtMs(r.p99MsMedian),
            fmtInt(r.gapsMedian),
            fmtInt(r.duplicatesMedian),
            `${fmt(r.usPerDeliveryMedian, 2)} us`,
            Number.isFinite(r.ratioCost) ? `${r.ratioCost.toFixed(2)}x` : '–',
            fmt(r.writesPerDeliveryMedian, 2),
            `${fmt(r.rssPerConnMedian / 1024)} KiB`,
            clientCpuCell(r.clientCpuMedian, r.clientCpuMax),
            `${fmt(r.clientUsPerEventMedian, 2)} us`,
          ]),
      ),
      '',
    );
  }
  if (check) lines.push(checkMarkdown(check, clients, lc.label));
  for (const [name, why] of Object.entries(skipped)) lines.push(`- **${name} skipped**: ${why}`);
  if (Object.keys(skipped).length) lines.push('');
  const markdown = lines.join('\n');
  writeResult('sse-fanout.json', {
    date: new Date().toISOString(),
    node: process.version,
    rounds,
    seconds,
    clients,
    rates,
    graceMs,
    loadClient: lc.kind,
    loadClientNote: note,
    rows,
    check,
    skipped,
  });
  return { markdown, rows, skipped, loadClient: lc.kind, check };
}

if (isMain(import.meta.url)) {
  try {
    const { markdown } = await runSseBench();
    console.log(markdown);
  } catch (err) {
    console.error(`[sse] ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Idle memory: RSS per idle SSE connection at 5,000 and 20,000 connections (SSE_IDLE_CONNS).

export interface IdleRow {
  server: string;
  conns: number;
  rounds: number;
  /** Median RSS growth per registered connection, bytes. */
  perConnMedian: number;
  perConnMin: number;
  perConnMax: number;
  /** Median difference to node-http's median at the same count, bytes. */
  vsRaw: number;
}

async function idleRun(server: SseServer, lc: LoadClient, conns: number): Promise<number> {
  const srv = server.go
    ? await startServerProgram((goBuild(server.go) as { bin: string }).bin, [], server.env ?? {})
    : await startServer(join(BENCH_DIR, 'servers', server.file!), server.env ?? {});
  let client;
  try {
    await sleep(500);
    const rss0 = procRss(srv.child.pid) ?? NaN;
    client = spawnPinned(CLIENT_CPU, lc.cmd, lc.args, {
      PORT: String(srv.port),
      CLIENTS: String(conns),
      SSE_PATH: '/sse',
    });
    const m = await client.waitFor(/^connected (\d+) (\d+)/, 120_000);
    const ok = Number(m[1]);
    if (ok < conns) throw new Error(`only ${ok}/${conns} connected (${m[2]} failed)`);
    let registered = 0;
    for (let i = 0; i < 120 && registered < ok; i++) {
      await sleep(500);
      srv.child.send('count');
      const count = await srv.child.waitFor(/^clients (\d+)/, 10_000);
      registered = Number(count[1]);
      srv.child.lines.length = 0;
    }
    if (registered < ok) throw new Error(`only ${registered}/${ok} streams registered`);
    await settle(srv.child.pid, 5000);
    await sleep(1000);
    return ((procRss(srv.child.pid) ?? NaN) - rss0) / registered;
  } finally {
    await client?.stop();
    await srv.child.stop();
  }
}

/**
 * RSS per idle SSE connection (server RSS growth / connections, after they are all registered
 * and the server is idle), at each count of SSE_IDLE_CONNS (default 5000,20000), for
 * SSE_IDLE_SERVERS (default node-http, sluice, sluice-hub, go-net-http), SSE_IDLE_ROUNDS rounds
 * (default 3) interleaved. Target: Sluice <= node-http + 1 KiB.
 */
export async function runIdleRssBench(): Promise<{ markdown: string; rows: IdleRow[] }> {
  const counts = (envList('SSE_IDLE_CONNS') ?? ['5000', '20000']).map(Number);
  const rounds = envInt('SSE_IDLE_ROUNDS', 3);
  const names = envList('SSE_IDLE_SERVERS') ?? [
    'node-http',
    'sluice',
    'sluice-before',
    'sluice-hub',
    'sluice-hub-before',
    'go-net-http',
  ];
  const servers = withBefore(SSE_SERVERS).filter((s) => names.includes(s.name));
  const { client: lc } = pickLoadClient();
  const nofile = raiseNofile(Math.max(...counts) * 2 + 1024);
  const samples = new Map<string, number[]>();
  const skipped: Record<string, string> = {};
  for (let round = 0; round < rounds; round++) {
    for (const conns of counts) {
      for (const server of rotate(servers, round)) {
        const key = `${server.name} ${conns}`;
        if (skipped[key] || (server.go && 'error' in goBuild(server.go))) continue;
        if (conns + 256 > nofile) {
          // Server and client each need one descriptor per connection (and a few more).
          skipped[key] =
            `open-file limit ${nofile} (could not be raised: prlimit needs CAP_SYS_RESOURCE) is below ${fmtInt(conns)} connections + 256`;
          continue;
        }
        try {
          const per = await idleRun(server, lc, conns);
          (samples.get(key) ?? samples.set(key, []).get(key)!).push(per);
          console.error(
            `[sse-idle] round ${round + 1}/${rounds} ${server.name.padEnd(12)} ${fmtInt(conns).padStart(6)} conns: ${fmt(per / 1024, 2)} KiB/conn`,
          );
        } catch (err) {
          skipped[key] = (err as Error).message;
          console.error(`[sse-idle] ${key}: ${skipped[key]}`);
        }
        await sleep(500);
      }
    }
  }
  const rows: IdleRow[] = [];
  for (const conns of counts) {
    const raw = median(samples.get(`node-http ${conns}`) ?? []);
    for (const server of servers) {
      const xs = samples.get(`${server.name} ${conns}`);
      if (!xs?.length) continue;
      const [lo, hi] = range(xs);
      const med = median(xs);
      rows.push({
        server: server.name,
        conns,
        rounds: xs.length,
        perConnMedian: med,
        perConnMin: lo,
        perConnMax: hi,
        vsRaw: med - raw,
      });
    }
  }
  const kib = (b: number): string => `${fmt(b / 1024, 2)} KiB`;
  const lines = [
    '## SSE: RSS per idle connection',
    '',
    `${machineNote()}; server RSS growth / registered connections once all are connected and the server is idle; ${rounds} interleaved rounds (median, range); open-file limit ${nofile}. Target: Sluice at most node:http + 1 KiB.`,
    '',
    table(
      ['server', 'connections', 'RSS / idle conn', 'range', 'vs node:http'],
      rows.map((r) => [
        r.server,
        fmtInt(r.conns),
        kib(r.perConnMedian),
        `${kib(r.perConnMin)}–${kib(r.perConnMax)}`,
        r.server === 'node-http' ? '–' : `${r.vsRaw >= 0 ? '+' : ''}${kib(r.vsRaw)}`,
      ]),
    ),
    '',
    ...Object.entries(skipped).map(([k, why]) => `- **${k} skipped**: ${why}`),
  ];
  writeResult('sse-idle.json', { date: new Date().toISOString(), counts, rounds, rows, skipped });
  return { markdown: lines.join('\n'), rows };
}

// ---------------------------------------------------------------------------------------------
// WebSocket fan-out (issue 13): a hand-written `ws` server against Sluice's subscribeWebSocket
// over the memory hub, the same ladder and control protocol, driven by bench/ws-client.ts (Node:
// its CPU is in every row, flagged past 60%).

const WS_SERVERS: SseServer[] = [
  { name: 'ws-raw', file: 'ws-raw.ts', path: '/ws' },
  { name: 'sluice-ws-hub', file: 'sluice-ws-hub.ts', path: '/ws' },
];

/** WS_RATES (default 100,500), WS_CLIENTS (default 1,000), BENCH_ROUNDS, BENCH_SSE_SECONDS. */
export async function runWsBench(): Promise<{ markdown: string; rows: SseRow[] }> {
  const rounds = envInt('BENCH_ROUNDS', 5);
  const seconds = envInt('BENCH_SSE_SECONDS', 5);
  const clients = envInt('WS_CLIENTS', 1000);
  const graceMs = envInt('SSE_GRACE_MS', 2000);
  const rates = (envList('WS_RATES') ?? ['100', '500']).map(Number).sort((a, b) => a - b);
  const lc: LoadClient = {
    kind: 'node-ws',
    label: 'Node + ws (bench/ws-client.ts)',
    cmd: process.execPath,
    args: nodeArgs(join(BENCH_DIR, 'ws-client.ts')),
  };
  const samples = new Map<string, Sample[]>();
  const skipped: Record<string, string> = {};
  roundsTotal = rounds;
  const before = beforeDist();
  const servers: SseServer[] = before
    ? [
        ...WS_SERVERS,
        {
          name: 'sluice-ws-hub-before',
          file: 'sluice-ws-hub.ts',
          path: '/ws',
          env: { SLUICE_DIST: before },
        },
      ]
    : WS_SERVERS;
  for (let round = 0; round < rounds; round++) {
    for (const server of rotate(servers, round)) {
      if (skipped[server.name]) continue;
      try {
        for (const s of await oneSession(server, lc, clients, rates, seconds, graceMs, round)) {
          const key = `${server.name} ${s.rate}`;
          (samples.get(key) ?? samples.set(key, []).get(key)!).push(s);
        }
      } catch (err) {
        skipped[server.name] = (err as Error).message;
        console.error(`[ws] skipping ${server.name}: ${skipped[server.name]}`);
      }
      await sleep(300);
    }
  }
  const rows: SseRow[] = [];
  const body: string[][] = [];
  for (const rate of rates) {
    const base = median((samples.get(`ws-raw ${rate}`) ?? []).map((s) => s.usPerDelivery));
    for (const server of servers) {
      const list = samples.get(`${server.name} ${rate}`);
      if (!list?.length) continue;
      const d = list.map((s) => s.delivered);
      const [dlo, dhi] = range(d);
      const cost = median(list.map((s) => s.usPerDelivery));
      const row: SseRow = {
        server: server.name,
        rate,
        rounds: list.length,
        deliveredMedian: median(d),
        deliveredMin: dlo,
        deliveredMax: dhi,
        p50MsMedian: median(list.map((s) => s.p50Ms)),
        p99MsMedian: median(list.map((s) => s.p99Ms)),
        p99MsMax: Math.max(...list.map((s) => s.p99Ms)),
        gapsMedian: median(list.map((s) => s.gaps)),
        duplicatesMedian: median(list.map((s) => s.duplicates)),
        usPerDeliveryMedian: cost,
        ratioCost: cost / base,
        rssPerConnMedian: median(list.map((s) => s.rssPerConn)),
        clientCpuMedian: median(list.map((s) => s.clientCpuPct)),
        clientCpuMax: Math.max(...list.map((s) => s.clientCpuPct)),
        clientUsPerEventMedian: median(list.map((s) => s.clientUsPerEvent)),
        writesPerDeliveryMedian: median(list.map((s) => s.writesPerDelivery)),
        samples: list,
      };
      rows.push(row);
      body.push([
        `${fmtInt(rate)}/s`,
        server.name,
        `${fmt(row.deliveredMedian * 100)}%`,
        fmtMs(row.p50MsMedian),
        fmtMs(row.p99MsMedian),
        fmtInt(row.gapsMedian),
        `${fmt(cost, 2)} us`,
        Number.isFinite(row.ratioCost) ? `${row.ratioCost.toFixed(2)}x` : '–',
        fmt(row.writesPerDeliveryMedian, 2),
        `${fmt(row.rssPerConnMedian / 1024)} KiB`,
        clientCpuCell(row.clientCpuMedian, row.clientCpuMax),
      ]);
    }
  }
  const lines = [
    `## WebSocket fan-out: ${fmtInt(clients)} clients, ${seconds} s per rate`,
    '',
    `${machineNote()}; ${rounds} interleaved rounds (median); load client ${lc.label}. \`ws-raw\`: a hand-written \`ws\` server sending one pre-built JSON text frame to every client; \`sluice-ws-hub\`: \`subscribeWebSocket(ws, hub, topic)\` + \`hub.publish()\`.`,
    '',
    table(
      [
        'rate',
        'server',
        'delivered',
        'p50',
        'p99',
        'gaps',
        'server CPU / delivery',
        'vs ws-raw',
        'writes / delivery',
        'RSS / conn',
        'client CPU',
      ],
      body,
    ),
    '',
    ...Object.entries(skipped).map(([n, why]) => `- **${n} skipped**: ${why}`),
  ];
  writeResult('ws-fanout.json', {
    date: new Date().toISOString(),
    rounds,
    rates,
    clients,
    rows,
    skipped,
  });
  return { markdown: lines.join('\n'), rows };
}
