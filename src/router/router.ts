/**
 * The router: GoFrame's patterns and priority, plus 405 / automatic OPTIONS / HEAD-as-GET.
 *
 * A request is matched against the routes bound to its host first (a domain-bound route beats
 * a domain-less one), then against the domain-less routes. Within a table the best pattern wins
 * (see `comparePriority`), and among patterns of equal priority a route for the exact method
 * beats GET serving HEAD, which beats ALL. A path no pattern matches is a 404 straight from the
 * lookup; only a path matched for other methods pays for collecting them (405, OPTIONS).
 */
import { SluiceError } from '../errors/index.js';
import { normalizeDomain, normalizeHost, normalizeMethods } from './bind-pattern.js';
import { normalizePath } from './match-pattern.js';
import { compilePattern } from './pattern.js';
import { RouteTable, type RouteRecord } from './route-table.js';

/** The outcome of `Router.match`. */
export type RouteMatch<T> =
  /** A route serves the request; `pattern` is the path it was bound with. */
  | { kind: 'found'; value: T; params: Record<string, string>; pattern: string }
  /** The path exists under other methods only: answer 405 with `Allow`. */
  | { kind: 'method-not-allowed'; allow: string[] }
  /** OPTIONS with no OPTIONS or ALL route, but the path exists: answer 204 with `Allow`. */
  | { kind: 'options'; allow: string[] }
  | { kind: 'not-found' };

const NOT_FOUND: RouteMatch<never> = Object.freeze({ kind: 'not-found' });

/**
 * Routes requests to values (handlers) by method, host and path.
 * @example
 * const router = new Router<string>();
 * router.add('GET', '/user/{id}', 'user');
 * router.match('GET', 'example.com', '/user/42'); // { kind: 'found', value: 'user', params: { id: '42' }, pattern: '/user/{id}' }
 */
export class Router<T> {
  private readonly anyDomain = new RouteTable<T>();
  private readonly byDomain = new Map<string, RouteTable<T>>();
  private readonly records: RouteRecord<T>[] = [];
  /** `domain + shape` -> methods already bound, to refuse duplicates. */
  private readonly bound = new Map<string, Set<string>>();

  /**
   * Binds `value` to `method` (`'GET'`, `'ALL'`, or a list `'GET,POST'`) and a path pattern,
   * optionally for one host only (case-insensitive, port ignored).
   * @throws SluiceError `SLUICE_ROUTE_PATTERN` for a malformed pattern or method,
   *   `SLUICE_ROUTE_DUPLICATE` when the same method, pattern shape and domain are already bound.
   */
  add(method: string, path: string, value: T, domain?: string): void {
    const methods = normalizeMethods(method);
    const compiled = compilePattern(path);
    const host = normalizeDomain(domain);
    const key = `${host ?? ''} ${compiled.shape}`;
    let taken = this.bound.get(key);
    for (const m of methods) {
      if (taken?.has(m)) {
        const where = host === undefined ? '' : `@${host}`;
        throw new SluiceError('SLUICE_ROUTE_DUPLICATE', `${m}:${path}${where}`);
      }
    }
    if (taken === undefined) this.bound.set(key, (taken = new Set()));
    let table = this.anyDomain;
    if (host !== undefined) {
      table = this.byDomain.get(host) ?? new RouteTable<T>();
      this.byDomain.set(host, table);
    }
    for (const m of methods) {
      taken.add(m);
      const record: RouteRecord<T> = { method: m, path, domain: host, value };
      this.records.push(record);
      table.add(compiled, record);
    }
  }

  /**
   * Finds the route for a request. `method` is uppercase (as Node gives it), `host` the Host
   * header (or undefined), `path` the raw pathname without the query string.
   */
  match(method: string, host: string | undefined, path: string): RouteMatch<T> {
    if (path.charCodeAt(0) !== 47 /* / */) return NOT_FOUND;
    path = normalizePath(path);
    let domainTable: RouteTable<T> | undefined;
    if (host !== undefined && this.byDomain.size > 0)
      domainTable = this.byDomain.get(normalizeHost(host));
    const domainHit = domainTable?.lookup(method, path);
    if (domainHit) return domainHit;
    const hit = this.anyDomain.lookup(method, path);
    if (hit) return hit;
    // Both tables saw every pattern matching the path: none means 404, without a second walk.
    if (hit === undefined && domainHit !== null) return NOT_FOUND;

    const methods = this.anyDomain.collectMethods(path, domainTable?.collectMethods(path));
    if (methods === undefined) return NOT_FOUND;
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    const allow = [...methods].sort();
    return method === 'OPTIONS'
      ? { kind: 'options', allow }
      : { kind: 'method-not-allowed', allow };
  }

  /** Every bound route, one row per method, in binding order. */
  routes(): Array<{ method: string; path: string; domain?: string; value: T }> {
    return this.records.map((r) =>
      r.domain === undefined
        ? { method: r.method, path: r.path, value: r.value }
        : { method: r.method, path: r.path, domain: r.domain, value: r.value },
    );
  }
}
