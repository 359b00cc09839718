/**
 * A private redis-server for tests that stop, kill or restart Redis (never the shared one):
 * the fault-drill process helper with the two settings most tests need.
 */
import { startRedis, type RedisProc } from '../stress/lib/redis-proc.js';

export interface PrivateRedis {
  url: string;
  port: number;
  /** Kills it with SIGKILL and starts it again on the same port and directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free port; `persistent` turns on `appendonly yes, appendfsync always`. */
export async function startPrivateRedis(options: { persistent: boolean }): Promise<PrivateRedis> {
  const redis: RedisProc = await startRedis(options.persistent ? 'always' : 'none');
  return {
    url: redis.url,
    port: redis.port,
    restart: () => redis.restart('SIGKILL'),
    stop: () => redis.stop(),
  };
}
