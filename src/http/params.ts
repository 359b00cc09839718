/**
 * GoFrame's parameter maps (`gstr.Parse`): query strings and urlencoded bodies become nested
 * fields, the way a Go service ported to Sluice reads them.
 *
 * - `a=1&a=2` -> `a: "2"`: a repeated plain key keeps its LAST value (GoFrame's rule; every
 *   value stays reachable through {@link valuesOf}, i.e. `r.getQueryAll()`/`r.getAll()`);
 * - `a[]=1&a[]=2` -> `a: ["1", "2"]`;
 * - `m[a]=1&m[b]=2` -> `m: { a: "1", b: "2" }`, nested (`m[a][b]=1`), and `m[a][]=1` arrays;
 * - `v[][a]=1&v[][b]=2` -> `v: [{ a: "1", b: "2" }]` (a new object when a key repeats);
 * - a pair without `=`, or whose key is empty or starts with `[`, is dropped (`?age` is absent);
 * - leading spaces of a key are dropped; anything after the first `[...]` groups that is not
 *   another group is ignored (`a[b]c=1` -> `a: { b: "1" }`), as GoFrame does;
 * - a key used as a value, then as a map or list (`v=1&v[a]=2`) is refused: 400
 *   `SLUICE_FORM_INVALID`, as GoFrame refuses it; a plain key after a map or list replaces it;
 * - every object has a null prototype: `__proto__[x]=1` pollutes nothing;
 * - brackets nest at most 32 deep (400 beyond), and at most `maxKeys` pairs (400
 *   `SLUICE_TOO_MANY_FIELDS`).
 */
import { HttpError } from '../errors/index.js';
import { decodeLenient, decodeStrict, DEFAULT_MAX_KEYS } from './urlencoded.js';

/** A parameter value: a string, a list, or a map of values. */
export type ParamValue = string | ParamValue[] | ParamMap;
/** A map of parameter values (null prototype). */
export interface ParamMap {
  [key: string]: ParamValue;
}

/** Options of {@link parseParamPairs}. */
export interface ParamPairsOptions {
  /** Most pairs (default 1000); more throws 400 `SLUICE_TOO_MANY_FIELDS`. */
  maxKeys?: number;
  /** A malformed escape throws 400 (bodies) instead of being kept as sent (queries). */
  strict?: boolean;
}

const MAX_DEPTH = 32;

/**
 * Splits a query string (a leading `?` is skipped) or a form body into decoded `[key, value]`
 * pairs, in order, dropping pairs without `=` and pairs with an empty key.
 * @example parseParamPairs('a=1&b&c=2') // [['a', '1'], ['c', '2']]
 */
export function parseParamPairs(
  text: string,
  options: ParamPairsOptions = {},
): Array<[string, string]> {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const decode = options.strict ? decodeStrict : decodeLenient;
  const s = text.charCodeAt(0) === 0x3f ? text.slice(1) : text;
  const out: Array<[string, string]> = [];
  let start = 0;
  let count = 0;
  const n = s.length;
  while (start <= n) {
    let end = s.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      if (++count > maxKeys) {
        throw HttpError.fromCode('SLUICE_TOO_MANY_FIELDS', `more than ${maxKeys} fields`);
      }
      const eq = s.indexOf('=', start);
      if (eq > start && eq < end) {
        const key = decode(s.slice(start, eq)).replace(/^ +/, '');
        if (key !== '' && key[0] !== '[') out.push([key, decode(s.slice(eq + 1, end))]);
      }
    }
    start = end + 1;
  }
  return out;
}

/**
 * Builds GoFrame's nested map from pairs (see the module comment for the rules).
 * @example buildParams([['a[]', '1'], ['a[]', '2'], ['m[x]', '3'], ['k', '1'], ['k', '2']]) // { a: ['1','2'], m: { x: '3' }, k: '2' }
 */
export function buildParams(pairs: ReadonlyArray<readonly [string, string]>): ParamMap {
  const out = Object.create(null) as ParamMap;
  for (const [key, value] of pairs) setParam(out, key, value);
  return out;
}

/**
 * Sets one pair into a map by GoFrame's rules (`a[b][]` and so on).
 * @example const m = buildParams([]); setParam(m, 'a[b]', '1') // m = { a: { b: '1' } }
 */
export function setParam(target: ParamMap, key: string, value: ParamValue): void {
  build(target, splitKey(key), value, key);
}

/**
 * Every value sent for `key`, in order: the pairs named exactly `key` or `key[]`.
 * @example valuesOf([['a', '1'], ['a', '2'], ['b', '3']], 'a') // ['1', '2']
 */
export function valuesOf(pairs: ReadonlyArray<readonly [string, string]>, key: string): string[] {
  const list = key + '[]';
  const out: string[] = [];
  for (const [k, v] of pairs) if (k === key || k === list) out.push(v);
  return out;
}

/** `a[b][]` -> `['a', 'b', '']`; a key without groups is itself. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const keys = [key.slice(0, open)];
  let i = open;
  while (i < key.length && key[i] === '[') {
    const close = key.indexOf(']', i);
    if (close === -1) break;
    keys.push(key.slice(i + 1, close));
    if (keys.length > MAX_DEPTH + 1) {
      throw HttpError.fromCode(
        'SLUICE_FORM_INVALID',
        `field "${key.slice(0, 64)}" nests deeper than ${MAX_DEPTH}`,
      );
    }
    i = close + 1;
  }
  // `a[b` (no closing bracket) is a plain key, as GoFrame reads it.
  return keys.length === 1 ? [key] : keys;
}

function build(target: ParamMap, keys: string[], value: ParamValue, raw: string): void {
  const key = keys[0]!.replace(/^['"]+|['"]+$/g, '');
  if (keys.length === 1) {
    // A plain key replaces whatever the key held (GoFrame: `v[a]=1&v=2` gives `v: "2"`).
    target[key] = value;
    return;
  }
  const next = keys[1]!;
  if (next === '') {
    // A list: `a[]` appends, `a[][k]` fills the last object (a new one when `k` is taken).
    if (key === '') return;
    const prev = target[key];
    if (prev !== undefined && !Array.isArray(prev)) conflict(raw);
    const list = prev ?? [];
    target[key] = list;
    if (keys.length === 2) {
      list.push(value);
      return;
    }
    const last = list[list.length - 1];
    const sub = keys[2]!;
    if (isMap(last) && !(sub in last) && sub !== '') {
      build(last, keys.slice(2), value, raw);
      return;
    }
    const child = Object.create(null) as ParamMap;
    build(child, keys.slice(2), value, raw);
    list.push(child);
    return;
  }
  const prev = target[key];
  if (prev !== undefined && !isMap(prev)) conflict(raw);
  const child = prev ?? (Object.create(null) as ParamMap);
  target[key] = child;
  build(child, keys.slice(1), value, raw);
}

function isMap(v: ParamValue | undefined): v is ParamMap {
  return v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

function conflict(key: string): never {
  throw HttpError.fromCode(
    'SLUICE_FORM_INVALID',
    `field "${key.slice(0, 64)}" is used both as a value and as a list or map`,
  );
}
