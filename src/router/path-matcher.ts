/**
 * A single pattern as a predicate, for `bindMiddleware(pattern)` and hooks: the same syntax and
 * matching rules as routes, without priority (every matching middleware runs).
 */
import { normalizeDomain, normalizeHost } from './bind-pattern.js';
import { countSegments, createParams, matchPattern, normalizePath } from './match-pattern.js';
import { createParamsConstructor } from './params-constructor.js';
import { compilePattern } from './pattern.js';

/**
 * Compiles `path` (and an optional domain) into a function that returns the params when a
 * request matches, or null.
 * @throws SluiceError `SLUICE_ROUTE_PATTERN` for a malformed pattern.
 * @example
 * const m = createPathMatcher('/api/*rest');
 * m('example.com', '/api/users/1'); // { rest: 'users/1' }
 * m('example.com', '/health');      // null
 */
export function createPathMatcher(
  path: string,
  domain?: string,
): (host: string | undefined, path: string) => Record<string, string> | null {
  const compiled = compilePattern(path);
  const bound = normalizeDomain(domain);
  const caps: number[] = [];
  const Params = createParamsConstructor(compiled.names);
  return (host, requestPath) => {
    if (bound !== undefined && (host === undefined || normalizeHost(host) !== bound)) return null;
    if (requestPath.charCodeAt(0) !== 47 /* / */) return null;
    const normalized = normalizePath(requestPath);
    if (compiled.isStatic) return normalized === compiled.path ? createParams() : null;
    const n = countSegments(normalized);
    if (!matchPattern(compiled, normalized, n, caps)) return null;
    return new Params(normalized, caps);
  };
}
