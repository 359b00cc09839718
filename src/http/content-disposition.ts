/**
 * `Content-Disposition` for downloads (RFC 6266), the file name encoded by RFC 8187 (the
 * successor of RFC 5987): a quoted ASCII `filename` every client reads, plus `filename*` with
 * the exact UTF-8 name whenever the ASCII form had to change it.
 */
import { SluiceError } from '../errors/index.js';

// RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;
// Printable ASCII that needs no care in a quoted string (no `"`, `\`, `%`).
const PLAIN_ASCII = /^[\x20-\x21\x23-\x24\x26-\x5b\x5d-\x7e]*$/;

/**
 * The header value for a download named `name` (any Unicode; path separators and control
 * characters are replaced by `_`, so the name can never point elsewhere).
 * @example contentDisposition('report.pdf') // 'attachment; filename="report.pdf"'
 * @example contentDisposition('中文.txt') // `attachment; filename="__.txt"; filename*=UTF-8''%E4%B8%AD%E6%96%87.txt`
 */
export function contentDisposition(
  name: string,
  type: 'attachment' | 'inline' = 'attachment',
): string {
  if (typeof name !== 'string' || /\p{Cs}/u.test(name)) {
    throw new SluiceError('SLUICE_CONFIG', 'a download name must be a well-formed string');
  }
  const clean = name.replace(/[\x00-\x1f\x7f/\\]/g, '_');
  if (clean !== '' && PLAIN_ASCII.test(clean)) return `${type}; filename="${clean}"`;
  const fallback = clean.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(clean)}`;
}

/** Percent-encodes UTF-8 bytes outside RFC 8187's attr-char. */
function encodeRfc8187(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out +=
      byte < 0x80 && ATTR_CHAR.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
