/**
 * `middleware.cors()`: answers preflights (global middleware runs for automatic OPTIONS too) and
 * decorates responses. `Last-Event-ID` is always an allowed request header, so an EventSource
 * can resume cross-origin. With `credentials`, the exact request origin is echoed (never `*`).
 */
import type { Middleware } from '../server/core.js';

export interface CorsOptions {
  /** Allowed origins: '*' (default), a list, or a predicate. */
  origin?: '*' | string[] | ((origin: string) => boolean);
  /** Allowed methods. Default GET, HEAD, PUT, PATCH, POST, DELETE. */
  methods?: string[];
  /** Allowed request headers (Last-Event-ID is always added). Default: what the preflight asks. */
  allowHeaders?: string[];
  /** Response headers the browser may read. */
  exposeHeaders?: string[];
  /** Send Access-Control-Allow-Credentials (requires an exact origin). Default false. */
  credentials?: boolean;
  /** Seconds a preflight may be cached. Default 600. */
  maxAge?: number;
}

export function cors(options: CorsOptions = {}): Middleware {
  const methods = (options.methods ?? ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']).join(', ');
  const expose = options.exposeHeaders?.join(', ');
  const maxAge = String(options.maxAge ?? 600);
  const allowed = options.origin ?? '*';
  const allowOrigin = (origin: string): string | undefined => {
    if (allowed === '*') return options.credentials ? origin : '*';
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
      const list = options.allowHeaders ?? (asked ? asked.split(',').map((s) => s.trim()) : []);
      if (!list.some((x) => x.toLowerCase() === 'last-event-id')) list.push('Last-Event-ID');
      h.set('Access-Control-Allow-Headers', list.join(', '));
      h.set('Access-Control-Max-Age', maxAge);
    }
    r.response.status = 204;
    // A preflight is answered here; the route (or the automatic OPTIONS) does not run.
  };
}
