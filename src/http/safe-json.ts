/**
 * Safe JSON body parsing: UTF-8 checked, nesting bounded before anything walks the text,
 * prototype-pollution keys refused, and error messages that say where without echoing input.
 */
import { HttpError } from '../errors/index.js';

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

// One decoder is enough: decode() without { stream: true } keeps no state between calls.
// ignoreBOM is false (the default), so one leading U+FEFF is stripped: see parseJsonBody.
const utf8 = new TextDecoder('utf-8', { fatal: true });

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Parses a request body as JSON, refusing what a server should not walk.
 *
 * - zero bytes (or a lone BOM): returns `undefined` (no JSON text was sent);
 * - invalid UTF-8: `HttpError` 400 `SLUICE_INVALID_UTF8`;
 * - one leading UTF-8 BOM is ignored (RFC 8259 §8.1 lets parsers ignore it; Windows tools and
 *   .NET's default UTF-8 encoder send it, and body-parser and secure-json-parse accept it too);
 * - arrays/objects nested deeper than {@link MAX_JSON_DEPTH} (64): 400 `SLUICE_JSON_TOO_DEEP`,
 *   found by a linear scan before `JSON.parse` runs;
 * - a `__proto__` key, or a `constructor` key whose value is an object with a `prototype` key,
 *   in any spelling (`"\u005f_proto__"` too): 400 `SLUICE_JSON_FORBIDDEN_KEY`;
 * - anything else malformed: 400 `SLUICE_JSON_INVALID`, with line and column but not the input.
 *
 * @example parseJsonBody(new TextEncoder().encode('{"a":[1,2]}')) // { a: [1, 2] }
 */
export function parseJsonBody(buf: Uint8Array): unknown {
  if (buf.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    throw HttpError.fromCode('SLUICE_INVALID_UTF8');
  }
  if (text === '') return undefined;
  return parseJsonText(text);
}

/**
 * Parses already-decoded JSON text with the same depth, key and error rules as
 * {@link parseJsonBody} (no BOM handling: the text is taken as it is).
 * @example parseJsonText('[1,{"b":null}]') // [1, { b: null }]
 */
export function parseJsonText(text: string): unknown {
  assertDepth(text, MAX_JSON_DEPTH);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw HttpError.fromCode('SLUICE_JSON_INVALID', describeSyntaxError(text));
  }
  // Both forbidden names contain "proto"; any other spelling of them needs a \u escape.
  // Text with neither cannot hold them, which skips the walk for almost every body.
  if (typeof value === 'object' && value !== null) {
    if (text.includes('proto') || text.includes('\\u')) assertNoForbiddenKeys(value);
  }
  return value;
}

/**
 * Throws `SLUICE_JSON_TOO_DEEP` when brackets outside strings nest deeper than `max`.
 * Linear and allocation-free: string contents are skipped with indexOf.
 */
function assertDepth(text: string, max: number): void {
  // Nesting can never pass the number of opening brackets in the text (inside strings or not).
  // Counting them takes a few native indexOf calls where the exact scan below reads every
  // character in JS, so a body with at most `max` of them (almost any real one) skips the scan.
  if (opensAtMost(text, '{', '[', max)) return;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
      if (i < 0) return; // unterminated string: JSON.parse reports it
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) {
        throw HttpError.fromCode('SLUICE_JSON_TOO_DEEP', `at ${position(text, i)}`);
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/** True when `a` and `b` occur at most `max` times in all in `text` (stops counting past it). */
function opensAtMost(text: string, a: string, b: string, max: number): boolean {
  let count = 0;
  for (let i = text.indexOf(a); i >= 0; i = text.indexOf(a, i + 1)) if (++count > max) return false;
  for (let i = text.indexOf(b); i >= 0; i = text.indexOf(b, i + 1)) if (++count > max) return false;
  return true;
}

/** Index of the quote closing the string that opens at `start`, or -1 if it never closes. */
function endOfString(text: string, start: number): number {
  let q = start;
  for (;;) {
    q = text.indexOf('"', q + 1);
    if (q < 0) return -1;
    // The quote is escaped when an odd number of backslashes precede it.
    let b = q - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
}

function assertNoForbiddenKeys(root: object): void {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as object;
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    // JSON.parse creates "__proto__" as an own data property, so Object.keys sees it.
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key];
      if (key === '__proto__') {
        throw HttpError.fromCode('SLUICE_JSON_FORBIDDEN_KEY', 'key "__proto__"');
      }
      if (typeof child !== 'object' || child === null) continue;
      if (key === 'constructor' && !Array.isArray(child) && Object.hasOwn(child, 'prototype')) {
        throw HttpError.fromCode('SLUICE_JSON_FORBIDDEN_KEY', 'key "constructor.prototype"');
      }
      stack.push(child);
    }
  }
}

/** "line L, column C" (1-based, columns in UTF-16 units) of an offset in the text. */
function position(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/**
 * Finds where JSON text first goes wrong. Only runs after JSON.parse failed, so it favours
 * being small over being fast; V8's own messages quote the input, so they are not reused.
 * Recursion is bounded by the depth pre-scan, which has already passed.
 */
function describeSyntaxError(text: string): string {
  let i = 0;
  const n = text.length;
  const fail = (what: string): never => {
    throw new JsonSyntaxAt(i >= n ? 'unexpected end of input' : what, Math.min(i, n));
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('unexpected character');
  };
  const string = (): void => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i++;
        return;
      }
      if (c < 0x20) fail('control character in string');
      if (c === BACKSLASH) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in string');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('bad escape in string');
        i += 2;
        continue;
      }
      i++;
    }
    fail('unterminated string');
  };
  const number = (): void => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('bad number');
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a double-quoted property name');
        string();
        ws();
        if (text[i] !== ':') fail("expected ':' after property name");
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail("expected ',' or '}' after property value");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail("expected ',' or ']' after array element");
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail('unexpected character');
  };
  try {
    value();
    ws();
    if (i < n) fail('unexpected data after the JSON value');
    return 'malformed JSON'; // JSON.parse disagreed with this checker: never expected
  } catch (err) {
    if (err instanceof JsonSyntaxAt) return `${err.what} at ${position(text, err.offset)}`;
    throw err;
  }
}

class JsonSyntaxAt {
  constructor(
    readonly what: string,
    readonly offset: number,
  ) {}
}
