/**
 * Strict media-type parsing for `Content-Type` (RFC 9110 §8.3.1, §5.6).
 *
 * `fast-content-type-parse` parses (faster than the regex walk below on common headers:
 * `bench/micro/parsers.ts`, figures in docs/architecture.md). It is more lenient than Sluice's rules in three places,
 * so its answer is taken only when none applies: it lets a repeated parameter win silently, it
 * accepts control characters (VT) and trims Unicode spaces. A header with fewer parameters
 * parsed than `=` signs, or one the library refuses, goes to the strict parser here, which
 * decides (those are rare: quoted `=`, tabs around `;`, empty parameters, control characters). Quoted values are checked for characters
 * outside HTAB and printable ASCII, and the ends of the type for what `trim()` removes.
 */
import { parse as fastParse } from 'fast-content-type-parse';

/** A parsed media type: `type` is lowercase `type/subtype`; parameter names are lowercase. */
export interface ContentType {
  type: string;
  /** A map with nothing inherited; values are unquoted but keep their case. */
  params: Record<string, string>;
}

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})`);
// OWS ";" OWS [ name "=" ( token / quoted-string ) ]; quoted-string: qdtext / quoted-pair.
const PARAM = new RegExp(
  `[\\t ]*;[\\t ]*(?:(${TOKEN})=(?:(${TOKEN})|"((?:[\\t !#-\\[\\]-~\\x80-\\xff]|\\\\[\\t -~\\x80-\\xff])*)"))?`,
  'y',
);
const QUOTED_PAIR = /\\([\t -~\x80-\xff])/g;

/** `application/json` as parsed: no parameters. */
const PLAIN_JSON: ContentType = Object.freeze({
  type: 'application/json',
  params: Object.freeze(Object.create(null) as Record<string, string>),
});

/**
 * Parses a `Content-Type` value strictly, returning `null` when it is malformed.
 *
 * - type and subtype are tokens, lowercased; parameter names are lowercased, values kept;
 * - `;` may have spaces/tabs around it (OWS), `=` may not; empty parameters (`a/b;;c=d`) are
 *   allowed, as the grammar's `[ parameter ]` says;
 * - quoted-string values are unescaped (`"a\"b"` is `a"b`);
 * - leading and trailing spaces/tabs are trimmed (they are OWS around a field value, which Node
 *   trims too), so `"application/json\t"` parses; whitespace *inside* is not allowed, so
 *   `"application/json\tfoo"` and `"application/json foo"` are `null`;
 * - a parameter named twice (`charset=a; charset=b`) is `null`: which one wins is ambiguous,
 *   and intermediaries may disagree.
 *
 * `undefined` and `""` give `null`.
 * @example parseContentType('Application/JSON; charset="utf-8"') // { type: 'application/json', params: { charset: 'utf-8' } }
 */
export function parseContentType(header: string | undefined): ContentType | null {
  if (header === undefined) return null;
  // The everyday header, answered without a parser (frozen: callers only read it).
  if (header === 'application/json') return PLAIN_JSON;
  try {
    const { type, parameters } = fastParse(header);
    if (
      countParams(parameters) === countEquals(header) &&
      plainEdges(header) &&
      (!header.includes('"') || !UNUSUAL.test(header))
    )
      return { type, params: parameters };
  } catch {
    // refused: the strict parser decides
  }
  return parseContentTypeStrict(header);
}

/** Anything but HTAB and printable ASCII (checked only on quoted values: the library lets VT in). */
const UNUSUAL = /[^\t\x20-\x7e]/;

const plainChar = (c: number): boolean => c === 9 || (c >= 0x20 && c <= 0x7e);

/**
 * The library trims the type with `String#trim`, which also drops VT, FF and Unicode spaces;
 * Sluice trims only spaces and tabs, so those ends go to the strict parser.
 */
function plainEdges(h: string): boolean {
  const semi = h.indexOf(';');
  return (
    plainChar(h.charCodeAt(0)) &&
    plainChar(h.charCodeAt(h.length - 1)) &&
    (semi <= 0 || plainChar(h.charCodeAt(semi - 1)))
  );
}

function countParams(params: Record<string, string>): number {
  let n = 0;
  for (const _ in params) n++;
  return n;
}

function countEquals(s: string): number {
  let n = 0;
  for (let i = s.indexOf('='); i >= 0; i = s.indexOf('=', i + 1)) n++;
  return n;
}

/**
 * The strict parser alone (the rules; `parseContentType` asks it whenever the library's answer
 * could differ). Exported for the differential test.
 * @example parseContentTypeStrict('a/b; c=1; c=2') // null
 */
export function parseContentTypeStrict(header: string): ContentType | null {
  const value = trimOws(header);
  const m = MEDIA_TYPE.exec(value);
  if (!m) return null;
  const type = `${m[1] as string}/${m[2] as string}`.toLowerCase();
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = m[0].length;
  while (i < value.length) {
    PARAM.lastIndex = i;
    const p = PARAM.exec(value);
    if (!p || p[0].length === 0) return null;
    i = PARAM.lastIndex;
    const name = p[1];
    if (name === undefined) continue; // empty parameter
    const key = name.toLowerCase();
    if (key in params) return null;
    const quoted = p[3];
    params[key] = quoted === undefined ? (p[2] as string) : quoted.replace(QUOTED_PAIR, '$1');
  }
  return { type, params };
}

/**
 * True when the media type is JSON: `application/json` or a `+json` structured-syntax suffix
 * (`application/problem+json`, `application/vnd.api+json`). Takes a parsed value or a raw header.
 * @example isJsonType('application/merge-patch+json; charset=utf-8') // true
 */
export function isJsonType(ct: ContentType | string | null | undefined): boolean {
  const parsed = typeof ct === 'string' ? parseContentType(ct) : ct;
  if (!parsed) return false;
  const t = parsed.type;
  if (t === 'application/json') return true;
  return (
    t.startsWith('application/') && t.endsWith('+json') && t.length > 'application/+json'.length
  );
}

function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s[start] === ' ' || s[start] === '\t')) start++;
  while (end > start && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
