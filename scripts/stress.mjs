#!/usr/bin/env node
// The stress tier (`npm run test:stress`; never in .ci/run). Loopback only, bounded: with the
// defaults about 20 minutes. Each stage runs in its own process; the figures table is printed
// at the end. Knobs (environment):
//   STRESS_ONLY=cycles,soak,faults,cluster,slowhttp,fuzz   stages to run (default all)
//   STRESS_CLUSTER_MS=60000 STRESS_CLUSTER_KILLS=6   Redis Cluster failover drill (length, primaries killed)
//   STRESS_CLIENTS=10000 STRESS_CYCLES=3            connect/leave cycles
//   STRESS_SOAK_MS=600000 STRESS_SOAK_STREAMS=2000 STRESS_SOAK_RPS=200 STRESS_SOAK_RECONNECTS=1000
//   STRESS_FREEZE_MS=10000 STRESS_FAULT_CLIENTS=200 Redis fault drills (SIGSTOP length, clients)
//   STRESS_SLOW_SECONDS=30 STRESS_SLOW_CONNECTIONS=1000   slowhttptest per mode
//   STRESS_FUZZ_COUNT=200000                        mutated requests (1000000 for the long run)
//   STRESS_STAGE_TIMEOUT_MS                          a stage killed after this (default: its own bound)
import { spawn } from 'node:child_process';

const env = process.env;
const soakMs = Number(env.STRESS_SOAK_MS ?? 600_000);
const fuzz = Number(env.STRESS_FUZZ_COUNT ?? 200_000);
const node = `"${process.execPath}"`;
const raise = 'ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn);';
const stages = [
  {
    name: 'cycles',
    cmd: `${raise} exec ${node} --expose-gc --import tsx test/stress/cycles.ts`,
    bound: 8 * 60_000,
  },
  {
    name: 'soak',
    cmd: `${raise} exec ${node} --expose-gc --import tsx test/stress/soak.ts`,
    bound: soakMs + 3 * 60_000,
  },
  {
    name: 'faults',
    cmd: `exec ${node} scripts/test.mjs hub-faults`,
    env: {
      HUB_FAULTS_FREEZE_MS: env.STRESS_FREEZE_MS ?? '10000',
      HUB_FAULTS_CLIENTS: env.STRESS_FAULT_CLIENTS ?? '200',
      HUB_FAULTS_JSON: '1',
    },
    bound: 5 * 60_000,
  },
  {
    name: 'cluster',
    cmd: `exec ${node} scripts/test.mjs hub-cluster-failover`,
    env: {
      CLUSTER_DRILL_MS: env.STRESS_CLUSTER_MS ?? '60000',
      CLUSTER_DRILL_KILLS: env.STRESS_CLUSTER_KILLS ?? '6',
    },
    bound:
      2 * Number(env.STRESS_CLUSTER_MS ?? 60_000) +
      Number(env.STRESS_CLUSTER_KILLS ?? 6) * 2 * 30_000 +
      2 * 60_000,
  },
  {
    name: 'slowhttp',
    cmd: `${raise} exec ${node} --import tsx test/stress/slowhttp.ts`,
    bound: 3 * Number(env.STRESS_SLOW_SECONDS ?? 30) * 1000 + 5 * 60_000,
  },
  {
    name: 'fuzz',
    cmd: `exec ${node} scripts/test.mjs hardening-property`,
    env: { FUZZ_COUNT: String(fuzz) },
    bound: Math.max(5 * 60_000, fuzz * 10),
  },
];
const only = env.STRESS_ONLY ? env.STRESS_ONLY.split(',') : undefined;
const results = [];

for (const st of stages) {
  if (only && !only.includes(st.name)) continue;
  const t0 = Date.now();
  process.stdout.write(`\n=== stress: ${st.name} ===\n`);
  const figures = [];
  const code = await new Promise((resolve) => {
    const child = spawn('bash', ['-c', st.cmd], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...env, ...st.env },
      detached: true,
    });
    const timer = setTimeout(
      () => {
        process.stdout.write(`stress: ${st.name} over its bound (${st.bound} ms): killed\n`);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      },
      Number(env.STRESS_STAGE_TIMEOUT_MS ?? st.bound),
    );
    let all = '';
    child.stdout.on('data', (c) => {
      process.stdout.write(c);
      all += c.toString();
    });
    child.once('close', (c, sig) => {
      clearTimeout(timer);
      for (const m of all.matchAll(/^(?:# )?FIGURES (\S+) (.*)$/gm)) figures.push([m[1], m[2]]);
      resolve(c ?? sig);
    });
  });
  results.push({
    stage: st.name,
    ok: code === 0,
    seconds: Math.round((Date.now() - t0) / 1000),
    figures,
  });
}

process.stdout.write('\n=== stress figures ===\n');
for (const r of results) {
  process.stdout.write(
    `${r.ok ? 'PASS' : 'FAIL'}  ${r.stage.padEnd(9)} ${String(r.seconds).padStart(5)} s\n`,
  );
  for (const [name, json] of r.figures) {
    let v;
    try {
      v = JSON.parse(json);
    } catch {
      v = json;
    }
    const list = Array.isArray(v) ? v : [v];
    for (const item of list) {
      const text =
        typeof item === 'object'
          ? Object.entries(item)
              .map(([k, x]) => `${k}=${x}`)
              .join(' ')
          : String(item);
      process.stdout.write(`        ${name}: ${text}\n`);
    }
  }
  if (r.stage === 'fuzz') process.stdout.write(`        fuzz: ${fuzz} mutated requests\n`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
