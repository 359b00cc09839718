/**
 * GoFrame's binding strings: `[METHODS:]path[@domain]`, e.g. `GET,POST:/user/{id}@api.example.com`.
 */
import { SluiceError } from '../errors/index.js';

/** A binding string taken apart. */
export interface ParsedBinding {
  /** Uppercase methods, e.g. `['GET', 'POST']`; `['ALL']` when the pattern has no prefix. */
  methods: string[];
  /** The path pattern, e.g. `/user/{id}` (validated when the route is added). */
  path: string;
  /** Lowercase host without port, or `undefined` for every host. */
  domain: string | undefined;
}

const METHOD = /^[A-Za-z][A-Za-z-]*$/;

/**
 * Splits a binding string into methods, path and domain. The method prefix is everything before
 * the first `:` when the string does not start with `/` (whitespace around the pattern and after
 * the colon is ignored: `'GET: /p'`); the domain is after the last `@` when that part holds no `/`.
 * @throws SluiceError `SLUICE_ROUTE_PATTERN` on an empty or invalid method or domain.
 * @example parseBindPattern('GET,POST:/p@Example.com:8080') // { methods: ['GET','POST'], path: '/p', domain: 'example.com' }
 */
export function parseBindPattern(pattern: string): ParsedBinding {
  let rest = pattern.trim();
  let methods = ['ALL'];
  if (!rest.startsWith('/')) {
    const colon = rest.indexOf(':');
    if (colon === -1) {
      throw new SluiceError(
        'SLUICE_ROUTE_PATTERN',
        `${JSON.stringify(pattern)}: a path pattern must start with "/"`,
      );
    }
    methods = normalizeMethods(rest.slice(0, colon), pattern);
    // GoFrame allows whitespace after the colon: `'GET: /test'`.
    rest = rest.slice(colon + 1).trimStart();
  }
  let domain: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1 && !rest.includes('/', at)) {
    domain = normalizeDomain(rest.slice(at + 1));
    if (domain === undefined) {
      throw new SluiceError(
        'SLUICE_ROUTE_PATTERN',
        `${JSON.stringify(pattern)}: empty domain after "@"`,
      );
    }
    rest = rest.slice(0, at);
  }
  return { methods, path: rest, domain };
}

/**
 * Uppercases and checks a method list such as `get,POST`; duplicates are dropped.
 * @throws SluiceError `SLUICE_ROUTE_PATTERN` on an empty or malformed method.
 */
export function normalizeMethods(list: string, context: string = list): string[] {
  const out: string[] = [];
  for (const item of list.split(',')) {
    const method = item.trim().toUpperCase();
    if (!METHOD.test(method)) {
      throw new SluiceError(
        'SLUICE_ROUTE_PATTERN',
        `${JSON.stringify(context)}: invalid method ${JSON.stringify(item)}`,
      );
    }
    if (!out.includes(method)) out.push(method);
  }
  return out;
}

/** Lowercases a host and drops its port (`Example.COM:8080` -> `example.com`, `[::1]:80` -> `[::1]`). */
export function normalizeHost(host: string): string {
  let end = host.length;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    if (close !== -1) end = close + 1;
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end > 0 && host.charCodeAt(end - 1) === 46 /* trailing dot */) end--;
  return (end === host.length ? host : host.slice(0, end)).toLowerCase();
}

/** A bound domain, normalized like a request host; `undefined` for none or empty. */
export function normalizeDomain(domain: string | undefined): string | undefined {
  if (domain === undefined) return undefined;
  const host = normalizeHost(domain.trim());
  return host === '' ? undefined : host;
}
