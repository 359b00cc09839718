/**
 * The part of a node-redis client the hub uses, and how it gets its two connections. `redis`
 * is an optional peer dependency, loaded here only, on first use.
 */
import { SluiceError } from '../../errors/index.js';

/** The node-redis client methods the hub calls (node-redis 5 or later). */
export interface RedisConnection {
  sendCommand(args: string[]): Promise<unknown>;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
  readonly isReady: boolean;
  readonly isOpen: boolean;
}

/** A user's node-redis client: only `duplicate()` is called, the client itself is left alone. */
export interface RedisClientLike {
  duplicate(overrides?: Record<string, unknown>): unknown;
}

/** Reconnect delays: 50 ms doubling to 2 s, with up to 20% jitter. */
export function reconnectDelay(retries: number): number {
  const base = Math.min(50 * 2 ** Math.min(retries, 10), 2000);
  return Math.round(base * (1 + Math.random() * 0.2));
}

/**
 * Opens the command connection (offline queue disabled, so a publish while disconnected fails
 * at once and provably unsent) and the blocking connection (for `XREAD BLOCK`).
 */
export async function openConnections(options: {
  url?: string;
  client?: RedisClientLike;
}): Promise<{ cmd: RedisConnection; blk: RedisConnection }> {
  let cmd: RedisConnection;
  let blk: RedisConnection;
  if (options.client) {
    cmd = options.client.duplicate({ disableOfflineQueue: true }) as RedisConnection;
    blk = options.client.duplicate() as RedisConnection;
  } else {
    let mod: typeof import('redis');
    try {
      mod = await import('redis');
    } catch (err) {
      throw new SluiceError(
        'SLUICE_CONFIG',
        'createRedisHub needs the "redis" package (node-redis 5 or later): npm install redis',
        { cause: err },
      );
    }
    const url = options.url ?? 'redis://127.0.0.1:6379';
    const socket = { reconnectStrategy: reconnectDelay };
    cmd = mod.createClient({
      url,
      disableOfflineQueue: true,
      socket,
    }) as unknown as RedisConnection;
    blk = mod.createClient({ url, socket }) as unknown as RedisConnection;
  }
  return { cmd, blk };
}

/** True when a command failed before it was written: it never reached Redis. */
export function neverSent(err: unknown): boolean {
  const name = (err as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name === 'ClientOfflineError';
}
