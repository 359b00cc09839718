#!/usr/bin/env node
// Builds README's benchmark table from the JSON results of the last `npm run bench`
// (.bench-results/*.json): prints it, or with --write replaces the table in README's
// "## Benchmarks" section (the first markdown table after that heading). A scenario whose
// results are missing is left out, never invented.
//
//   node scripts/bench-readme.mjs            print the table
//   node scripts/bench-readme.mjs --write    put it in README.md
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULTS = '.bench-results';

function load(name) {
  const file = join(RESULTS, name);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

const x = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '–');
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const us = (n) => (Number.isFinite(n) ? `${n.toFixed(2)} us` : '–');
const kib = (n) => (Number.isFinite(n) ? `${(n / 1024).toFixed(1)} KiB` : '–');
const ms = (n) =>
  !Number.isFinite(n) ? '–' : n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`;

/** The best peer (highest value of `score`) among rows, as "name ratio". */
function best(rows, skip, score, show) {
  const peers = rows.filter((r) => !skip.includes(r.server));
  if (peers.length === 0) return '–';
  const top = peers.reduce((a, b) => (score(b) > score(a) ? b : a));
  return `${top.server} ${show(top)}`;
}

const rows = [];
const http = load('http.json');
if (http) {
  for (const route of ['/hello', '/json']) {
    const rs = http.rows.filter((r) => r.route === route);
    const s = rs.find((r) => r.server === 'sluice');
    const raw = rs.find((r) => r.server === 'node-http');
    if (!s || !raw) continue;
    rows.push([
      `\`GET ${route}\` (req/s, ${http.rounds} rounds)`,
      `${int(raw.rpsMedian)} (1.00x)`,
      `${int(s.rpsMedian)} (${x(s.ratio)})`,
      best(
        rs,
        ['sluice', 'node-http', 'sluice-before'],
        (r) => r.ratio,
        (r) => x(r.ratio),
      ),
    ]);
  }
}
const validated = load('http-validated.json');
if (validated) {
  const s = validated.rows.find((r) => r.server === 'sluice');
  const f = validated.rows.find((r) => r.server === 'fastify');
  if (s && f)
    rows.push([
      'validated `POST /json` (vs Fastify)',
      '–',
      `${int(s.rpsMedian)} (${x(s.ratio)} of Fastify)`,
      `Fastify ${int(f.rpsMedian)}`,
    ]);
}
const cost = load('http-validation-cost.json');
if (cost) {
  const on = cost.rows.find((r) => r.server === 'sluice (output on)' && r.route === 'GET /out');
  if (on) rows.push(['output validation on vs off (`GET /out`)', '–', x(on.ratio), '–']);
}
const h2 = load('h2.json');
if (h2) {
  const s = h2.rows.find((r) => r.server === 'sluice-h2' && r.route === '/hello');
  const raw = h2.rows.find((r) => r.server === 'node-http2' && r.route === '/hello');
  if (s && raw)
    rows.push([
      'HTTP/2 `GET /hello` (vs node:http2)',
      `${int(raw.rpsMedian)} (1.00x)`,
      `${int(s.rpsMedian)} (${x(s.ratio)})`,
      '–',
    ]);
}
const sse = load('sse-fanout.json');
if (sse) {
  for (const rate of sse.rates) {
    const rs = sse.rows.filter((r) => r.rate === rate);
    const raw = rs.find((r) => r.server === 'node-http');
    const s = rs.find((r) => r.server === 'sluice-hub') ?? rs.find((r) => r.server === 'sluice');
    if (!raw || !s) continue;
    const cell = (r) =>
      `${(r.deliveredMedian * 100).toFixed(1)}%, p99 ${ms(r.p99MsMedian)}, ${us(r.usPerDeliveryMedian)}`;
    rows.push([
      `SSE ${int(sse.clients)} clients x ${int(rate)} events/s: delivered, p99, CPU/delivery (${s.server})`,
      cell(raw),
      `${cell(s)} (${x(s.ratioCost)})`,
      best(
        rs,
        [
          'node-http',
          'sluice',
          'sluice-hub',
          'sluice-redis-hub',
          'sluice-before',
          'sluice-hub-before',
        ],
        (r) => r.deliveredMedian - r.usPerDeliveryMedian / 1e6,
        (r) => `${(r.deliveredMedian * 100).toFixed(1)}%, ${us(r.usPerDeliveryMedian)}`,
      ),
    ]);
  }
  const sustained = (server) => {
    if (!sse.rows.some((r) => r.server === server)) return '–';
    let top;
    for (const r of sse.rows)
      if (
        r.server === server &&
        r.deliveredMedian >= 0.9995 &&
        r.gapsMedian === 0 &&
        r.p99MsMedian < 100
      )
        top = Math.max(top ?? 0, r.rate);
    return top === undefined ? `< ${sse.rates[0]}/s` : `${int(top)}/s`;
  };
  rows.push([
    'SSE max sustained rate (p99 < 100 ms, 0 missed)',
    sustained('node-http'),
    `${sustained('sluice-hub')} (hub), ${sustained('sluice')} (send loop)`,
    `go-net-http ${sustained('go-net-http')}`,
  ]);
}
const ws = load('ws-fanout.json');
if (ws) {
  for (const rate of ws.rates) {
    const raw = ws.rows.find((r) => r.server === 'ws-raw' && r.rate === rate);
    const s = ws.rows.find((r) => r.server === 'sluice-ws-hub' && r.rate === rate);
    if (!raw || !s) continue;
    const cell = (r) => `${(r.deliveredMedian * 100).toFixed(1)}%, ${us(r.usPerDeliveryMedian)}`;
    rows.push([
      `WebSocket ${int(ws.clients)} clients x ${int(rate)} events/s: delivered, CPU/delivery (vs raw \`ws\`)`,
      cell(raw),
      `${cell(s)} (${x(s.ratioCost)})`,
      '–',
    ]);
  }
}
const idle = load('sse-idle.json');
if (idle) {
  for (const conns of idle.counts) {
    const raw = idle.rows.find((r) => r.server === 'node-http' && r.conns === conns);
    const s = idle.rows.find((r) => r.server === 'sluice-hub' && r.conns === conns);
    if (raw && s)
      rows.push([
        `RSS per idle SSE connection, ${int(conns)} connections`,
        kib(raw.perConnMedian),
        `${kib(s.perConnMedian)} (${s.vsRaw >= 0 ? '+' : ''}${kib(s.vsRaw)})`,
        '–',
      ]);
  }
}
const stream = load('stream-throughput.json');
if (stream?.rows) {
  const s = stream.rows.find((r) => r.server === 'sluice');
  const raw = stream.rows.find((r) => r.server === 'node-http');
  if (s && raw)
    rows.push([
      'one stream, 16 KiB chunks (MB/s)',
      int(raw.mbPerSMedian),
      `${int(s.mbPerSMedian)} (${x(s.ratio)})`,
      best(
        stream.rows,
        ['sluice', 'node-http'],
        (r) => r.ratio,
        (r) => x(r.ratio),
      ),
    ]);
}
const router = load('router.json');
if (router?.kinds) {
  const k = (name) => router.kinds.find((r) => r.kind === name);
  rows.push([
    'router lookups vs find-my-way: static, parameter, wildcard, missing',
    '–',
    ['static', 'parameter', 'wildcard', 'missing'].map((kind) => x(k(kind)?.ratio)).join(', '),
    'find-my-way 1.00x',
  ]);
}

if (rows.length === 0) {
  console.error(`no results in ${RESULTS}/: run \`npm run bench\` first`);
  process.exit(1);
}
const table = [
  '| scenario | node:http | Sluice | best peer |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');

if (!process.argv.includes('--write')) {
  console.log(table);
} else {
  const readme = readFileSync('README.md', 'utf8');
  const head = readme.indexOf('\n## Benchmarks');
  if (head < 0) throw new Error('README.md has no "## Benchmarks" section');
  const lines = readme.slice(head).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) throw new Error('no table in the Benchmarks section');
  let end = start;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  lines.splice(start, end - start, ...table.split('\n'));
  writeFileSync('README.md', readme.slice(0, head) + lines.join('\n'));
  console.error('README.md: benchmark table replaced (run prettier on it)');
}
