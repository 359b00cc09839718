// What telemetry costs on a tiny route: wrk against GET /hello/:name with telemetry off, with
// @opentelemetry absent from node_modules, with the Prometheus endpoint on, and with metrics
// and traces into the OTel SDK. Modes alternate over ROUNDS rounds of SECONDS each; the median
// requests/s and the server's CPU time per request (from /proc; steadier than requests/s when
// other jobs share the cores) are reported. Needs `npm run build` and wrk. About 4 x 3 x (5 s warm-up + 5 s) = 2 minutes:
//   nice -n 10 node bench/telemetry/run.mjs
import { spawn, execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);

/** A copy of the package whose node_modules lacks @opentelemetry (every other entry linked). */
function packageWithoutOtel() {
  const dir = join(ROOT, '.bench-results', 'no-otel');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === '@opentelemetry' || name === '.bin') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return dir;
}

function startServer(dist, mode) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/telemetry/server.mjs'), dist, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (line) => {
      const m = /port (\d+)/.exec(line);
      if (m) res({ child, port: Number(m[1]) });
    });
    child.on('error', rej);
    child.on('exit', (code) => rej(new Error(`server ${mode} exited ${code}`)));
  });
}

/** The server's CPU time so far (user + system), in ms, from /proc (100 ticks a second). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Requests/s, and the server's CPU microseconds per request (steadier on a busy machine). */
function wrk(port, pid) {
  const before = cpuMs(pid);
  const out = execFileSync(
    'wrk',
    ['-t1', '-c32', `-d${SECONDS}s`, `http://127.0.0.1:${port}/hello/ann`],
    {
      encoding: 'utf8',
    },
  );
  const cpu = cpuMs(pid) - before;
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    cpuUs: (cpu * 1000) / total,
  };
}

const noOtel = packageWithoutOtel();
const modes = [
  ['off', join(ROOT, 'dist')],
  ['absent', join(noOtel, 'dist')],
  ['prometheus', join(ROOT, 'dist')],
  ['sdk', join(ROOT, 'dist')],
];
const results = Object.fromEntries(modes.map(([m]) => [m, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < modes.length; i++) {
    const [mode, dist] = modes[(i + round) % modes.length];
    const { child, port } = await startServer(dist, mode);
    try {
      wrk(port, child.pid); // warm-up, discarded
      results[mode].push(wrk(port, child.pid));
    } finally {
      child.removeAllListeners('exit');
      child.kill();
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const baseCpu = median(results.off.map((r) => r.cpuUs));
console.log(
  '| telemetry | requests/s (median; runs) | server CPU µs/request (median; runs) | CPU vs off |',
);
console.log('| --- | ---: | ---: | ---: |');
for (const [mode] of modes) {
  const rps = results[mode].map((r) => r.rps);
  const cpu = results[mode].map((r) => r.cpuUs);
  const m = median(cpu);
  console.log(
    `| ${mode} | ${Math.round(median(rps))} (${rps.map(Math.round).join(', ')}) | ${m.toFixed(1)} (${cpu.map((c) => c.toFixed(1)).join(', ')}) | ${((m / baseCpu - 1) * 100).toFixed(1)}% |`,
  );
}
