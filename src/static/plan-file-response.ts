/**
 * Decides status, headers and byte range for sending a file, from its `Stats` and the request's
 * conditional and range headers (RFC 9110 §13 and §14). A pure function: the core's Response
 * does the streaming, reading `range` (inclusive bounds, as `fs.createReadStream` takes them).
 */
import type { Stats } from 'node:fs';
import mime from 'mime-types';

/** The request headers (and method) that {@link planFileResponse} looks at. */
export interface FileRequestHeaders {
  range?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifRange?: string;
  method: string;
}

/** Options of {@link planFileResponse}. */
export interface PlanFileOptions {
  /**
   * `Cache-Control` sent with 200, 206 and 304; `false` sends none. Default
   * `'public, max-age=0'`: caches may keep the file but revalidate it (cheap, thanks to ETag).
   */
  cacheControl?: string | false;
  /**
   * `'weak'` (default): `W/"<size hex>-<mtime hex>"`. `'strong'`: the same tag without `W/`, as
   * nginx sends, so `If-Range` can match it (If-Range compares strongly). A file rewritten with
   * the same size within the same millisecond would keep its tag: the trade-off nginx makes.
   */
  etag?: 'weak' | 'strong';
}

/** What to send. `headers` use canonical casing (`Content-Type`); `range` bounds are inclusive. */
export interface FileResponsePlan {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** Present with 206 only: the bytes to send, `end` included. */
  range?: { start: number; end: number };
}

const DEFAULT_CACHE_CONTROL = 'public, max-age=0';
const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;
const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Plans the response for a regular file.
 *
 * Headers: `Content-Type` from mime-types (`; charset=utf-8` on text types, else
 * `application/octet-stream`), a weak `ETag` `W/"<size hex>-<mtime ms hex>"`, `Last-Modified`,
 * `Accept-Ranges: bytes`, `Content-Length`, `Cache-Control`.
 *
 * Conditionals (GET and HEAD only): `If-None-Match` (a list or `*`, weak comparison) answers
 * 304 on a match and, when present, makes `If-Modified-Since` ignored; otherwise
 * `If-Modified-Since` answers 304 when the file is not newer (to the second). A 304 carries
 * `ETag`, `Last-Modified` and `Cache-Control` only.
 *
 * Ranges (GET only, as RFC 9110 §14.2 defines them; HEAD gets the 200 headers): one
 * `bytes=a-b`, `a-` or `-n` answers 206 with `Content-Range`; a range starting at or past the
 * end (or `-0`, or any range of an empty file) answers 416 with a `Content-Range` naming only the size (`bytes *` then
 * `/size`; the core writes the body). Several ranges are served as the whole file (200): multipart
 * responses are not implemented, which RFC 9110 allows. A malformed `Range` is ignored (200).
 * `If-Range` must match exactly, else the whole file is sent: a date must equal
 * `Last-Modified`; an entity-tag matches only a strong ETag (`etag: 'strong'`), compared
 * strongly; a weak one never matches.
 *
 * Methods other than GET and HEAD get the 200 plan; the core should have answered 405 first.
 *
 * @example
 * const plan = planFileResponse(stat, { method: 'GET', range: 'bytes=0-99' }, '/srv/a.txt');
 * // plan.status === 206, plan.range => { start: 0, end: 99 }
 */
export function planFileResponse(
  stat: Stats,
  requestHeaders: FileRequestHeaders,
  filePath: string,
  options: PlanFileOptions = {},
): FileResponsePlan {
  const size = stat.size;
  const etag = options.etag === 'strong' ? weakETag(stat).slice(2) : weakETag(stat);
  const lastModified = stat.mtime.toUTCString();
  const cacheControl = options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  const { method } = requestHeaders;
  const readsContent = method === 'GET' || method === 'HEAD';

  const validators: Record<string, string> = { ETag: etag, 'Last-Modified': lastModified };
  if (cacheControl !== false) validators['Cache-Control'] = cacheControl;

  if (readsContent && isNotModified(requestHeaders, etag, stat)) {
    return { status: 304, headers: validators };
  }

  const headers: Record<string, string> = {
    'Content-Type': contentTypeOf(filePath),
    'Content-Length': String(size),
    'Accept-Ranges': 'bytes',
    ...validators,
  };
  if (method !== 'GET' || requestHeaders.range === undefined) return { status: 200, headers };
  if (requestHeaders.ifRange !== undefined && !ifRangeMatches(requestHeaders.ifRange, stat, etag)) {
    return { status: 200, headers };
  }

  const range = parseRange(requestHeaders.range, size);
  if (range === 'ignore') return { status: 200, headers };
  if (range === 'unsatisfiable') {
    return {
      status: 416,
      headers: { 'Content-Range': `bytes */${size}`, 'Accept-Ranges': 'bytes' },
    };
  }
  headers['Content-Length'] = String(range.end - range.start + 1);
  headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  return { status: 206, headers, range };
}

/**
 * The weak entity-tag of a file: `W/"<size hex>-<mtime ms hex>"`. Weak because equal size and
 * mtime do not prove equal bytes.
 * @example weakETag(stat) // 'W/"1a-18f3c2b1e40"'
 */
export function weakETag(stat: Stats): string {
  return `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
}

/**
 * The `Content-Type` for a file name, from the mime-types table; text types get
 * `; charset=utf-8`; unknown extensions get `application/octet-stream`.
 * @example contentTypeOf('a.html') // 'text/html; charset=utf-8'
 */
export function contentTypeOf(filePath: string): string {
  const type = mime.lookup(filePath);
  if (type === false) return 'application/octet-stream';
  return mime.contentType(type) || type;
}

function isNotModified(h: FileRequestHeaders, etag: string, stat: Stats): boolean {
  if (h.ifNoneMatch !== undefined) {
    const value = h.ifNoneMatch.trim();
    if (value === '*') return true;
    const opaque = stripWeak(etag);
    return (value.match(ENTITY_TAG) ?? []).some((tag) => stripWeak(tag) === opaque);
  }
  if (h.ifModifiedSince !== undefined) {
    const since = Date.parse(h.ifModifiedSince);
    if (Number.isNaN(since)) return false;
    return wholeSeconds(stat.mtimeMs) <= since;
  }
  return false;
}

function ifRangeMatches(ifRange: string, stat: Stats, etag: string): boolean {
  const value = ifRange.trim();
  // An entity-tag: If-Range compares strongly, and a weak tag never matches strongly.
  if (value.startsWith('W/')) return false;
  if (value.startsWith('"')) return !etag.startsWith('W/') && value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === wholeSeconds(stat.mtimeMs);
}

/** Parses a `Range` header against `size`: one range, `'ignore'` (serve 200) or `'unsatisfiable'`. */
function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | 'ignore' | 'unsatisfiable' {
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return 'ignore';
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length !== 1) return 'ignore'; // none is malformed; several are served whole
  const match = RANGE_SPEC.exec(specs[0] ?? '');
  if (!match) return 'ignore';
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return 'ignore';

  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return 'ignore'; // invalid per RFC 9110 §14.1.1
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { start, end };
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** HTTP dates have one-second resolution. */
function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
