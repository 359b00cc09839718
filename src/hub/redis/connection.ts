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

/** The node-redis error classes the hub tells apart (exported by `redis` / `@redis/client`). */
export interface RedisErrorClasses {
  /** A reply of the `-ERR ...` kind (node-redis 5+ throws its subclasses `SimpleError`, `BlobError`). */
  ErrorReply: abstract new (...args: never[]) => Error;
  /** Thrown for a command made while the connection is down with the offline queue disabled. */
  ClientOfflineError: abstract new (...args: never[]) => Error;
  /**
   * True when the connections come from a user's `client`, which may have been made by another
   * copy of `@redis/client` than the one `redis` resolves to here: `instanceof` cannot see its
   * classes, so their names are checked too.
   */
  foreign: boolean;
}

/** The connections and the error classes of the `redis` package that made them. */
export interface Connections {
  cmd: RedisConnection;
  blk: RedisConnection;
  errors: RedisErrorClasses;
}

/**
 * Opens the command connection (offline queue disabled, so a publish while disconnected fails
 * at once and provably unsent) and the blocking connection (for `XREAD BLOCK`).
 */
export async function openConnections(options: {
  url?: string;
  client?: RedisClientLike;
}): Promise<Connections> {
  let mod: typeof import('redis') | undefined;
  try {
    mod = await import('redis');
  } catch (err) {
    if (!options.client) {
      throw new SluiceError(
        'SLUICE_CONFIG',
        'createRedisHub needs the "redis" package (node-redis 5 or later): npm install redis',
        { cause: err },
      );
    }
  }
  const errors: RedisErrorClasses = {
    ErrorReply: mod?.ErrorReply ?? NoClass,
    ClientOfflineError: mod?.ClientOfflineError ?? NoClass,
    foreign: options.client !== undefined,
  };
  if (options.client) {
    return {
      cmd: options.client.duplicate({ disableOfflineQueue: true }) as RedisConnection,
      blk: options.client.duplicate() as RedisConnection,
      errors,
    };
  }
  const url = options.url ?? 'redis://127.0.0.1:6379';
  const socket = { reconnectStrategy: reconnectDelay };
  const cmd = mod!.createClient({ url, disableOfflineQueue: true, socket });
  const blk = mod!.createClient({ url, socket });
  return {
    cmd: cmd as unknown as RedisConnection,
    blk: blk as unknown as RedisConnection,
    errors,
  };
}

/** Stands for a class `redis` could not be loaded to provide: nothing is an instance of it. */
class NoClass extends Error {}

/**
 * True when `err` walks up to a class of that name: only for a user's client made by another
 * copy of `@redis/client` than the one `redis` resolves to here, where `instanceof` cannot work.
 */
function inheritsFrom(err: unknown, name: string): boolean {
  for (let p: unknown = err; p !== null && typeof p === 'object'; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: unknown } }).constructor?.name === name) return true;
  }
  return false;
}

/**
 * True for an error reply from Redis (WRONGTYPE, OOM, NOSCRIPT, ...): the server refused the
 * command. Told apart with `instanceof` the `ErrorReply` class node-redis exports (whose
 * subclasses `SimpleError` and `BlobError` are what it throws).
 */
export function isErrorReply(err: unknown, errors: RedisErrorClasses): boolean {
  return err instanceof errors.ErrorReply || (errors.foreign && inheritsFrom(err, 'ErrorReply'));
}

/**
 * Error replies that mean "not now" or "not here" rather than "never": the server is loading
 * its dataset (after a restart), busy in a long script, has lost its primary, or (Redis
 * Cluster) the slot is down, moving, or held by another node. The command was not run, so it
 * is retried like a lost connection (after the slot table is read again, for a redirect).
 */
const TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MOVED|ASK)\b/;

/**
 * True for a Redis Cluster redirect (`MOVED`, `ASK`): the key's slot is served elsewhere.
 * @example isRedirect(new Error('MOVED 3999 127.0.0.1:6381')) // true
 */
export function isRedirect(err: unknown): boolean {
  return /^(MOVED|ASK)\b/.test((err as Error)?.message ?? '');
}

/** True for an error reply that names a passing server state (see `TRANSIENT`). */
export function isTransientReply(err: unknown): boolean {
  return TRANSIENT.test((err as Error).message ?? '');
}

/** True when a command failed before it was written: it never reached Redis. */
export function neverSent(err: unknown, errors: RedisErrorClasses): boolean {
  return (
    err instanceof errors.ClientOfflineError ||
    (errors.foreign && inheritsFrom(err, 'ClientOfflineError'))
  );
}

/**
 * Closes a connection: gracefully (pending replies still arrive) for at most `ms`, then by
 * force. Never throws, never waits longer.
 */
export async function closeWithin(conn: RedisConnection, ms: number): Promise<void> {
  if (!conn.isReady) {
    try {
      conn.destroy();
    } catch {
      // already closed
    }
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      conn.close().catch(() => {}),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
  } finally {
    clearTimeout(timer);
    try {
      if (conn.isOpen) conn.destroy();
    } catch {
      // already closed
    }
  }
}
