/**
 * `middleware.accessLog()`: one `info` line per request after it finished (opt-in, as in GoFrame),
 * with status, duration and the path; configured query parameters (tokens) are redacted.
 */
import type { Middleware } from '../engine/types.js';

/**
 * Options of {@link accessLog}.
 * @example middleware.accessLog({ redact: ['token', 'sig'] })
 */
export interface AccessLogOptions {
  /** Query parameters whose values are replaced by "[redacted]". Default: token, access_token, api_key, apikey, key, password, secret, signature. */
  redact?: string[];
}

const DEFAULT_REDACT = [
  'token',
  'access_token',
  'api_key',
  'apikey',
  'key',
  'password',
  'secret',
  'signature',
];

/**
 * One `info` line per request after it finished: method, path (token-like query values
 * redacted), status, milliseconds, client IP, and the request id when there is one.
 * @example s.use(middleware.requestId(), middleware.accessLog());
 */
export function accessLog(options: AccessLogOptions = {}): Middleware {
  const redact = new Set((options.redact ?? DEFAULT_REDACT).map((s) => s.toLowerCase()));
  return async (r) => {
    const start = process.hrtime.bigint();
    r.response.whenDone(() => log());
    let logged = false;
    // Runs when the response ends (from the engine or a socket listener): it must never throw.
    const log = (): void => {
      if (logged) return;
      logged = true;
      try {
        r.log.info(
          {
            method: r.method,
            url: redactedUrl(r.path, r.url.search, redact),
            status: r.response.status,
            ms: Number(process.hrtime.bigint() - start) / 1e6,
            ip: r.ip,
          },
          'request',
        );
      } catch {
        // r.log, r.url and r.ip never throw; this is the last guard of a socket listener.
      }
    };
    await r.middleware.next();
  };
}

/** The path and query with the values of sensitive parameters replaced. */
export function redactedUrl(path: string, search: string, redact: ReadonlySet<string>): string {
  if (!search) return path;
  const parts = search
    .slice(1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        /* keep the raw name */
      }
      return redact.has(decoded.toLowerCase()) && eq !== -1 ? `${name}=[redacted]` : pair;
    });
  return `${path}?${parts.join('&')}`;
}
