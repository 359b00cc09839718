/**
 * A private redis-server for tests that stop, kill or restart Redis (never the shared one):
 * the fault-drill process helper with the two settings most tests need, plus a loopback proxy
 * in front of it that a test can cut, for one client's view of an outage.
 */
import net from 'node:net';
import { startRedis, type RedisProc } from '../stress/lib/redis-proc.js';

export interface PrivateRedis {
  url: string;
  port: number;
  /** Kills it with SIGKILL and starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** Runs one command on a fresh connection (`CONFIG SET maxmemory 1`, say). */
  command(args: string[]): Promise<unknown>;
  /** A TCP proxy to it on 127.0.0.1, for the clients that should see an outage of their own. */
  proxy(): Promise<RedisProxy>;
  stop(): Promise<void>;
}

export interface RedisProxy {
  url: string;
  /** Drops every proxied connection and refuses (accepts then closes) new ones. */
  cut(): void;
  /** Proxies new connections again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts `redis-server` on a free port; `persistent` turns on `appendonly yes, appendfsync always`. */
export async function startPrivateRedis(options: { persistent: boolean }): Promise<PrivateRedis> {
  const redis: RedisProc = await startRedis(options.persistent ? 'always' : 'none');
  return {
    url: redis.url,
    port: redis.port,
    restart: () => redis.restart('SIGKILL'),
    command: (args) => redis.command(args),
    proxy: () => startProxy(redis.port),
    stop: () => redis.stop(),
  };
}

function startProxy(target: number): Promise<RedisProxy> {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `redis://127.0.0.1:${port}`,
        cut() {
          cut = true;
          for (const s of sockets) s.destroy();
        },
        restore() {
          cut = false;
        },
        close() {
          cut = true;
          for (const s of sockets) s.destroy();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}
