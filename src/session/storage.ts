/**
 * Session storages: data by session id with an idle lifetime. `MemorySessionStorage` is the
 * default (one per server, in the process); `RedisSessionStorage` shares sessions between
 * processes through a Redis client the application already has (node-redis, or anything with
 * `sendCommand`). GoFrame's `SetSessionStorage`.
 */
import type { SessionStorageLike } from '../config.js';
import { SluiceError } from '../errors/index.js';

export type { SessionStorageLike as SessionStorage };

/** Options of {@link MemorySessionStorage}. */
export interface MemorySessionOptions {
  /** Most sessions kept; past it the least recently used goes first. Default 100,000. */
  maxSessions?: number;
}

/**
 * Sessions in this process's memory (lost on restart, not shared between processes). Data is
 * kept as JSON, as Redis keeps it, so a value reads back the same whatever the storage.
 * @example s.setSessionStorage(new MemorySessionStorage({ maxSessions: 10_000 }))
 */
export class MemorySessionStorage implements SessionStorageLike {
  readonly #sessions = new Map<string, { json: string; expires: number }>();
  readonly #max: number;

  constructor(options: MemorySessionOptions = {}) {
    this.#max = options.maxSessions ?? 100_000;
  }

  /** The session's data (a copy), renewing its lifetime; undefined when unknown or expired. */
  get(id: string, ttlMs: number): Promise<Record<string, unknown> | undefined> {
    const entry = this.#sessions.get(id);
    if (!entry) return Promise.resolve(undefined);
    const now = Date.now();
    this.#sessions.delete(id);
    if (entry.expires <= now) return Promise.resolve(undefined);
    entry.expires = now + ttlMs;
    this.#sessions.set(id, entry); // most recently used last
    return Promise.resolve(JSON.parse(entry.json) as Record<string, unknown>);
  }

  /** Stores the data (as JSON) for `ttlMs`. */
  set(id: string, data: Record<string, unknown>, ttlMs: number): Promise<void> {
    this.#sessions.delete(id);
    this.#sessions.set(id, { json: JSON.stringify(data), expires: Date.now() + ttlMs });
    this.#sweep();
    return Promise.resolve();
  }

  /** Forgets a session. */
  remove(id: string): Promise<void> {
    this.#sessions.delete(id);
    return Promise.resolve();
  }

  /** How many sessions are held (expired ones included until swept). */
  get size(): number {
    return this.#sessions.size;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#sessions) {
      if (this.#sessions.size <= this.#max && entry.expires > now) break;
      this.#sessions.delete(id);
    }
  }
}

/** A Redis client as the storage needs it: node-redis's `sendCommand` (v4 and later). */
export interface RedisCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** Options of {@link RedisSessionStorage}. */
export interface RedisSessionOptions {
  /** A connected client (e.g. `await createClient({ url }).connect()` from node-redis). */
  client: RedisCommandClient;
  /** Key prefix. Default `sluice:session:`. */
  prefix?: string;
}

/**
 * Sessions in Redis: one string key per session holding its JSON, with `PX` expiry renewed on
 * every read (`GETEX`, Redis >= 6.2). Shared by every process using the same Redis and prefix.
 * A failure rejects with `SLUICE_SESSION_STORAGE` (503).
 * @example
 * import { createClient } from 'redis';
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * s.setSessionStorage(new RedisSessionStorage({ client }));
 */
export class RedisSessionStorage implements SessionStorageLike {
  readonly #client: RedisCommandClient;
  readonly #prefix: string;

  constructor(options: RedisSessionOptions) {
    if (typeof options?.client?.sendCommand !== 'function') {
      throw new SluiceError(
        'SLUICE_CONFIG',
        'RedisSessionStorage needs a client with sendCommand (node-redis)',
      );
    }
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'sluice:session:';
  }

  /** The session's data, renewing its lifetime (`GETEX key PX ttl`). */
  async get(id: string, ttlMs: number): Promise<Record<string, unknown> | undefined> {
    const json = await this.#run(['GETEX', this.#prefix + id, 'PX', String(ttlMs)]);
    if (json === null || json === undefined) return undefined;
    try {
      return JSON.parse(String(json)) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /** Stores the data (`SET key json PX ttl`). */
  async set(id: string, data: Record<string, unknown>, ttlMs: number): Promise<void> {
    await this.#run(['SET', this.#prefix + id, JSON.stringify(data), 'PX', String(ttlMs)]);
  }

  /** Forgets a session (`DEL`). */
  async remove(id: string): Promise<void> {
    await this.#run(['DEL', this.#prefix + id]);
  }

  async #run(args: string[]): Promise<unknown> {
    try {
      return await this.#client.sendCommand(args);
    } catch (err) {
      throw new SluiceError('SLUICE_SESSION_STORAGE', `${args[0]}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}
