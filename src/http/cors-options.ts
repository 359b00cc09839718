/**
 * GoFrame's `CORSOptions` and `DefaultCORSOptions()`, as pure functions over the request's
 * headers: what `r.response.cors(options)` and `r.response.corsDefault()` set.
 */

/** GoFrame's `CORSOptions` (every field optional; an empty one sets no header). */
export interface ResponseCorsOptions {
  /** Origins allowed by host (`example.com` allows it and its subdomains); none: every origin. */
  allowDomain?: string[];
  /** Access-Control-Allow-Origin. */
  allowOrigin?: string;
  /** Access-Control-Allow-Credentials (`'true'`). */
  allowCredentials?: string;
  /** Access-Control-Expose-Headers. */
  exposeHeaders?: string;
  /** Access-Control-Max-Age (seconds). */
  maxAge?: number;
  /** Access-Control-Allow-Methods. */
  allowMethods?: string;
  /** Access-Control-Allow-Headers. */
  allowHeaders?: string;
}

/** GoFrame's default allowed request headers. */
export const GOFRAME_ALLOW_HEADERS =
  'Origin,Content-Type,Accept,User-Agent,Cookie,Authorization,X-Auth-Token,X-Requested-With';

/** GoFrame's `supportedHttpMethods`. */
export const GOFRAME_ALLOW_METHODS = 'GET,PUT,POST,DELETE,PATCH,HEAD,CONNECT,OPTIONS,TRACE';

/**
 * GoFrame's `DefaultCORSOptions()`: every origin (the request's Origin, else its Referer's
 * origin, else `*`), credentials allowed, GoFrame's header list plus every header the preflight
 * asks, a max age of 42 days. Permissive on purpose: it is GoFrame's opt-in default.
 * @example defaultCorsOptions((h) => req.headers[h]) // { allowOrigin: 'https://app.example', ... }
 */
export function defaultCorsOptions(
  header: (name: string) => string | undefined,
): ResponseCorsOptions {
  let allowHeaders = GOFRAME_ALLOW_HEADERS;
  const known = new Set(GOFRAME_ALLOW_HEADERS.split(','));
  const asked = header('access-control-request-headers');
  if (asked) {
    for (const h of asked.split(',').map((s) => s.trim())) {
      if (h !== '' && !known.has(h)) allowHeaders += ',' + h;
    }
  }
  let allowOrigin = '*';
  const origin = header('origin');
  const referer = header('referer');
  if (origin) allowOrigin = origin;
  else if (referer) {
    try {
      const u = new URL(referer);
      allowOrigin = `${u.protocol}//${u.host}`;
    } catch {
      allowOrigin = referer;
    }
  }
  return {
    allowOrigin,
    allowMethods: GOFRAME_ALLOW_METHODS,
    allowCredentials: 'true',
    allowHeaders,
    maxAge: 3628800,
  };
}

/**
 * Whether the request's Origin is allowed by `allowDomain` (a host or one of its subdomains);
 * true without a list or without an Origin.
 * @example corsOriginAllowed({ allowDomain: ['example.com'] }, 'https://app.example.com') // true
 */
export function corsOriginAllowed(
  options: ResponseCorsOptions,
  origin: string | undefined,
): boolean {
  if (!options.allowDomain || !origin) return true;
  let host: string;
  try {
    host = new URL(origin).hostname.toLowerCase();
  } catch {
    return false;
  }
  return options.allowDomain.some((d) => {
    const domain = d.toLowerCase().replace(/^\*?\./, '');
    return host === domain || host.endsWith('.' + domain);
  });
}
