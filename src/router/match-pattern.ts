/**
 * Matching one compiled pattern against a request path, by index arithmetic on the raw string:
 * no regular expressions, no splitting, and captures kept as offsets until a route wins. The
 * router's per-request walk is `segment-trie.ts` (which shares `matchTemplate`); `matchPattern`
 * serves single-pattern matchers (`path-matcher.ts`) and settles static paths at build time.
 */
import type { CompiledPattern, TemplatePart } from './pattern.js';

/** Route parameters: an object with no prototype, so `__proto__` is just a key. */
export type Params = Record<string, string>;

/** The prototype of every params object: empty, with no prototype of its own. */
export const PARAMS_PROTOTYPE = Object.create(null) as object;

// `new` on a function whose prototype has no prototype: as fast as `{}`, with nothing inherited.
const ParamsObject = function ParamsObject() {} as unknown as new () => Params;
ParamsObject.prototype = PARAMS_PROTOTYPE;

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

/**
 * Collapses runs of slashes into one (`//api//test//` -> `/api/test/`), as GoFrame does before
 * matching.
 * @example collapseSlashes('//api//test') // '/api/test'
 */
export function collapseSlashes(path: string): string {
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
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
      c = matchTemplate(seg.parts, path, pos, end, caps, c);
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
 * (each parameter `[^/]+`, greedy, leftmost first), writing the captures from index `c`.
 * Returns the next capture index, or -1.
 *
 * No backtracking: the set of places where parts `i..` can start and still reach `end` does
 * not depend on how the earlier parts matched. Walking right to left, `hi` is the last such
 * place: before a parameter every earlier place also works (the parameter just grows), so a
 * literal in front of it goes at its last occurrence leaving the parameter one character at
 * least (one `lastIndexOf`). Those last places are exactly what the greedy parameters pick
 * going left to right, so each parameter ends where the next part's `hi` is. The cost is at
 * most one backward scan of the path per literal, whatever the path holds (linear).
 * @example
 * const caps: number[] = [];
 * matchTemplate([{ param: 'id' }, { literal: '.html' }], '/778.html', 1, 9, caps, 0); // 2, caps [1, 4]
 */
export function matchTemplate(
  parts: readonly TemplatePart[],
  path: string,
  from: number,
  end: number,
  caps: number[],
  c: number,
): number {
  const k = parts.length;
  // Parts alternate (parameters are never adjacent), so the parameter count follows from k.
  const next = c + 2 * ((k + ('param' in parts[0]! ? 1 : 0)) >> 1);
  let ci = next;
  let hi = end;
  for (let i = k - 1; i >= 0; i--) {
    const part = parts[i]!;
    if ('param' in part) {
      // Starts anywhere before `hi` (non-empty), ends at `hi`: the greedy choice.
      if (--hi < from) return -1;
      caps[--ci] = hi + 1;
      ci--;
      if (i === 0) caps[ci] = from;
      continue;
    }
    const lit = part.literal;
    let at = hi - lit.length;
    if (at < from) return -1;
    if (i === 0) {
      // The first literal sits at the start of the segment and must end by `hi`.
      if (!path.startsWith(lit, from)) return -1;
      at = from;
    } else if (i === k - 1) {
      if (!path.startsWith(lit, at)) return -1;
    } else {
      at = path.lastIndexOf(lit, at);
      if (at < from) return -1;
    }
    // The parameter after this literal (if any) starts right after it.
    if (i < k - 1) caps[ci] = at + lit.length;
    hi = at;
  }
  return next;
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
