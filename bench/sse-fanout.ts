// SSE fan-out: N clients (default 1,000) on one server receiving a broadcast at R events/s
// (default 100; issue 6 steps it up: SSE_RATES=100,500,1000,2000), for BENCH_SSE_SECONDS
// (default 10) after every client is connected. Issue 4: a plain loop calling each framework's
// send on every open stream. Issue 6: `sluice-hub`, es.subscribe(hub, topic) + hub.publish().
//
// Server pinned to one core, the lean raw-socket client (bench/sse-client.ts) to the other;
// rounds interleaved. Reported: delivered share (received / (sent x clients) by the end of a
// grace period after the planned end), p50/p99 latency from the send timestamp, gaps (events skipped while later
// ones arrived), server CPU per delivered event, server RSS per idle connection, client CPU.
//
//   node --import tsx bench/sse-fanout.ts
//   BENCH_ROUNDS=5 BENCH_SSE_SECONDS=10 SSE_CLIENTS=1000 SSE_RATES=100 SSE_SERVERS=node-http,sluice
import { join } from 'node:path';
import {
  BENCH_DIR,
  CLIENT_CPU,
  envInt,
  envList,
  fmt,
  fmtInt,
  fmtMs,
  isMain,
  machineNote,
  median,
  nodeArgs,
  procRss,
  procStat,
  range,
  rotate,
  sleep,
  spawnPinned,
  startServer,
  table,
  writeResult,
} from './lib.js';

interface SseServer {
  name: string;
  file: string;
  env?: Record<string, string>;
}

export const SSE_SERVERS: SseServer[] = [
  { name: 'node-http', file: 'node-http-sse.ts' },
  { name: 'sluice', file: 'sluice-sse.ts' },
  { name: 'sluice-hub', file: 'sluice-hub-sse.ts' },
  { name: 'sluice-redis-hub', file: 'sluice-hub-sse.ts', env: { SLUICE_HUB: 'redis' } },
  { name: 'fastify', file: 'fastify-sse.ts' },
  { name: 'express+better-sse', file: 'express-sse.ts' },
  { name: 'h3', file: 'h3-sse.ts' },
  { name: 'hono', file: 'hono-sse.ts' },
];

interface ClientResult {
  clients: number;
  failed: number;
  closed: number;
  sent: number;
  expected: number;
  received: number;
  delivered: number;
  gaps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  clientCpuPct: number;
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
}

async function oneRun(
  server: SseServer,
  clients: number,
  rate: number,
  seconds: number,
  graceMs: number,
  round: number,
): Promise<Sample> {
  const srv = await startServer(join(BENCH_DIR, 'servers', server.file), server.env ?? {});
  await sleep(300);
  const rss0 = procRss(srv.child.pid) ?? NaN;
  let client;
  try {
    client = spawnPinned(CLIENT_CPU, process.execPath, nodeArgs(join(BENCH_DIR, 'sse-client.ts')), {
      PORT: String(srv.port),
      CLIENTS: String(clients),
      SSE_PATH: '/sse',
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
    const cpu0 = procStat(srv.child.pid);
    client.send('start');
    srv.child.send(`start ${rate} ${seconds}`);
    // "In time": what arrived by the planned end of the broadcast plus the grace period. A
    // server whose event loop falls behind sends late; its late events do not count.
    const planned = Math.round(rate * seconds);
    await sleep(seconds * 1000 + graceMs);
    const cpu1 = procStat(srv.child.pid);
    client.send(`report ${planned}`);
    const res = await client.waitFor(/^result (.*)$/, 30_000);
    const r = JSON.parse(res[1]!) as ClientResult;
    const serverCpuS = cpu0 && cpu1 ? cpu1.cpu - cpu0.cpu : NaN;
    return {
      ...r,
      round,
      rate,
      serverCpuS,
      usPerDelivery: r.received > 0 ? (serverCpuS / r.received) * 1e6 : NaN,
      rssPerConn: (rss1 - rss0) / ok,
    };
  } finally {
    await client?.stop();
    await srv.child.stop();
  }
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
  usPerDeliveryMedian: number;
  ratioCost: number;
  rssPerConnMedian: number;
  clientCpuMedian: number;
  clientCpuMax: number;
  samples: Sample[];
}

export interface SseReport {
  markdown: string;
  rows: SseRow[];
  skipped: Record<string, string>;
}

export async function runSseBench(): Promise<SseReport> {
  const rounds = envInt('BENCH_ROUNDS', 5);
  const seconds = envInt('BENCH_SSE_SECONDS', 10);
  const clients = envInt('SSE_CLIENTS', 1000);
  const graceMs = envInt('SSE_GRACE_MS', 2000);
  const rates = (envList('SSE_RATES') ?? ['100']).map(Number);
  const selected = envList('SSE_SERVERS');
  const servers = SSE_SERVERS.filter((s) => !selected || selected.includes(s.name));
  const samples = new Map<string, Sample[]>();
  const skipped: Record<string, string> = {};

  for (let round = 0; round < rounds; round++) {
    for (const server of rotate(servers, round)) {
      for (const rate of rates) {
        if (skipped[server.name]) continue;
        try {
          const s = await oneRun(server, clients, rate, seconds, graceMs, round);
          const key = `${server.name} ${rate}`;
          const list = samples.get(key) ?? [];
          list.push(s);
          samples.set(key, list);
          console.error(
            `[sse] round ${round + 1}/${rounds} ${server.name.padEnd(18)} ${String(rate).padStart(4)}/s x ${s.clients}: ` +
              `delivered ${fmt(s.delivered * 100)}%  p50 ${fmtMs(s.p50Ms)}  p99 ${fmtMs(s.p99Ms)}  gaps ${s.gaps}  ` +
              `${fmt(s.usPerDelivery, 2)} us/delivery  ${fmt(s.rssPerConn / 1024)} KiB/conn  client ${fmt(s.clientCpuPct, 0)}%`,
          );
        } catch (err) {
          const msg = (err as Error).message;
          skipped[server.name] = /listening/.test(msg) ? `failed to start: ${msg}` : msg;
          console.error(`[sse] skipping ${server.name}: ${skipped[server.name]}`);
        }
        await sleep(300);
      }
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
        usPerDeliveryMedian: cost,
        ratioCost: cost / baseCost,
        rssPerConnMedian: median(list.map((s) => s.rssPerConn)),
        clientCpuMedian: median(list.map((s) => s.clientCpuPct)),
        clientCpuMax: Math.max(...list.map((s) => s.clientCpuPct)),
        samples: list,
      });
    }
  }

  const lines = [
    `## SSE fan-out: ${fmtInt(clients)} clients, broadcast for ${seconds} s`,
    '',
    `${machineNote()}; ${rounds} interleaved rounds (median, range); delivered = events received by the planned end of the broadcast + ${graceMs} ms / (events planned x clients); p50/p99 over the events received.`,
    `CPU per delivery = server CPU time over the same window / events delivered. A row whose client CPU is above ~70% is capped by the client.`,
    '',
  ];
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
          'server CPU / delivery',
          'vs node:http',
          'RSS / idle conn',
          'client CPU',
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
            `${fmt(r.usPerDeliveryMedian, 2)} us`,
            Number.isFinite(r.ratioCost) ? `${r.ratioCost.toFixed(2)}x` : '–',
            `${fmt(r.rssPerConnMedian / 1024)} KiB`,
            `${fmt(r.clientCpuMedian, 0)}%${r.clientCpuMax > 70 ? ' (client-bound?)' : ''}`,
          ]),
      ),
      '',
    );
  }
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
    rows,
    skipped,
  });
  return { markdown, rows, skipped };
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
