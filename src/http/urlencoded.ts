/**
 * `application/x-www-form-urlencoded` bodies and query strings (WHATWG URL, "urlencoded parsing").
 */
import { HttpError } from '../errors/index.js';

/** Parsed fields: a key seen once maps to a string, a repeated key to an array in order. */
export type UrlEncodedFields = Record<string, string | string[]>;

/** Limits for {@link parseUrlEncoded} and {@link parseQuery}. */
export interface UrlEncodedLimits {
  /** Most `key=value` pairs accepted, repeats counted (empty pairs are not). Default 1000. */
  maxKeys?: number;
}

/** Default for {@link UrlEncodedLimits.maxKeys}. */
export const DEFAULT_MAX_KEYS = 1000;

const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Parses a form body strictly.
 *
 * - pairs split on `&`; empty pairs are skipped; a pair without `=` has the value `""`;
 * - `+` is a space, then `%XX` escapes are decoded as UTF-8; a malformed escape (`%zz`, `%4`)
 *   or bytes that are not UTF-8 (`%ff`) throw `HttpError` 400 `SLUICE_FORM_INVALID`;
 * - a repeated key becomes an array of its values, in order;
 * - keys are literal: `a[]=1&a[]=2` gives `{ "a[]": ["1", "2"] }` and `a[b]=1` gives
 *   `{ "a[b]": "1" }`; there is no nesting (qs-style nesting is how prototype pollution and
 *   deep-object attacks usually get in);
 * - the result has a null prototype, so `__proto__=x` is an ordinary own key and pollutes nothing;
 * - more than `maxKeys` (default 1000) pairs throw `HttpError` 400 `SLUICE_TOO_MANY_FIELDS`.
 *   400 rather than 413: the body already fits the byte limit, and the same code serves query
 *   strings, where 413 would be wrong.
 *
 * @example parseUrlEncoded('name=J%C3%BCrgen+X&tag=a&tag=b') // { name: 'Jürgen X', tag: ['a', 'b'] }
 */
export function parseUrlEncoded(text: string, limits?: UrlEncodedLimits): UrlEncodedFields {
  return parse(text, limits?.maxKeys ?? DEFAULT_MAX_KEYS, decodeStrict);
}

/**
 * Parses a query string (a leading `?` is ignored) with the rules of {@link parseUrlEncoded},
 * except that it is lenient on escapes: each run of `%XX` escapes that is valid UTF-8 is
 * decoded and anything else is kept as it was sent (`%zz` stays `%zz`), as browsers and
 * `URLSearchParams`-era servers tolerate hand-written links. Over `maxKeys` still throws.
 * @example parseQuery('?q=a+b&bad=%zz') // { q: 'a b', bad: '%zz' }
 */
export function parseQuery(search: string, limits?: UrlEncodedLimits): UrlEncodedFields {
  const text = search.charCodeAt(0) === 0x3f ? search.slice(1) : search;
  return parse(text, limits?.maxKeys ?? DEFAULT_MAX_KEYS, decodeLenient);
}

function parse(text: string, maxKeys: number, decode: (s: string) => string): UrlEncodedFields {
  const out = Object.create(null) as UrlEncodedFields;
  let count = 0;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      if (++count > maxKeys) {
        throw HttpError.fromCode('SLUICE_TOO_MANY_FIELDS', `more than ${maxKeys} fields`);
      }
      const eq = text.indexOf('=', start);
      const hasValue = eq >= 0 && eq < end;
      const key = decode(text.slice(start, hasValue ? eq : end));
      const value = hasValue ? decode(text.slice(eq + 1, end)) : '';
      const prev = out[key];
      if (prev === undefined) out[key] = value;
      else if (typeof prev === 'string') out[key] = [prev, value];
      else prev.push(value);
    }
    start = end + 1;
  }
  return out;
}

function plusToSpace(s: string): string {
  return s.includes('+') ? s.replaceAll('+', ' ') : s;
}

/**
 * Decodes one urlencoded component (`+` as space); a malformed percent-escape is a 400
 * (`SLUICE_FORM_INVALID`). Bodies are decoded this way.
 * @example decodeStrict('a+b%21') // 'a b!'
 */
export function decodeStrict(raw: string): string {
  const s = plusToSpace(raw);
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw HttpError.fromCode('SLUICE_FORM_INVALID', 'a field holds a malformed percent-escape');
  }
}

/**
 * Decodes one urlencoded component (`+` as space), keeping a malformed percent-escape as it is
 * (as browsers and Go do for query strings).
 * @example decodeLenient('100%') // '100%'
 */
export function decodeLenient(raw: string): string {
  const s = plusToSpace(raw);
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(ESCAPE_RUN, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}
