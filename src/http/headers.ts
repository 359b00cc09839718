/**
 * Response headers, held until commit. Once the response is committed every setter throws
 * SLUICE_HEADERS_COMMITTED instead of silently diverging from what went on the wire.
 * Content-Type, which nearly every response sets, has its own slot; the others live in one flat
 * array (lower-case name, name, value, ...), created on first use: a response has a handful of
 * headers, and a Map plus an entry per header cost more per request and per open stream.
 */
import { SluiceError } from '../errors/index.js';

type Value = string | string[];

/** Request headers by lower-case name (several values of one field are an array or joined). */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

const CONTENT_TYPE = 'content-type';
// RFC 9110 §5.1 field-name = token; §5.5 field-value: visible ASCII, space, tab and obs-text
// (0x80-0xFF). CR, LF and NUL would split or end the head; above U+00FF cannot be sent at all.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Lower-case forms of the header names handlers set, computed once each (bounded). */
const LOWER = new Map<string, string>();
const LOWER_MAX = 256;

/**
 * A header name in lower case. Names are nearly always a handful of constants: each is lowered
 * once, not on every request (each `toLowerCase` of a mixed-case name is a new string, kept for
 * as long as the response, so for as long as a stream is open). Past the cap a name is lowered
 * each time: names built from input cannot grow the table.
 */
function lowerName(name: string): string {
  let key = LOWER.get(name);
  if (key === undefined) {
    key = name.toLowerCase();
    if (LOWER.size < LOWER_MAX) LOWER.set(name, key);
  }
  return key;
}

/**
 * Checks a header before it is stored, so a bad one fails where it was set (a 500 naming the
 * header, the response still buffering) instead of at commit, half-sent.
 * @throws SluiceError `SLUICE_HEADER_INVALID`
 */
function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) {
    throw new SluiceError('SLUICE_HEADER_INVALID', `name ${JSON.stringify(name)}`);
  }
  if (BAD_VALUE.test(value)) {
    throw new SluiceError('SLUICE_HEADER_INVALID', `${name}: ${JSON.stringify(value)}`);
  }
  if (value.length > 0 && name.length === 14 && name.toLowerCase() === 'content-length') {
    if (!/^\d{1,15}$/.test(value)) {
      throw new SluiceError('SLUICE_HEADER_INVALID', `Content-Length ${JSON.stringify(value)}`);
    }
  }
}

/**
 * The response's headers, as `r.response.header()` returns them (Go's `http.Header` verbs).
 * Names and values are checked where they are set: CR, LF or NUL in a value throws
 * `SLUICE_HEADER_INVALID` instead of splitting the response.
 * @example
 * r.response.header().set('Cache-Control', 'no-store');
 * r.response.header().add('Vary', 'Accept');
 * r.response.header().get('content-type');
 */
export class ResponseHeaders {
  #contentType: Value | undefined;
  #contentTypeName = 'Content-Type';
  #list: Array<string | string[]> | undefined;
  readonly #owner: { readonly committed: boolean };

  constructor(owner: { readonly committed: boolean }) {
    this.#owner = owner;
  }

  #find(key: string): number {
    const list = this.#list;
    if (list === undefined) return -1;
    for (let i = 0; i < list.length; i += 3) if (list[i] === key) return i;
    return -1;
  }

  /**
   * Sets a header, replacing any value it had. Throws `SLUICE_HEADER_INVALID` for a name that is
   * not a token or a value holding CR, LF, NUL or a character above U+00FF (encode such values:
   * `encodeURIComponent`, or RFC 5987 `filename*=` for file names).
   * @example r.response.header().set('Cache-Control', 'no-store')
   */
  set(name: string, value: string | number | readonly string[]): this {
    this.#guard(name);
    const v = normalise(value);
    if (typeof v === 'string') checkHeader(name, v);
    else for (const one of v) checkHeader(name, one);
    const key = lowerName(name);
    if (key === CONTENT_TYPE) {
      this.#contentType = v;
      this.#contentTypeName = name;
      return this;
    }
    const i = this.#find(key);
    if (i === -1) (this.#list ??= []).push(key, name, v);
    else {
      this.#list![i + 1] = name;
      this.#list![i + 2] = v;
    }
    return this;
  }

  /**
   * @internal Sets Content-Type to one of Sluice's own constant values, which need no check.
   * @example headers.setOwnContentType('application/json; charset=utf-8')
   */
  setOwnContentType(value: string): void {
    this.#guard(CONTENT_TYPE);
    this.#contentType = value;
    this.#contentTypeName = 'Content-Type';
  }

  /** Adds a value to a header (a second `Set-Cookie`, say). */
  append(name: string, value: string): this {
    this.#guard(name);
    checkHeader(name, String(value));
    const key = lowerName(name);
    // Content-Length frames the body: two values would let two readers disagree on it.
    if (key === 'content-length' && this.#find(key) !== -1) {
      throw new SluiceError('SLUICE_HEADER_INVALID', 'Content-Length holds one value; use set()');
    }
    if (key === CONTENT_TYPE) {
      this.#contentType = join(this.#contentType, value);
      return this;
    }
    const i = this.#find(key);
    if (i === -1) (this.#list ??= []).push(key, name, value);
    else this.#list![i + 2] = join(this.#list![i + 2], value)!;
    return this;
  }

  /** The header's value (several values joined by ", "), or undefined. */
  get(name: string): string | undefined {
    const key = lowerName(name);
    const v = key === CONTENT_TYPE ? this.#contentType : this.#valueOf(key);
    return Array.isArray(v) ? v.join(', ') : v;
  }

  has(name: string): boolean {
    const key = lowerName(name);
    return key === CONTENT_TYPE ? this.#contentType !== undefined : this.#find(key) !== -1;
  }

  delete(name: string): boolean {
    this.#guard(name);
    const key = lowerName(name);
    if (key === CONTENT_TYPE) {
      const had = this.#contentType !== undefined;
      this.#contentType = undefined;
      return had;
    }
    const i = this.#find(key);
    if (i === -1) return false;
    this.#list!.splice(i, 3);
    return true;
  }

  /** Every header as [lower-case name, [name, value]]. */
  *entries(): IterableIterator<[string, [string, Value]]> {
    if (this.#contentType !== undefined) {
      yield [CONTENT_TYPE, [this.#contentTypeName, this.#contentType]];
    }
    const list = this.#list ?? [];
    for (let i = 0; i < list.length; i += 3) {
      yield [list[i] as string, [list[i + 1] as string, list[i + 2]!]];
    }
  }

  get size(): number {
    return (this.#contentType === undefined ? 0 : 1) + (this.#list?.length ?? 0) / 3;
  }

  /** The headers as the object `writeHead` takes. */
  toObject(): Record<string, Value> {
    const out: Record<string, Value> = {};
    if (this.#contentType !== undefined) out[this.#contentTypeName] = this.#contentType;
    const list = this.#list;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i += 3) out[list[i + 1] as string] = list[i + 2]!;
    }
    return out;
  }

  #valueOf(key: string): Value | undefined {
    const i = this.#find(key);
    return i === -1 ? undefined : this.#list![i + 2];
  }

  #guard(name: string): void {
    if (this.#owner.committed)
      throw new SluiceError('SLUICE_HEADERS_COMMITTED', `header "${name}"`);
  }
}

function join(old: Value | undefined, value: string): Value {
  if (old === undefined) return value;
  return Array.isArray(old) ? [...old, value] : [old, value];
}

function normalise(value: string | number | readonly string[]): Value {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  return [...value];
}
