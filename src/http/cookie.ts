/**
 * `Set-Cookie` serialisation and `Cookie` header parsing (RFC 6265, with the SameSite and
 * Partitioned attributes browsers ship).
 */
import { parseCookie } from 'cookie';
import { SluiceError } from '../errors/index.js';

/** Attributes of a `Set-Cookie`. Every one is left out unless given. */
export interface CookieOptions {
  /** Seconds until the cookie expires (an integer); `0` or less deletes it (`Max-Age=0`). */
  maxAge?: number;
  /** Absolute expiry; sent as an HTTP date. Prefer `maxAge`; both may be given. */
  expires?: Date;
  /** `Path`; any characters but controls and `;`. */
  path?: string;
  /** `Domain`; a host name, optionally with a leading dot. */
  domain?: string;
  /** `Secure`; required by `sameSite: 'None'`, `partitioned` and `__Secure-`/`__Host-` names. */
  secure?: boolean;
  /** `HttpOnly`: hidden from page scripts. */
  httpOnly?: boolean;
  /** `SameSite`, exactly `'Strict'`, `'Lax'` or `'None'`. */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** `Partitioned` (CHIPS): the cookie is keyed to the top-level site. Needs `secure`. */
  partitioned?: boolean;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const URI_SAFE = /^[A-Za-z0-9!'()*._~-]*$/;
// RFC 6265 §4.1.1 path-value: <any CHAR except CTLs or ";">.
const PATH_VALUE = /^[\x20-\x3a\x3c-\x7e]*$/;
const DOMAIN_VALUE =
  /^\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Builds one `Set-Cookie` value.
 *
 * The name must be an RFC 9110 token. The value is always `encodeURIComponent`-encoded (its
 * output is a subset of RFC 6265 cookie-octets), and {@link parseCookieHeader} decodes it, so
 * any string round-trips; characters that need no encoding are sent as they are. This is what
 * Express's `res.cookie` and the `cookie` package do.
 *
 * Throws `SluiceError` `SLUICE_CONFIG` (a programming error, raised before anything is sent) for
 * an invalid name, a value with lone surrogates, a non-integer `maxAge`, an invalid `expires`,
 * a `path` or `domain` with characters they cannot hold, an unknown `sameSite`, `sameSite:
 * 'None'` or `partitioned` without `secure` (browsers drop such cookies silently), a
 * `__Secure-` name without `secure`, or a `__Host-` name without `secure`, with a `domain`,
 * or with a `path` other than `/`.
 *
 * @example serializeCookie('sid', 'a b', { httpOnly: true, sameSite: 'Lax', path: '/' }) // "sid=a%20b; Path=/; HttpOnly; SameSite=Lax"
 */
export function serializeCookie(name: string, value: string, opts: CookieOptions = {}): string {
  if (!TOKEN.test(name)) invalid(`cookie name ${JSON.stringify(name)} is not a token`);
  let encoded: string;
  if (URI_SAFE.test(value)) encoded = value;
  else {
    try {
      encoded = encodeURIComponent(value);
    } catch {
      invalid(`cookie ${name}: the value holds a lone surrogate`);
    }
  }
  let out = `${name}=${encoded}`;

  if (opts.maxAge !== undefined) {
    if (!Number.isSafeInteger(opts.maxAge)) {
      invalid(`cookie ${name}: maxAge must be an integer number of seconds`);
    }
    out += `; Max-Age=${Math.max(0, opts.maxAge)}`;
  }
  if (opts.domain !== undefined) {
    if (!DOMAIN_VALUE.test(opts.domain))
      invalid(`cookie ${name}: domain ${JSON.stringify(opts.domain)} is not a host name`);
    out += `; Domain=${opts.domain}`;
  }
  if (opts.path !== undefined) {
    if (!PATH_VALUE.test(opts.path))
      invalid(`cookie ${name}: path holds a control character or ";"`);
    out += `; Path=${opts.path}`;
  }
  if (opts.expires !== undefined) {
    if (!(opts.expires instanceof Date) || Number.isNaN(opts.expires.getTime())) {
      invalid(`cookie ${name}: expires must be a valid Date`);
    }
    out += `; Expires=${opts.expires.toUTCString()}`;
  }
  if (opts.httpOnly) out += '; HttpOnly';
  if (opts.secure) out += '; Secure';
  if (opts.partitioned) {
    if (!opts.secure) invalid(`cookie ${name}: partitioned needs secure: true`);
    out += '; Partitioned';
  }
  if (opts.sameSite !== undefined) {
    if (opts.sameSite !== 'Strict' && opts.sameSite !== 'Lax' && opts.sameSite !== 'None') {
      invalid(`cookie ${name}: sameSite must be 'Strict', 'Lax' or 'None'`);
    }
    if (opts.sameSite === 'None' && !opts.secure) {
      invalid(`cookie ${name}: sameSite 'None' needs secure: true`);
    }
    out += `; SameSite=${opts.sameSite}`;
  }
  if (name.startsWith('__Secure-') && !opts.secure) {
    invalid(`cookie ${name}: a __Secure- name needs secure: true`);
  }
  if (
    name.startsWith('__Host-') &&
    (!opts.secure || opts.domain !== undefined || opts.path !== '/')
  ) {
    invalid(`cookie ${name}: a __Host- name needs secure: true, path: '/' and no domain`);
  }
  return out;
}

/**
 * Parses a `Cookie` request header into a map with no inherited keys.
 *
 * The `cookie` package (v1) does the scan (measured 2x faster than the parser this replaced:
 * `bench/micro/parsers.ts`); Sluice keeps its own rules on top: a value wrapped in double quotes
 * is unwrapped (RFC 6265's `DQUOTE *cookie-octet DQUOTE`), and a pair with an empty name is
 * dropped. Pairs split on `;`; spaces and tabs around names and values are trimmed; pairs
 * without `=` are skipped; the first occurrence of a name wins (browsers send the most specific
 * path first); values are decoded leniently (`decodeURIComponent` when it succeeds, the raw value
 * otherwise). `undefined` or `""` gives an empty map. The map's prototype has no keys of its
 * own, so `__proto__` and `constructor` are ordinary cookie names.
 * @example parseCookieHeader('sid=a%20b; theme="dark"; sid=old') // { sid: 'a b', theme: 'dark' }
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  if (!header) return Object.create(null) as Record<string, string>;
  const out = parseCookie(header, DECODE) as Record<string, string>;
  if (out[''] !== undefined) delete out[''];
  return out;
}

const DECODE = { decode: decodeCookieValue };

function decodeCookieValue(raw: string): string {
  const value =
    raw.length >= 2 && raw.charCodeAt(0) === 0x22 && raw.charCodeAt(raw.length - 1) === 0x22
      ? raw.slice(1, -1)
      : raw;
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function invalid(detail: string): never {
  throw new SluiceError('SLUICE_CONFIG', detail);
}
