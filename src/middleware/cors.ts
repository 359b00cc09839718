/**
 * `middleware.cors()`: answers preflights (global middleware runs for automatic OPTIONS too) and
 * decorates responses. `Last-Event-ID` is always an allowed request header, so an EventSource
 * can resume cross-origin. With `credentials`, the exact request origin is echoed (never `*`).
 */
import { SluiceError } from '../errors/index.js';
import type { Middleware } from '../engine/types.js';

/** GoFrame's default allowed request headers (`CORSDefault`). */
const GOFRAME_HEADERS = [
  'Origin',
  'Content-Type',
  'Accept',
  'User-Agent',
  'Cookie',
  'Authorization',
  'X-Auth-Token',
  'X-Requested-With',
];

/**
 * Options of `middleware.cors()` (GoFrame's defaults when left out).
 * @example middleware.cors({ origin: ['https://app.example'], credentials: true })
 */
export interface CorsOptions {
  /** Allowed origins: '*' (default), a list, or a predicate. */
  origin?: '*' | string[] | ((origin: string) => boolean);
  /** Allowed methods. Default GoFrame's list without CONNECT and TRACE: GET, PUT, POST, DELETE, PATCH, HEAD, OPTIONS. */
  methods?: string[];
  /**
   * Allowed request headers (Last-Event-ID is always added). Default: GoFrame's list (Origin,
   * Content-Type, Accept, User-Agent, Cookie, Authorization, X-Auth-Token, X-Requested-With) plus
   * what the preflight asks.
   */
  allowHeaders?: string[];
  /** Response headers the browser may read. */
  exposeHeaders?: string[];
  /** Send Access-Control-Allow-Credentials; needs `origin` as a list or a predicate. Default false. */
  credentials?: boolean;
  /** Seconds a preflight may be cached. Default 3628800 (GoFrame's; browsers cap it lower). */
  maxAge?: number;
}

/**
 * CORS for browsers: answers preflights (204) and sets `Access-Control-*` on responses.
 * `credentials: true` needs an explicit origin list or predicate: with the default `'*'` any
 * site could read authenticated responses, so that combination throws `SLUICE_CONFIG` here,
 * at configuration time. An allowed origin is echoed (never `*`) when credentials are on;
 * `null` is only allowed when listed.
 * @example s.use(middleware.cors({ origin: ['https://app.example'], credentials: true }))
 */
export function cors(options: CorsOptions = {}): Middleware {
  const methods = (
    options.methods ?? ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']
  ).join(',');
  const expose = options.exposeHeaders?.join(', ');
  const maxAge = String(options.maxAge ?? 3628800);
  const allowed = options.origin ?? '*';
  if (options.credentials && allowed === '*') {
    throw new SluiceError(
      'SLUICE_CONFIG',
      'cors({ credentials: true }) needs an origin list or function: with "*" any site could read authenticated responses',
    );
  }
  const allowOrigin = (origin: string): string | undefined => {
    if (allowed === '*') return '*';
    if (Array.isArray(allowed)) return allowed.includes(origin) ? origin : undefined;
    return allowed(origin) ? origin : undefined;
  };
  return async (r) => {
    const origin = r.header('origin');
    if (!origin) return r.middleware.next();
    const value = allowOrigin(origin);
    const h = r.response.header();
    h.append('Vary', 'Origin');
    if (value) {
      h.set('Access-Control-Allow-Origin', value);
      if (options.credentials) h.set('Access-Control-Allow-Credentials', 'true');
      if (expose) h.set('Access-Control-Expose-Headers', expose);
    }
    const preflight =
      r.method === 'OPTIONS' && r.header('access-control-request-method') !== undefined;
    if (!preflight) return r.middleware.next();
    if (value) {
      h.set('Access-Control-Allow-Methods', methods);
      const asked = r.header('access-control-request-headers');
      // Reflecting the asked headers makes the answer depend on them: caches must know.
      if (!options.allowHeaders) h.append('Vary', 'Access-Control-Request-Headers');
      const list = options.allowHeaders ? [...options.allowHeaders] : [...GOFRAME_HEADERS];
      if (!options.allowHeaders && asked) {
        for (const name of asked.split(',').map((x) => x.trim())) {
          if (name !== '' && !list.some((x) => x.toLowerCase() === name.toLowerCase()))
            list.push(name);
        }
      }
      if (!list.some((x) => x.toLowerCase() === 'last-event-id')) list.push('Last-Event-ID');
      h.set('Access-Control-Allow-Headers', list.join(','));
      h.set('Access-Control-Max-Age', maxAge);
    }
    r.response.status = 204;
    // A preflight is answered here; the route (or the automatic OPTIONS) does not run.
  };
}
