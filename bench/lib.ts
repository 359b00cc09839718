// Shared plumbing for the benchmarks: pinned child processes, CPU sampling from /proc,
// statistics and markdown tables. Everything is bounded: 127.0.0.1 only, every child is
// tracked and killed when the bench ends, even on error or Ctrl-C.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(BENCH_DIR, '..');
export const RESULTS_DIR = join(ROOT, '.bench-results');

/**
 * Another build of Sluice (its dist/ directory) measured beside the current one, as the
 * `sluice-before` rows: bench/run.ts sets it from BENCH_BEFORE=<git ref> (buildBefore).
 */
export function beforeDist(): string | undefined {
  return process.env.BENCH_BEFORE_DIST;
}

/**
 * Builds Sluice as it was at a git ref (a detached worktree, compiled with this checkout's
 * TypeScript into .bench-results/before-<sha>/dist, the worktree removed again) and returns the
 * dist directory. Built once per ref.
 */
export function buildBefore(ref: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', ref], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  const out = join(RESULTS_DIR, `before-${sha}`, 'dist');
  if (existsSync(join(out, 'index.js'))) return out;
  const tree = join(RESULTS_DIR, `tree-${sha}`);
  execFileSync('git', ['worktree', 'add', '--detach', '--force', tree, sha], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  try {
    execFileSync(
      join(ROOT, 'node_modules/.bin/tsc'),
      ['-p', join(tree, 'tsconfig.build.json'), '--outDir', out],
      {
        cwd: tree,
        stdio: 'inherit',
      },
    );
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: ROOT, stdio: 'ignore' });
  }
  return out;
}
export const HOST = '127.0.0.1';

/** Core the servers run on, and core the load clients run on. */
export const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? '1';
export const CLIENT_CPU = process.env.BENCH_CLIENT_CPU ?? '0';

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
}

export function envList(name: string): string[] | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Child processes

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

function killAll(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  children.clear();
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Tracks a child spawned elsewhere so that it is killed with the others when the bench ends. */
export function track(proc: ChildProcess): void {
  installCleanup();
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
}

let tasksetChecked: boolean | undefined;
function hasTaskset(): boolean {
  tasksetChecked ??= existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');
  return tasksetChecked;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Lines seen on stdout so far (kept short: servers print little). */
  lines: string[];
  stderr: string;
  /** Resolves with the first stdout line that matches. Rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  send(line: string): void;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

/** The most telling line of a crashed child's stderr (its first `...Error...` line). */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const hit =
    lines.find((l) => /^(\w*Error|error)\b|Error \[|Error:/.test(l)) ?? lines.find((l) => l !== '');
  return hit ? `: ${hit.slice(0, 300)}` : '';
}

/** Spawns `cmd args` pinned to `cpu` (taskset execs, so the pid is the program's own). */
export function spawnPinned(
  cpu: string,
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Child {
  installCleanup();
  const [file, argv] = hasTaskset() ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args];
  const proc = spawn(file, argv, {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(proc);
  if (proc.pid === undefined) throw new Error(`could not spawn ${cmd}`);
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  let partial = '';
  let stderr = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).trimEnd();
      partial = partial.slice(nl + 1);
      if (lines.length < 1000) lines.push(line);
      for (let i = 0; i < waiters.length; i++) {
        const w = waiters[i]!;
        const m = line.match(w.re);
        if (m) {
          waiters.splice(i, 1);
          w.resolve(m);
          break;
        }
      }
    }
  });
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  proc.stdin?.on('error', () => {});
  const exited = new Promise<number | null>((res) => {
    proc.once('exit', (code) => {
      children.delete(proc);
      res(code);
    });
  });
  const child: Child = {
    proc,
    pid: proc.pid,
    lines,
    get stderr() {
      return stderr;
    },
    waitFor(re, timeoutMs) {
      for (const l of lines) {
        const m = l.match(re);
        if (m) return Promise.resolve(m);
      }
      return new Promise((res, rej) => {
        const timer = setTimeout(() => {
          rej(new Error(`timed out after ${timeoutMs} ms waiting for ${String(re)}`));
        }, timeoutMs);
        const w = {
          re,
          resolve: (m: RegExpMatchArray) => {
            clearTimeout(timer);
            res(m);
          },
        };
        waiters.push(w);
        void exited.then((code) => {
          clearTimeout(timer);
          rej(
            new Error(
              `exited (code ${String(code)}) before printing ${String(re)}${errorLine(stderr)}`,
            ),
          );
        });
      });
    },
    send(line) {
      proc.stdin?.write(`${line}\n`);
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 1500);
      await exited;
      clearTimeout(t);
    },
    exited,
  };
  return child;
}

/** Node with tsx, the way every TypeScript file of the project runs. */
export function nodeArgs(file: string): string[] {
  return ['--import', 'tsx', file];
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface StartedServer {
  child: Child;
  port: number;
}

/** Spawns a bench server (a TypeScript file run by Node) on the server core; see below. */
export async function startServer(
  file: string,
  env: Record<string, string> = {},
): Promise<StartedServer> {
  return startServerProgram(process.execPath, nodeArgs(file), env);
}

/** Spawns `cmd args` as a bench server on the server core and waits for `listening <port>`. */
export async function startServerProgram(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<StartedServer> {
  const port = await freePort();
  const child = spawnPinned(SERVER_CPU, cmd, args, {
    PORT: String(port),
    ...env,
  });
  try {
    await child.waitFor(/^listening (\d+)/, 20_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { child, port };
}

// ---------------------------------------------------------------------------------------------
// Go programs (bench/go: standard library only), built at bench time into .bench-results/go/

export const GO_DIR = join(BENCH_DIR, 'go');
const goBuilds = new Map<string, { bin: string } | { error: string }>();

/**
 * Builds bench/go/<pkg> (once per process) with the `go` on PATH, offline (GOPROXY=off: the
 * programs import nothing outside the standard library). Returns the binary, or why not
 * (`go` missing, or the build failed).
 */
export function goBuild(pkg: string): { bin: string } | { error: string } {
  const done = goBuilds.get(pkg);
  if (done) return done;
  const bin = join(RESULTS_DIR, 'go', pkg);
  let out: { bin: string } | { error: string };
  try {
    mkdirSync(dirname(bin), { recursive: true });
    execFileSync('go', ['build', '-o', bin, `./${pkg}`], {
      cwd: GO_DIR,
      env: { ...process.env, GOPROXY: 'off', GOFLAGS: '', CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
    out = { bin };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    out =
      e.code === 'ENOENT'
        ? { error: 'go not found on PATH (Debian: apt-get install golang-go)' }
        : {
            error: `go build ./${pkg} failed: ${String(e.stderr ?? e.message)
              .trim()
              .slice(0, 300)}`,
          };
  }
  goBuilds.set(pkg, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// CPU and memory from /proc

// CLK_TCK is 100 on every Linux we run on (`getconf CLK_TCK`); override if yours differs.
const clkTck = Number(process.env.BENCH_CLK_TCK ?? 100);

export interface ProcStat {
  /** user + system CPU seconds of the process itself. */
  cpu: number;
  /** user + system CPU seconds of its reaped children. */
  childCpu: number;
}

export function parseStat(text: string): ProcStat {
  // The command name (field 2) may hold spaces; fields after the closing parenthesis are fixed.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14 -> rest[11].
  const n = (i: number): number => Number(rest[i] ?? 0);
  return { cpu: (n(11) + n(12)) / clkTck, childCpu: (n(13) + n(14)) / clkTck };
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` and returns its result with the process's CPU over it (% of one core, from
 * /proc; NaN where /proc cannot be read).
 * @example const r = await withServerCpu(srv.child.pid, () => runWrk(url, 3, 50));
 */
export async function withServerCpu<T extends object>(
  pid: number,
  work: () => Promise<T>,
): Promise<T & { serverCpu: number }> {
  const before = procStat(pid);
  const t0 = process.hrtime.bigint();
  const r = await work();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = procStat(pid);
  const serverCpu = before && after ? ((after.cpu - before.cpu) / wall) * 100 : NaN;
  return { ...r, serverCpu };
}

/**
 * Write-type syscalls the process has made (write, writev, sendmsg...: `syscw` of
 * /proc/<pid>/io), all its threads included. Per delivery it shows what coalescing saves.
 */
export function procWrites(pid: number): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/io`, 'utf8').match(/^syscw:\s+(\d+)/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Raises this process's open-file limit (inherited by the servers and clients it spawns) to at
 * least `want`, with prlimit (root, or a hard limit already that high). Returns the soft limit
 * in force afterwards.
 */
export function raiseNofile(want: number): number {
  const read = (): number => {
    const m = readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+)/m);
    return m ? Number(m[1]) : NaN;
  };
  if (read() >= want) return read();
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${want}:${want}`], {
      stdio: 'ignore',
    });
  } catch {
    // Not root: keep what there is; the runs that need more fail with their own message.
  }
  return read();
}

/** Resident set size in bytes, from /proc/<pid>/status. */
export function procRss(pid: number): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics and output

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function range(xs: number[]): [number, number] {
  if (xs.length === 0) return [NaN, NaN];
  return [Math.min(...xs), Math.max(...xs)];
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

export function table(headers: string[], rows: string[][]): string {
  const out = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, name);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** Rotating order: round i starts at server i, so nobody always runs first (or last). */
export function rotate<T>(xs: readonly T[], round: number): T[] {
  const k = xs.length === 0 ? 0 : round % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

export function machineNote(): string {
  const cpus = hasTaskset()
    ? `server pinned to CPU ${SERVER_CPU}, load client to CPU ${CLIENT_CPU}`
    : 'taskset missing: processes NOT pinned';
  return `Node ${process.version}, ${cpus}`;
}

export function isMain(metaUrl: string): boolean {
  const argv1 = process.argv[1];
  return argv1 !== undefined && resolve(argv1) === fileURLToPath(metaUrl);
}
