/**
 * Go-style `printf` for `writef`/`writefln`, with `util.format`'s forgiving edges.
 */
import { inspect } from 'node:util';

/** Largest width or precision honoured, as in Go's fmt (beyond: `%!(BADWIDTH)`). */
const MAX_WIDTH = 1_000_000;

/**
 * Formats like Go's `fmt.Sprintf`, for `r.response.writef(format, ...args)`.
 *
 * Directives are `%[flags][width][.precision]verb`:
 * - `%d` integer as `Number(arg)` prints it (so `1.5` prints `1.5`, not Go's `%!d(float64=1.5)`);
 *   a bigint prints its digits (no `n`); a value that is not a number prints `NaN`.
 * - `%i` integer, truncated toward zero (`1.9` -> `1`, `-1.9` -> `-1`), like `util.format`'s `%i`.
 * - `%f` float with Go's default of 6 decimals (`%f` of `3.14` is `3.140000`); `%.2f` sets them.
 * - `%s` string: strings as they are, anything else as `%v` does.
 * - `%v` default format: strings as they are; numbers, booleans, bigints, `null`, `undefined`,
 *   symbols via `String()`; an `Error` as `name: message`; a `Date` as ISO 8601; a `Map`, `Set`,
 *   typed array or function via `util.inspect`; any other object as JSON (what an HTTP client
 *   most likely wants), or `util.inspect` when JSON fails (cycles, bigints).
 * - `%j` JSON (`[Circular]` for cycles, `undefined` for `undefined`), `%o` `util.inspect` with
 *   hidden properties (depth 4, like `util.format`), `%%` a percent sign.
 *
 * Flags: `-` left-justify, `0` pad numbers with zeros after the sign (ignored with `-`, and
 * for `%d`/`%i` when a precision is given), `+` always print a sign, space: a space where a
 * plus sign would go. Width pads to that many characters (code points). Precision: decimals
 * for `%f`, minimum digits for `%d`/`%i`, maximum characters for `%s`/`%v`. As in Go, a width
 * or precision above 1,000,000 is not honoured: `%!(BADWIDTH)` / `%!(BADPREC)` is printed
 * before the value (so `%20000000d` cannot produce a 20 MB body).
 *
 * Forgiving like `util.format`: a directive with no argument left, or with an unknown verb, is
 * printed as written (`"%d"` stays `"%d"`), a `%` at the end stays `%`, and extra arguments
 * are appended separated by spaces, formatted as `%v`. No `%` in `format`: no parsing at all.
 *
 * @example formatPrintf('%-5s|%05.1f|%d%%', ['ab', 3.14159, 42]) // "ab   |003.1|42%"
 */
export function formatPrintf(format: string, args: readonly unknown[]): string {
  let pct = format.indexOf('%');
  if (pct < 0) return args.length === 0 ? format : appendExtras(format, args, 0);
  let out = '';
  let last = 0;
  let argIndex = 0;
  const n = format.length;
  while (pct >= 0) {
    out += format.slice(last, pct);
    let i = pct + 1;
    if (format[i] === '%') {
      out += '%';
      last = i + 1;
      pct = format.indexOf('%', last);
      continue;
    }
    let minus = false;
    let zero = false;
    let plus = false;
    let space = false;
    for (; i < n; i++) {
      const c = format[i];
      if (c === '-') minus = true;
      else if (c === '0') zero = true;
      else if (c === '+') plus = true;
      else if (c === ' ') space = true;
      else break;
    }
    let width = -1;
    const wStart = i;
    while (i < n && isDigit(format.charCodeAt(i))) i++;
    if (i > wStart) width = Math.min(Number(format.slice(wStart, i)), MAX_WIDTH + 1);
    let precision = -1;
    if (format[i] === '.') {
      i++;
      const pStart = i;
      while (i < n && isDigit(format.charCodeAt(i))) i++;
      precision = i > pStart ? Math.min(Number(format.slice(pStart, i)), MAX_WIDTH + 1) : 0;
    }
    const verb = format[i];
    if (verb === undefined || !VERBS.has(verb) || argIndex >= args.length) {
      // Unknown verb, no argument left, or `%` at the end: print the directive as written.
      const end = verb === undefined ? n : i + 1;
      out += format.slice(pct, end);
      last = end;
      pct = last < n ? format.indexOf('%', last) : -1;
      continue;
    }
    const arg = args[argIndex++];
    // As Go's fmt: a width or precision over a million is refused in the output rather than
    // honoured (one directive must not turn into megabytes of padding).
    if (width > MAX_WIDTH) {
      out += '%!(BADWIDTH)';
      width = -1;
    }
    if (precision > MAX_WIDTH) {
      out += '%!(BADPREC)';
      precision = -1;
    }
    const spec: Spec = { minus, zero: zero && !minus, plus, space, width, precision };
    out += formatVerb(verb, arg, spec);
    last = i + 1;
    pct = format.indexOf('%', last);
  }
  out += format.slice(last);
  return argIndex < args.length ? appendExtras(out, args, argIndex) : out;
}

/**
 * Formats one value the way `%v` does (also used for extra arguments).
 * @example formatValue({ a: 1 }) // '{"a":1}'
 */
export function formatValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'object':
      if (v === null) return 'null';
      if (v instanceof Error) return `${v.name}: ${v.message}`;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      if (v instanceof Map || v instanceof Set || ArrayBuffer.isView(v)) return inspect(v);
      try {
        return JSON.stringify(v) ?? inspect(v);
      } catch {
        return inspect(v);
      }
    case 'function':
      return inspect(v);
    default:
      return String(v);
  }
}

interface Spec {
  minus: boolean;
  zero: boolean;
  plus: boolean;
  space: boolean;
  width: number;
  precision: number;
}

const VERBS = new Set(['s', 'd', 'i', 'f', 'v', 'j', 'o']);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function formatVerb(verb: string, arg: unknown, spec: Spec): string {
  switch (verb) {
    case 'd':
      return formatInteger(arg, spec, false);
    case 'i':
      return formatInteger(arg, spec, true);
    case 'f': {
      const x = toNumber(arg);
      // toFixed accepts 0..100 digits.
      const digits = Number.isFinite(x)
        ? x.toFixed(Math.min(spec.precision < 0 ? 6 : spec.precision, 100))
        : String(x);
      return padNumber(digits, spec);
    }
    case 's':
    case 'v':
      return pad(truncate(formatValue(arg), spec.precision), spec);
    case 'j':
      return pad(formatJson(arg), spec);
    default: // 'o'
      return pad(inspect(arg, { showHidden: true, showProxy: true, depth: 4 }), spec);
  }
}

function formatInteger(arg: unknown, spec: Spec, truncateIt: boolean): string {
  let digits: string;
  if (typeof arg === 'bigint') digits = arg.toString();
  else {
    let x = toNumber(arg);
    if (truncateIt) x = Math.trunc(x);
    digits = Object.is(x, -0) ? '0' : String(x);
  }
  if (spec.precision >= 0 && /^-?\d+$/.test(digits)) {
    const neg = digits.startsWith('-');
    const body = (neg ? digits.slice(1) : digits).padStart(spec.precision, '0');
    digits = (neg ? '-' : '') + (spec.precision === 0 && body === '0' ? '' : body);
    return padNumber(digits, { ...spec, zero: false });
  }
  return padNumber(digits, spec);
}

function toNumber(arg: unknown): number {
  if (typeof arg === 'number') return arg;
  if (typeof arg === 'bigint') return Number(arg);
  if (typeof arg === 'symbol') return NaN;
  return Number(arg);
}

/** Adds the sign flags, then pads: zeros go after the sign, spaces before it. */
function padNumber(digits: string, spec: Spec): string {
  let s = digits;
  const finite = /^-?\d/.test(s);
  if (finite && !s.startsWith('-')) {
    if (spec.plus) s = `+${s}`;
    else if (spec.space) s = ` ${s}`;
  }
  if (spec.zero && finite && spec.width > s.length) {
    const sign = s[0] === '-' || s[0] === '+' || s[0] === ' ' ? s[0] : '';
    return sign + s.slice(sign.length).padStart(spec.width - sign.length, '0');
  }
  return pad(s, spec);
}

function pad(s: string, spec: Spec): string {
  if (spec.width < 0 || s.length >= spec.width * 2) return s;
  const len = codePointLength(s);
  if (len >= spec.width) return s;
  const fill = ' '.repeat(spec.width - len);
  return spec.minus ? s + fill : fill + s;
}

function truncate(s: string, precision: number): string {
  if (precision < 0 || s.length <= precision) return s;
  let out = '';
  let count = 0;
  for (const ch of s) {
    if (count++ === precision) break;
    out += ch;
  }
  return out;
}

function codePointLength(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) len++;
    else {
      len++;
      i++; // a high surrogate and its pair count once
    }
  }
  return len;
}

function formatJson(arg: unknown): string {
  try {
    return JSON.stringify(arg) ?? 'undefined';
  } catch (err) {
    if (err instanceof TypeError && /circular/i.test(err.message)) return '[Circular]';
    return inspect(arg);
  }
}

function appendExtras(out: string, args: readonly unknown[], from: number): string {
  let s = out;
  for (let k = from; k < args.length; k++) s += ` ${formatValue(args[k])}`;
  return s;
}
