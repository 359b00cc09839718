/**
 * Matching one compiled pattern against a request path, by index arithmetic on the raw string:
 * no regular expressions, no splitting, and captures kept as offsets until a route wins.
 */
import type { CompiledPattern, TemplatePart } from './pattern.js';

/** Route parameters: an object with no prototype, so `__proto__` is just a key. */
export type Params = Record<string, string>;

// `new` on a function whose prototype has no prototype: as fast as `{}`, with nothing inherited.
const ParamsObject = function ParamsObject() {} as unknown as new () => Params;
ParamsObject.prototype = Object.create(null) as object;

/** A fresh, empty, prototype-less params object. */
export function createParams(): Params {
  return new ParamsObject();
}

/**
 * Strips one trailing slash (`/a/` is `/a`; `/` stays). The request path is matched raw,
 * without decoding and without a query string.
 */
export function normalizePath(path: string): string {
  const last = path.length - 1;
  return last > 0 && path.charCodeAt(last) === 47 ? path.slice(0, last) : path;
}

/** Number of segments in a normalized path: `/` has 0, `/a/b` has 2. */
export function countSegments(path: string): number {
  if (path.length === 1) return 0;
  let n = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) n++;
  return n;
}

/** Percent-decodes a parameter value; a malformed escape leaves the raw text. */
export function decodeParam(value: string): string {
  if (value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Tests `pattern` against a normalized `path` of `n` segments. On success, `caps` holds a
 * `[start, end)` pair per parameter (in `pattern.names` order) and the result is true.
 */
export function matchPattern(
  pattern: CompiledPattern,
  path: string,
  n: number,
  caps: number[],
): boolean {
  const segments = pattern.segments;
  let fixed = segments.length;
  if (pattern.wildcard) {
    fixed--;
    if (n < fixed) return false;
  } else if (n !== fixed) return false;
  // One comparison settles the leading literal segments (the segment count is already right).
  const prefix = pattern.prefix;
  let i = pattern.prefixSegments;
  let c = 0;
  if (!path.startsWith(prefix)) {
    // `/file/*path` also matches `/file` itself, which lacks the prefix's last slash.
    if (
      i !== fixed ||
      !pattern.wildcard ||
      path.length !== prefix.length - 1 ||
      !prefix.startsWith(path)
    ) {
      return false;
    }
    caps[0] = caps[1] = path.length;
    return true;
  }
  let pos = prefix.length;
  for (; i < fixed; i++) {
    let end = path.indexOf('/', pos);
    if (end === -1) end = path.length;
    const seg = segments[i]!;
    if (seg.kind === 'param') {
      if (end === pos) return false;
      caps[c++] = pos;
      caps[c++] = end;
    } else if (seg.kind === 'literal') {
      if (end - pos !== seg.text.length || !path.startsWith(seg.text, pos)) return false;
    } else {
      c = matchTemplate(seg.parts, 0, path, pos, end, caps, c);
      if (c < 0) return false;
    }
    pos = end + 1;
  }
  if (pattern.wildcard) {
    // `/file/*path` also matches `/file` itself, with an empty rest.
    caps[c++] = n === fixed ? path.length : pos;
    caps[c] = path.length;
  }
  return true;
}

/**
 * Matches template parts within `[from, end)` as the regular expression GoFrame builds would
 * (each parameter greedy and non-empty), backtracking over the literal that follows it.
 * Returns the next capture index, or -1.
 */
function matchTemplate(
  parts: readonly TemplatePart[],
  i: number,
  path: string,
  from: number,
  end: number,
  caps: number[],
  c: number,
): number {
  if (i === parts.length) return from === end ? c : -1;
  const part = parts[i]!;
  if ('literal' in part) {
    const lit = part.literal;
    if (end - from < lit.length || !path.startsWith(lit, from)) return -1;
    return matchTemplate(parts, i + 1, path, from + lit.length, end, caps, c);
  }
  if (i === parts.length - 1) {
    if (end <= from) return -1;
    caps[c] = from;
    caps[c + 1] = end;
    return c + 2;
  }
  // The next part is literal (parameters are never adjacent): try its rightmost place first.
  const next = (parts[i + 1] as { literal: string }).literal;
  let at = path.lastIndexOf(next, end - next.length);
  while (at > from) {
    const r = matchTemplate(parts, i + 1, path, at, end, caps, c + 2);
    if (r >= 0) {
      caps[c] = from;
      caps[c + 1] = at;
      return r;
    }
    at = path.lastIndexOf(next, at - 1);
  }
  return -1;
}

/** Builds the params object from the offsets `matchPattern` left in `caps`, decoding each. */
export function paramsFromCaptures(
  names: readonly string[],
  path: string,
  caps: readonly number[],
): Params {
  const params = new ParamsObject();
  for (let i = 0; i < names.length; i++) {
    params[names[i]!] = decodeParam(path.slice(caps[2 * i]!, caps[2 * i + 1]!));
  }
  return params;
}
