// Stress stage: slowhttptest (Debian package `slowhttptest`, installed with apt-get when
// missing) in its -H (slow headers), -B (slow body) and -X (slow read) modes against a Sluice
// server with its default limits, STRESS_SLOW_SECONDS (30) each with STRESS_SLOW_CONNECTIONS
// (1000) connections, while a probe requests GET /ping every 100 ms on a fresh connection. The
// server stays responsive: every probe answered, event-loop delay p99 under 50 ms, the slowest
// probe under STRESS_SLOW_PROBE_MAX_MS (3000: one SYN retransmit, 1 s, is the kernel's accept
// queue under the tool's connection rate, not the server; the table shows the max).
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import http from 'node:http';
import { Server } from '../../src/index.js';
import { enableStats } from '../../src/testing/index.js';
import { readStats, reportFigures } from './lib/child.js';
import { table } from './lib/drills.js';

const SECONDS = Number(process.env.STRESS_SLOW_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.STRESS_SLOW_CONNECTIONS ?? 1000);
const PROBE_MAX = Number(process.env.STRESS_SLOW_PROBE_MAX_MS ?? 3000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

if (spawnSync('bash', ['-c', 'command -v slowhttptest']).status !== 0) {
  process.stdout.write('slowhttptest missing: apt-get install slowhttptest\n');
  spawnSync(
    'bash',
    [
      '-c',
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slowhttptest',
    ],
    { stdio: 'inherit' },
  );
}
const have = spawnSync('bash', ['-c', 'command -v slowhttptest']).status === 0;

const big = Buffer.alloc(1024 * 1024, 'x');
const s = new Server({ maxConnections: CONNECTIONS * 3 });
s.setAddress('127.0.0.1:0');
s.get('/ping', () => 'pong');
s.get('/big', (r) => {
  r.response.header().set('Content-Type', 'application/octet-stream');
  r.response.write(big);
});
s.post('/upload', async (r) => ({ bytes: (await r.body()).length }));
enableStats(s, '/__stats');
await s.start();
const base = `http://127.0.0.1:${s.port}`;

function probe(): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(`${base}/ping`, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : -1));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(-1));
  });
}

const modes: Array<[string, string[]]> = [
  ['-H slow headers', ['-H', '-i', '10', '-u', `${base}/ping`]],
  ['-B slow body', ['-B', '-i', '10', '-s', '65536', '-t', 'POST', '-u', `${base}/upload`]],
  [
    '-X slow read',
    ['-X', '-w', '512', '-y', '1024', '-n', '5', '-z', '32', '-k', '3', '-u', `${base}/big`],
  ],
];
const rows: Array<Record<string, unknown>> = [];
let failure: unknown;
try {
  assert.ok(have, 'slowhttptest is installed');
  for (const [name, args] of modes) {
    await readStats(base, '?gc=0&reset=1');
    const tool = spawn(
      'slowhttptest',
      [...args, '-c', String(CONNECTIONS), '-r', '200', '-l', String(SECONDS), '-p', '3'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    tool.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
    tool.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
    const exited = new Promise<void>((resolve) => tool.once('exit', () => resolve()));
    let running = true;
    void exited.then(() => (running = false));
    const lat: number[] = [];
    let failed = 0;
    let peakInflight = 0;
    while (running) {
      const ms = await probe();
      if (ms < 0) failed++;
      else lat.push(ms);
      const st = await readStats(base, '?gc=0');
      peakInflight = Math.max(peakInflight, st.inflight);
      await sleep(100);
    }
    await exited;
    const st = await readStats(base);
    lat.sort((a, b) => a - b);
    const service =
      /service available:\s*(\w+)/i.exec(out.replace(/\x1b\[[0-9;]*m/g, ''))?.[1] ?? '?';
    rows.push({
      mode: name,
      probes: lat.length + failed,
      failed,
      p50ms: Math.round(lat[Math.floor(lat.length / 2)] ?? 0),
      maxMs: Math.round(lat.at(-1) ?? 0),
      peakInflight,
      loopP99: st.loopDelay.p99,
      slowhttptestSaysAvailable: service,
    });
    await sleep(1000);
  }
  process.stdout.write(
    `\nslowhttptest (${CONNECTIONS} connections, ${SECONDS} s each):\n${table(rows)}\n`,
  );
  for (const r of rows) {
    assert.equal(r.failed, 0, `${String(r.mode)}: every probe answered`);
    assert.ok(
      Number(r.loopP99) < 50,
      `${String(r.mode)}: event-loop delay p99 ${String(r.loopP99)} ms`,
    );
    assert.ok(
      Number(r.maxMs) < PROBE_MAX,
      `${String(r.mode)}: slowest probe ${String(r.maxMs)} ms`,
    );
  }
} catch (err) {
  failure = err;
} finally {
  await s.shutdown({ timeout: 1000 });
}
reportFigures('slowhttp', {
  ok: !failure,
  ...Object.fromEntries(
    rows.map((r) => [
      String(r.mode).split(' ')[0],
      `${String(r.failed)} failed, max ${String(r.maxMs)} ms`,
    ]),
  ),
});
if (failure) {
  console.error(failure);
  process.exit(1);
}
process.exit(0);
