/** Child processes of the stress stages: spawned with a raised fd limit, spoken to by lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import type { StatsSnapshot } from '../../../src/testing/stats.js';

export interface LineChild {
  child: ChildProcess;
  /** Sends one command line and resolves with the next line the child prints. */
  ask(line: string): Promise<string>;
  /** Resolves with the next line the child prints. */
  next(): Promise<string>;
  exited: Promise<number | null>;
}

/** Runs `node --import tsx <script>` under `ulimit -n <fds>` (kept if raising it is refused). */
export function spawnNode(
  script: string,
  env: Record<string, string> = {},
  fds = 65536,
): LineChild {
  const cmd = `ulimit -n ${fds} 2>/dev/null || ulimit -n $(ulimit -Hn); exec "${process.execPath}" --expose-gc --import tsx "${script}"`;
  const child = spawn('bash', ['-c', cmd], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const next = (): Promise<string> =>
    lines.length > 0
      ? Promise.resolve(lines.shift()!)
      : new Promise((resolve, reject) => {
          waiters.push(resolve);
          void exited.then((code) => reject(new Error(`${script} exited with ${code}`)));
        });
  return {
    child,
    next,
    ask(line) {
      child.stdin!.write(line + '\n');
      return next();
    },
    exited,
  };
}

/** Prints a figures line the runner (scripts/stress.mjs) collects into its table. */
export function reportFigures(stage: string, figures: Record<string, unknown>): void {
  process.stdout.write(`FIGURES ${stage} ${JSON.stringify(figures)}\n`);
}

/**
 * Reads a stats snapshot on a connection of its own (no keep-alive pool), so the reading itself
 * leaves no socket behind in the handle counts.
 */
export function readStats(base: string, query = ''): Promise<StatsSnapshot> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${base}/__stats${query}`,
      { agent: false, headers: { connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as StatsSnapshot);
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('error', reject);
  });
}
