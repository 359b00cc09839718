/**
 * Server configuration: every limit has a safe default, documented in README ("Limits").
 */
import { SluiceError } from './errors/index.js';
import type { Logger } from './logger.js';

/** A certificate and its key (PEM), for HTTPS and h2. */
export interface TlsCredentials {
  cert: string | Uint8Array;
  key: string | Uint8Array;
  /** The key's passphrase, when it has one. */
  passphrase?: string;
  /** Extra CA certificates (PEM) of the chain. */
  ca?: string | Uint8Array;
}

/**
 * Everything `s.setConfig()` and `new Server(options)` accept; README's "Limits and guarantees"
 * gives every default and what happens past it.
 * @example s.setConfig({ bodyLimit: 1 << 20, trustProxy: 1, shutdownTimeout: 10_000 });
 */
export interface ServerConfig {
  /** Time to receive the request headers (ms). Default 30 000. */
  headerTimeout: number;
  /** Time to receive the whole request, body included (ms). Responses and streams have no deadline. Default 120 000. */
  requestTimeout: number;
  /** Idle keep-alive between requests (ms). Default 72 000. */
  keepAliveTimeout: number;
  /** Largest request head in bytes (431 beyond). Default 16 KiB. */
  maxHeaderSize: number;
  /** Most header fields in one request (431 beyond). Default 100. */
  maxHeaders: number;
  /** Largest request body in bytes (413 beyond); per route overridable. Default 1 MiB. */
  bodyLimit: number;
  /** How long shutdown() waits for in-flight requests (ms). Default 5 000. */
  shutdownTimeout: number;
  /** Unsent bytes at which an awaited flush()/send() waits for the socket to drain. Default 64 KiB. */
  highWaterMark: number;
  /** Unsent bytes at which a stream whose writer does not await is cut off. Default 1 MiB. */
  streamCap: number;
  /** A stream whose socket accepts nothing for this long is cut off (ms). Default 30 000. */
  writeStallTimeout: number;
  /** Budget of unsent bytes across all streams; past it the worst laggers are cut first. Default 256 MiB. */
  unsentBudget: number;
  /** Most open connections; beyond it new ones are refused. Default 15 000. */
  maxConnections: number;
  /** Trust X-Forwarded-For / X-Forwarded-Proto: false, true (any hop) or the number of proxies in front. Default false. */
  trustProxy: boolean | number;
  /** Pino-compatible logger. Default: warnings and errors as JSON lines on stderr. */
  logger: Logger | undefined;
  /** Keep the request in AsyncLocalStorage so g.currentRequest() works (costs a little per request). Default false. */
  requestContext: boolean;
  /** Warn in development about seed-style SSE frames no EventSource dispatches. Default: NODE_ENV !== 'production'. */
  devWarnings: boolean;
  /** Certificate and key for the HTTPS ports (`s.enableHTTPS(certFile, keyFile)` reads them from files). Default none. */
  tls: TlsCredentials | undefined;
  /** Offer HTTP/2 (`h2`) by ALPN on TLS ports. Default true. */
  http2: boolean;
  /** Plain ports also accept HTTP/2 with prior knowledge (h2c), beside HTTP/1.1. Default false. */
  h2c: boolean;
  /** Concurrent streams one HTTP/2 connection may open (SETTINGS_MAX_CONCURRENT_STREAMS). Default 100. */
  http2MaxConcurrentStreams: number;
  /** Memory one HTTP/2 session may hold, in MB, before new streams are refused. Default 10. */
  http2MaxSessionMemory: number;
  /** Largest WebSocket message a client may send, in bytes (larger: close 1009). Default 1 MiB. */
  webSocketMaxMessage: number;
  /** Bytes a WebSocket may leave unsent before it is closed as a slow reader (1008). Default 1 MiB. */
  webSocketMaxBuffered: number;
  /** Milliseconds between WebSocket pings; no pong by the next one terminates the socket. Default 30 000. */
  webSocketPingInterval: number;
  /**
   * Validate typed routes' responses against their `output` schema and sent events against
   * their `events` schemas: `'always'` (default), `'development'` (when NODE_ENV is not
   * `production`) or `'never'`. A response that fails is a 500 `SLUICE_RESPONSE_INVALID`, never sent.
   */
  validateResponses: 'always' | 'development' | 'never';
  /**
   * How errors are rendered: `'auto'` (default: JSON `{ code, message, errors? }` on typed routes
   * and for clients that ask for JSON, text otherwise), `'json'`, `'problem'` (RFC 9457
   * `application/problem+json`, always) or `'text'`.
   */
  errorFormat: 'auto' | 'json' | 'problem' | 'text';
  /**
   * Limits of multipart uploads (`maxFileSize`, `maxFiles`, `maxFields`, `maxFieldSize`,
   * `maxParts`, `maxTotalSize`, `tempDir`); what is given replaces the default of that field
   * (see README, "Uploads").
   */
  upload: UploadConfig | undefined;
  /**
   * Defaults for every `setCookie` (GoFrame's `CookieMaxAge`, `CookiePath`, `CookieDomain`,
   * `CookieSameSite`...); a call's own options win. Default: `{ path: '/' }`, a session cookie.
   */
  cookie: CookieDefaults | undefined;
  /**
   * Sessions (`r.session`): the cookie's name (default `gfsessionid`, GoFrame's), the idle
   * lifetime in ms (default 24 h) and the storage (default: in memory).
   */
  session: SessionConfig | undefined;
}

/** The upload limits `setConfig({ upload })` takes (each optional). */
export interface UploadConfig {
  maxFileSize?: number;
  maxFiles?: number;
  maxFields?: number;
  maxFieldSize?: number;
  maxParts?: number;
  maxTotalSize?: number;
  tempDir?: string;
}

/** Server-wide cookie defaults. */
export interface CookieDefaults {
  /** Seconds; omitted: a session cookie. */
  maxAge?: number;
  path?: string;
  domain?: string;
  sameSite?: 'Strict' | 'Lax' | 'None';
  secure?: boolean;
  httpOnly?: boolean;
}

/** The session settings `setConfig({ session })` takes. */
export interface SessionConfig {
  /** The cookie holding the session id. Default `gfsessionid`. */
  idName?: string;
  /** Idle lifetime in ms, renewed on every use. Default 24 h. */
  maxAge?: number;
  /** Where sessions live. Default: a process-local memory storage. */
  storage?: SessionStorageLike;
}

/**
 * The shape of a session storage (`MemorySessionStorage`, `RedisSessionStorage`, or yours):
 * data by session id, with an idle lifetime.
 */
export interface SessionStorageLike {
  /** The data of a session, or undefined when unknown or expired; renews its lifetime. */
  get(id: string, ttlMs: number): Promise<Record<string, unknown> | undefined>;
  /** Stores the whole data of a session for `ttlMs`. */
  set(id: string, data: Record<string, unknown>, ttlMs: number): Promise<void>;
  /** Forgets a session. */
  remove(id: string): Promise<void>;
}

/**
 * The defaults of every {@link ServerConfig} field (frozen).
 * @example s.setConfig({ bodyLimit: DEFAULT_CONFIG.bodyLimit * 4 });
 */
export const DEFAULT_CONFIG: Readonly<ServerConfig> = Object.freeze({
  headerTimeout: 30_000,
  requestTimeout: 120_000,
  keepAliveTimeout: 72_000,
  maxHeaderSize: 16 * 1024,
  maxHeaders: 100,
  bodyLimit: 1024 * 1024,
  shutdownTimeout: 5_000,
  highWaterMark: 64 * 1024,
  streamCap: 1024 * 1024,
  writeStallTimeout: 30_000,
  unsentBudget: 256 * 1024 * 1024,
  maxConnections: 15_000,
  trustProxy: false,
  logger: undefined,
  requestContext: false,
  devWarnings: process.env.NODE_ENV !== 'production',
  tls: undefined,
  http2: true,
  h2c: false,
  http2MaxConcurrentStreams: 100,
  http2MaxSessionMemory: 10,
  webSocketMaxMessage: 1024 * 1024,
  webSocketMaxBuffered: 1024 * 1024,
  webSocketPingInterval: 30_000,
  validateResponses: 'always',
  errorFormat: 'auto',
  upload: undefined,
  cookie: undefined,
  session: undefined,
});

/** The options that take one of a few words, and those words. */
const CHOICES: Partial<Record<keyof ServerConfig, readonly unknown[]>> = {
  validateResponses: ['always', 'development', 'never'],
  errorFormat: ['auto', 'json', 'problem', 'text'],
  http2: [true, false],
  h2c: [true, false],
  requestContext: [true, false],
  devWarnings: [true, false],
};

/**
 * Checks options before they are applied: unknown names, negative or non-numeric limits and
 * words outside an option's choices throw `SLUICE_CONFIG` naming the option.
 * @example checkConfig({ errorFormat: 'xml' }) // throws: errorFormat must be one of auto, json, problem, text
 */
export function checkConfig(config: Partial<ServerConfig>): void {
  for (const [key, value] of Object.entries(config)) {
    if (!(key in DEFAULT_CONFIG)) throw new SluiceError('SLUICE_CONFIG', `unknown option "${key}"`);
    if (value === undefined) continue;
    const def = (DEFAULT_CONFIG as unknown as Record<string, unknown>)[key];
    if (typeof def === 'number' && (typeof value !== 'number' || !(value >= 0))) {
      throw new SluiceError('SLUICE_CONFIG', `${key} must be a non-negative number`);
    }
    const choices = CHOICES[key as keyof ServerConfig];
    if (choices && !choices.includes(value)) {
      throw new SluiceError(
        'SLUICE_CONFIG',
        `${key} must be one of ${choices.map(String).join(', ')} (got ${JSON.stringify(value)})`,
      );
    }
  }
}

/**
 * Whether responses and events are validated under `config` right now.
 * @example shouldValidate({ validateResponses: 'development' }) // true unless NODE_ENV=production
 */
export function shouldValidate(config: Pick<ServerConfig, 'validateResponses'>): boolean {
  const mode = config.validateResponses;
  return mode === 'always' || (mode === 'development' && process.env.NODE_ENV !== 'production');
}
