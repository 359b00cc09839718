// Static files: Sluice's own sending against @fastify/send (inside Sluice, and on bare node:http),
// measured with wrk (server on CPU 0, wrk on CPU 1), for a small, a medium and a large file, and
// a conditional GET answered 304. Prints a table of requests/s (median of ROUNDS runs).
// Run: node --import tsx bench/static/run.ts   (ROUNDS=3 SECONDS=5 by default)
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const root = mkdtempSync(join(tmpdir(), 'sluice-bench-static-'));
const files = { '1k.txt': 1024, '64k.bin': 64 * 1024, '1m.bin': 1024 * 1024 };
for (const [name, size] of Object.entries(files)) writeFileSync(join(root, name), Buffer.alloc(size, 0x61));
const mtime = statSync(join(root, '1k.txt')).mtime.toUTCString();

async function startServer(mode: string, port: number): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', new URL('./server.ts', import.meta.url).pathname], {
    env: { ...process.env, MODE: mode, ROOT: root, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
  return child;
}

function wrk(url: string, header?: string): number {
  const args = ['-c', '1', 'wrk', '-t1', '-c32', `-d${SECONDS}s`, ...(header ? ['-H', header] : []), url];
  const out = execFileSync('taskset', args, { encoding: 'utf8' });
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const scenarios: Array<[string, string, string | undefined]> = [
  ['1 KiB', '/1k.txt', undefined],
  ['64 KiB', '/64k.bin', undefined],
  ['1 MiB', '/1m.bin', undefined],
  ['304 (If-Modified-Since)', '/1k.txt', `If-Modified-Since: ${mtime}`],
];
const modes = ['sluice', 'sluice-send', 'node-send'];
const results: Record<string, Record<string, number[]>> = {};
let port = 4100;
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of modes) {
    const child = await startServer(mode, ++port);
    for (const [name, path, header] of scenarios) {
      wrk(`http://127.0.0.1:${port}${path}`, header); // warm-up
      ((results[name] ??= {})[mode] ??= []).push(wrk(`http://127.0.0.1:${port}${path}`, header));
    }
    child.kill();
  }
}
rmSync(root, { recursive: true, force: true });
console.log(`| file | ${modes.join(' | ')} |\n|---|${modes.map(() => '---:').join('|')}|`);
for (const [name] of scenarios) {
  console.log(`| ${name} | ${modes.map((m) => Math.round(median(results[name]![m]!)).toLocaleString('en')).join(' | ')} |`);
}
