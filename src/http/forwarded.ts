/**
 * Who the client is and which scheme it used, from the peer address and the proxy headers.
 * Proxy headers are believed only with `trustProxy`. Which hops are trusted is
 * `@fastify/proxy-addr`'s job (Express's `proxy-addr`: CIDR lists, `loopback`, `linklocal`,
 * `uniquelocal`, hop counts); the RFC 7239 `Forwarded` header, which it does not read, is turned
 * into the same address list here when `X-Forwarded-For` is absent. Pure functions of header
 * values, so every transport shares them.
 */
import proxyaddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../config.js';
import { SluiceError } from '../errors/index.js';

export type { TrustProxy };

type HeaderValue = string | string[] | undefined;

/** A compiled trust decision: is the address `hop` steps from the server a trusted proxy? */
export type TrustFn = (addr: string, hop: number) => boolean;

const TRUST_ALL: TrustFn = () => true;
// Compiled once per configured value (a server has one; the maps stay tiny).
const byObject = new WeakMap<object, TrustFn>();
const byValue = new Map<string | number, TrustFn>();

/**
 * Compiles a `trustProxy` value once; `undefined` for `false` (nothing trusted). Throws
 * `SLUICE_CONFIG` for an address or range that does not parse (`setConfig` calls it, so a typo
 * fails at start, not on the first request).
 * @example compileTrust('loopback, 10.0.0.0/8')('10.1.2.3', 1) // true
 */
export function compileTrust(trust: TrustProxy): TrustFn | undefined {
  if (trust === false || trust === 0) return undefined;
  if (trust === true) return TRUST_ALL;
  if (typeof trust === 'function') return trust;
  if (typeof trust === 'object') {
    let fn = byObject.get(trust);
    if (!fn) byObject.set(trust, (fn = compileList(trust)));
    return fn;
  }
  let fn = byValue.get(trust);
  if (!fn) {
    if (typeof trust === 'number') {
      if (!Number.isInteger(trust) || trust < 0) {
        throw new SluiceError('SLUICE_CONFIG', `trustProxy: a hop count must be an integer`);
      }
      const hops = trust;
      fn = (_addr, hop) => hop < hops;
    } else fn = compileList(trust.split(',').map((s) => s.trim()));
    if (byValue.size > 64) byValue.clear();
    byValue.set(trust, fn);
  }
  return fn;
}

function compileList(list: readonly string[]): TrustFn {
  try {
    return proxyaddr.compile([...list]);
  } catch (err) {
    throw new SluiceError('SLUICE_CONFIG', `trustProxy: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * The client's address: the peer's, or with `trustProxy` the first address, walking from the
 * server outwards through `X-Forwarded-For` (or `Forwarded: for=`), that is not a trusted proxy.
 * @example clientIp('10.0.0.2', '203.0.113.7, 198.51.100.1', 1) // '198.51.100.1': one proxy, the peer
 */
export function clientIp(
  peer: string,
  forwardedFor: HeaderValue,
  trustProxy: TrustProxy,
  forwarded?: HeaderValue,
): string {
  const trust = compileTrust(trustProxy);
  if (!trust) return peer;
  let xff = joined(forwardedFor);
  if (xff === undefined) {
    const list = forwardedFor === undefined ? forwardedFors(joined(forwarded)) : undefined;
    if (!list) return peer;
    xff = list;
  }
  return proxyaddr(
    { socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': xff } } as never,
    trust,
  );
}

/**
 * The scheme the client used: `https` on TLS; with `trustProxy` and a trusted peer, what the
 * proxy said in `X-Forwarded-Proto` (or `Forwarded: proto=`): with a hop count N, the entry the
 * N-th proxy vouches for, otherwise the client-most one; else `http`.
 * @example requestScheme(false, 'https', true, '127.0.0.1') // 'https' behind a TLS-terminating proxy
 */
export function requestScheme(
  encrypted: boolean,
  forwardedProto: HeaderValue,
  trustProxy: TrustProxy,
  peer = '',
  forwarded?: HeaderValue,
): 'http' | 'https' {
  if (encrypted) return 'https';
  const trust = compileTrust(trustProxy);
  if (!trust || !trust(peer, 0)) return 'http';
  let list = entries(forwardedProto);
  if (list.length === 0 && forwardedProto === undefined)
    list = forwardedParam(joined(forwarded), 'proto');
  if (list.length === 0) return 'http';
  const at = typeof trustProxy === 'number' ? Math.max(0, list.length - trustProxy) : 0;
  return list[at]?.toLowerCase() === 'https' ? 'https' : 'http';
}

function joined(header: HeaderValue): string | undefined {
  if (header === undefined) return undefined;
  return Array.isArray(header) ? header.join(',') : header;
}

/** The comma-separated entries of a header, trimmed. */
function entries(header: HeaderValue): string[] {
  const v = joined(header);
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * `Forwarded: for=…` as an `X-Forwarded-For` list (RFC 7239): one address per element, brackets
 * and ports removed. An element with no `for` becomes `unknown`; an obfuscated one (`_hidden`)
 * stays as it is. Neither is an address, so no trust list matches it: the walk stops there and
 * `r.ip` is that identifier, which is what the proxy knows.
 */
function forwardedFors(header: string | undefined): string | undefined {
  const list = forwardedParam(header, 'for');
  return list.length === 0 ? undefined : list.map(nodeAddress).join(', ');
}

/** One parameter of every element of a `Forwarded` header (`unknown` where an element lacks it). */
function forwardedParam(header: string | undefined, name: 'for' | 'proto'): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const element of splitOutsideQuotes(header, ',')) {
    let value = 'unknown';
    for (const pair of splitOutsideQuotes(element, ';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== name) continue;
      value = unquote(pair.slice(eq + 1).trim());
      break;
    }
    out.push(value);
  }
  return out;
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) i++;
    else if (c === sep && !quoted) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"')
    ? v.slice(1, -1).replace(/\\(.)/g, '$1')
    : v;
}

/** `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.60:4711` → `192.0.2.60`. */
function nodeAddress(v: string): string {
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    return end > 0 ? v.slice(1, end) : 'unknown';
  }
  const colon = v.indexOf(':');
  return colon >= 0 && v.indexOf(':', colon + 1) < 0 ? v.slice(0, colon) : v;
}
