/**
 * A private redis-server for fault drills: a free port on 127.0.0.1, its own directory, and the
 * faults the drills need (SIGTERM or SIGKILL then a start on the same port and directory, SIGSTOP
 * and SIGCONT, CLIENT KILL). Never touches a shared Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

export interface RedisProc {
  readonly url: string;
  readonly port: number;
  /** Stops it with `signal` (waiting for the exit) and starts it again on the same port and dir. */
  restart(signal: 'SIGTERM' | 'SIGKILL', downMs?: number): Promise<void>;
  /** SIGSTOP, waits `ms`, SIGCONT. */
  freeze(ms: number): Promise<void>;
  /** `CLIENT KILL TYPE normal` from a fresh connection; resolves with the number killed. */
  killClients(): Promise<number>;
  /** Runs one command on a fresh connection. */
  command(args: string[]): Promise<unknown>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts redis-server with `--appendonly yes --appendfsync <fsync>` (or no AOF at all). */
export async function startRedis(fsync: 'always' | 'everysec' | 'none'): Promise<RedisProc> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-faults-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  args.push(
    ...(fsync === 'none'
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', fsync]),
  );
  let child: ChildProcess | undefined;

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start: ${out}`)),
        10_000,
      );
      c.stdout!.on('data', (chunk: Buffer) => {
        if (out.length < 20_000) out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });

  const halt = (signal: NodeJS.Signals): Promise<void> =>
    new Promise((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.removeAllListeners('exit');
      c.once('exit', () => {
        // A child redis forked (an AOF rewrite) may still hold the pipes: close our ends.
        c.stdout?.destroy();
        c.stderr?.destroy();
        resolve();
      });
      c.kill('SIGCONT'); // a frozen server could not act on SIGTERM
      c.kill(signal);
    });

  const command = async (cmd: string[]): Promise<unknown> => {
    const c = createClient({
      url: `redis://127.0.0.1:${port}`,
      socket: { reconnectStrategy: false },
    });
    c.on('error', () => {});
    await c.connect();
    try {
      return await c.sendCommand(cmd);
    } finally {
      c.destroy();
    }
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart(signal, downMs = 0) {
      await halt(signal);
      if (downMs > 0) await sleep(downMs);
      await launch();
    },
    async freeze(ms) {
      child!.kill('SIGSTOP');
      try {
        await sleep(ms);
      } finally {
        child!.kill('SIGCONT');
      }
    },
    async killClients() {
      // The killer's own connection is of type normal too but `SKIPME yes` is the default.
      return Number(await command(['CLIENT', 'KILL', 'TYPE', 'normal']));
    },
    command,
    async stop() {
      await halt('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
