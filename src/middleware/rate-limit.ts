/**
 * `middleware.rateLimit()`: a token bucket per client. Each request takes one token; a bucket
 * holds at most `burst` and refills at `rate` tokens a second. An empty bucket answers 429
 * (`SLUICE_RATE_LIMITED`) with `Retry-After` (the seconds until a token is back), which
 * `sluice/client` honours in its reconnect. Every answer carries the IETF draft's `RateLimit`
 * and `RateLimit-Policy` headers. Buckets live in a store: in memory by default (bounded, least
 * recently used evicted), or in Redis (`RedisRateLimitStore`) for many processes.
 */
import { createHash } from 'node:crypto';
import { HttpError } from '../errors/index.js';
import type { Request } from '../exchange/request.js';
import type { Middleware } from '../engine/types.js';

/**
 * What a store answers for one request.
 * @example const { allowed, remaining } = await store.take('203.0.113.7', 1, 10, 20);
 */
export interface RateLimitTake {
  /** True when the tokens were taken (the request goes on). */
  allowed: boolean;
  /** Tokens left after this request (fractional: the bucket refills continuously). */
  remaining: number;
}

/**
 * Where buckets live. `take` removes `cost` tokens from `key`'s bucket if it holds them, after
 * refilling it for the time passed; a new key starts full.
 * @example const store: RateLimitStore = new MemoryRateLimitStore({ maxKeys: 50_000 });
 */
export interface RateLimitStore {
  take(
    key: string,
    cost: number,
    ratePerSecond: number,
    burst: number,
  ): RateLimitTake | Promise<RateLimitTake>;
}

/**
 * What `rateLimit()` takes.
 * @example const options: RateLimitOptions = { rate: 10, burst: 20, key: (r) => r.header('x-api-key') };
 */
export interface RateLimitOptions {
  /** Tokens added per second (the sustained request rate). */
  rate: number;
  /** Most tokens a bucket holds (the burst). Default `max(1, rate)`. */
  burst?: number;
  /** The client's key. Default `r.ip` (set `trustProxy` behind a proxy). `undefined` exempts the request. */
  key?: (r: Request) => string | undefined;
  /** Where buckets live. Default: a `MemoryRateLimitStore` of 100 000 keys. */
  store?: RateLimitStore;
  /** The policy's name in the `RateLimit` headers. Default `"default"`. */
  name?: string;
  /**
   * Longest wait for an asynchronous store (ms); past it the request goes through and a warning
   * is logged, as when the store fails (a frozen Redis must not freeze the API). Default 1000.
   */
  storeTimeout?: number;
}

/** Keys longer than this are hashed, so a key function fed a 16 KiB header costs 43 bytes a bucket. */
const MAX_KEY = 128;

function bucketKey(key: string): string {
  return key.length <= MAX_KEY ? key : `#${createHash('sha256').update(key).digest('base64url')}`;
}

/** The store's answer, or a rejection after `ms` (the timer never holds the process open). */
function within<T>(pending: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Buckets in this process's memory, at most `maxKeys` of them (default 100 000): past it the
 * least recently used bucket is dropped (its client starts full again, the worst case being one
 * extra burst for a client idle the longest).
 * @example rateLimit({ rate: 5, store: new MemoryRateLimitStore({ maxKeys: 10_000 }) })
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(options: { maxKeys?: number; now?: () => number } = {}) {
    this.#maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.#now = options.now ?? Date.now;
  }

  /** Buckets held now. */
  get size(): number {
    return this.#buckets.size;
  }

  take(key: string, cost: number, ratePerSecond: number, burst: number): RateLimitTake {
    const now = this.#now();
    const buckets = this.#buckets;
    let b = buckets.get(key);
    if (b) {
      buckets.delete(key); // re-inserted below: Map order is the recency order
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
      b.at = now;
    } else {
      if (buckets.size >= this.#maxKeys) buckets.delete(buckets.keys().next().value as string);
      b = { tokens: burst, at: now };
    }
    buckets.set(key, b);
    const allowed = b.tokens >= cost;
    if (allowed) b.tokens -= cost;
    return { allowed, remaining: b.tokens };
  }
}

/**
 * A token bucket per client (see the top of this file and README, "Rate limits"). A store that
 * fails (Redis down) lets the request through and logs a warning: a limiter outage is not an
 * API outage.
 * @example s.use(middleware.rateLimit({ rate: 10, burst: 20 }))
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const rate = options.rate;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError('rateLimit: rate must be > 0');
  const burst = options.burst ?? Math.max(1, rate);
  if (!(burst >= 1) || !Number.isFinite(burst))
    throw new RangeError('rateLimit: burst must be >= 1');
  const store = options.store ?? new MemoryRateLimitStore();
  const keyOf = options.key ?? ((r: Request) => r.ip);
  const name = options.name ?? 'default';
  if (!/^[a-z][a-z0-9_-]*$/i.test(name)) throw new RangeError('rateLimit: name must be a token');
  const policy = `"${name}";q=${Math.floor(burst)};w=${Math.ceil(burst / rate)}`;
  const storeTimeout = options.storeTimeout ?? 1000;
  return async (r) => {
    const key = keyOf(r);
    if (key === undefined) return r.middleware.next();
    let took: RateLimitTake;
    try {
      const answer = store.take(bucketKey(key), 1, rate, burst);
      took = answer instanceof Promise ? await within(answer, storeTimeout) : answer;
    } catch (err) {
      r.log.warn({ err }, 'rateLimit: the store failed; the request was let through');
      return r.middleware.next();
    }
    const h = r.response.header();
    // t: seconds until the bucket is full again.
    const full = Math.ceil((burst - took.remaining) / rate);
    h.set('RateLimit-Policy', policy);
    h.set('RateLimit', `"${name}";r=${Math.floor(took.remaining)};t=${full}`);
    if (!took.allowed) {
      h.set('Retry-After', String(Math.max(1, Math.ceil((1 - took.remaining) / rate))));
      throw HttpError.fromCode('SLUICE_RATE_LIMITED');
    }
    return r.middleware.next();
  };
}

/**
 * The part of a node-redis client the Redis store uses (v4 and v5 both have it).
 * @example const client: RateLimitRedisClient = await createClient({ url }).connect();
 */
export interface RateLimitRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
}

// One atomic step per request: refill by Redis's own clock, take, store, expire when full again.
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'n', 't')
local tokens = tonumber(v[1])
if tokens == nil then tokens = burst else
  tokens = math.min(burst, tokens + math.max(0, now - tonumber(v[2])) * rate)
end
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'n', tostring(tokens), 't', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return {allowed, tostring(tokens)}
`;

/**
 * Buckets in Redis, shared by every process: one Lua script per request refills by Redis's
 * clock and takes atomically, so two processes never both spend the last token; a bucket
 * expires once it would be full again. Takes the application's own node-redis client (this
 * module imports nothing from `redis`).
 * @example rateLimit({ rate: 10, store: new RedisRateLimitStore(client, { prefix: 'rl:' }) })
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #client: RateLimitRedisClient;
  readonly #prefix: string;

  constructor(client: RateLimitRedisClient, options: { prefix?: string } = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? 'sluice:rl:';
  }

  async take(
    key: string,
    cost: number,
    ratePerSecond: number,
    burst: number,
  ): Promise<RateLimitTake> {
    const reply = (await this.#client.sendCommand([
      'EVAL',
      TAKE_SCRIPT,
      '1',
      this.#prefix + key,
      String(ratePerSecond / 1000),
      String(burst),
      String(cost),
    ])) as [number, string];
    return { allowed: Number(reply[0]) === 1, remaining: Number(reply[1]) };
  }
}
