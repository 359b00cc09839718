/**
 * Checks on the request head made before any routing or handler, stricter than Node where it
 * matters (API §10). Node's parser has already refused malformed framing (see client-error.ts);
 * what it lets through and a server should not is refused here, and the request target is
 * reduced to the origin form (`/path?query`) that routing uses.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors/index.js';
import { isValidHost } from '../http/host.js';
import type { ServerConfig } from '../config.js';

/** The verdict on a request head: an error to answer with, or the origin-form target to route. */
export type HeadCheck =
  | { error: HttpError; target?: undefined }
  | {
      error?: undefined;
      target: string;
      /** The Host header (the first one), read from the raw headers. */
      host: string | undefined;
      /** The declared Content-Length, as sent. */
      contentLength: string | undefined;
      /** True when the request declares a body (a Content-Length above 0, or chunked). */
      hasBody: boolean;
    };

/**
 * Checks a request head; returns `{ error }` to refuse it (one response, `Connection: close`,
 * no handler) or `{ target }`, the origin-form target (`/path?query`) to route.
 *
 * Refused: more than `config.maxHeaders` fields (431; the server sets `maxHeadersCount` one
 * higher so the excess shows); an HTTP version other than 1.0/1.1 (505); two `Host` fields or
 * a `Host` that is not `host[:port]` (400); two `Content-Type` fields (400); a target with `#` (400); a target that is neither
 * origin-form (`/...`), absolute-form (`http://host/...`, whose authority must equal `Host`) nor
 * `*` for OPTIONS (400); a `Transfer-Encoding` other than plain `chunked` (501); chunked on
 * HTTP/1.0 (400).
 * @example const head = checkRequestHead(req, config); if (head.error) reject(head.error);
 */
export function checkRequestHead(req: IncomingMessage, config: ServerConfig): HeadCheck {
  const verdict = inspect(req, config);
  if (verdict.error) refusedSockets.add(req.socket);
  return verdict;
}

// absolute-form = scheme "://" authority path-abempty [ "?" query ]; only http and https.
const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?]*)(.*)$/;

/** Connections that had a request refused: they close, so what follows is not served. */
const refusedSockets = new WeakSet<object>();

/**
 * Marks a connection as closing after a refusal made elsewhere (a declared body over the
 * limit): requests already pipelined behind it are then refused too, and no handler runs.
 */
export function markRefused(wire: { readonly req: IncomingMessage }): void {
  refusedSockets.add(wire.req.socket);
}

function inspect(req: IncomingMessage, config: ServerConfig): HeadCheck {
  // Node parses and dispatches requests pipelined behind a refusal before the socket closes.
  if (refusedSockets.has(req.socket))
    return refuse(400, 'the connection closes after a refused request');
  const raw = req.rawHeaders;
  if (raw.length > config.maxHeaders * 2) {
    return refuse(431, `more than ${config.maxHeaders} header fields`);
  }
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor > 1) {
    return refuse(505, `HTTP/${req.httpVersion} is not supported; send HTTP/1.1`);
  }
  // One pass over the raw headers, so the request's parsed headers object is never built here
  // (Node builds it lazily, and a handler that never reads headers never pays for it).
  let hosts = 0;
  let contentTypes = 0;
  let host: string | undefined;
  let contentLength: string | undefined;
  let te: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host' && hosts++ === 0) host = raw[i + 1];
        break;
      case 12:
        if (name.toLowerCase() === 'content-type') contentTypes++;
        break;
      case 14:
        if (contentLength === undefined && name.toLowerCase() === 'content-length') {
          contentLength = raw[i + 1];
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          te = te === undefined ? raw[i + 1] : `${te}, ${raw[i + 1]}`;
        }
        break;
    }
  }
  if (hosts > 1) return refuse(400, 'more than one Host header');
  // Node keeps the first Content-Type and drops the rest; a proxy may keep the last. A body
  // whose type depends on who reads it is refused (RFC 9110 §5.3: a singleton field).
  if (contentTypes > 1) return refuse(400, 'more than one Content-Type header');
  if (host !== undefined && !isValidHost(host)) return refuse(400, 'malformed Host header');

  if (te !== undefined) {
    if (te.toLowerCase() !== 'chunked') {
      return refuse(501, 'only "Transfer-Encoding: chunked" is supported');
    }
    if (req.httpVersionMinor === 0) return refuse(400, 'HTTP/1.0 does not allow chunked bodies');
  }

  const hasBody = te !== undefined || (contentLength !== undefined && Number(contentLength) > 0);
  const url = req.url ?? '';
  if (url.includes('#')) return refuse(400, 'a request target must not hold "#"');
  if (url.charCodeAt(0) === 0x2f /* "/" */) return { target: url, host, contentLength, hasBody };
  if (url === '*') {
    return req.method === 'OPTIONS'
      ? { target: url, host, contentLength, hasBody }
      : refuse(400, 'the "*" target is only for OPTIONS');
  }
  const target = absoluteTarget(url, host);
  return typeof target === 'string' ? { target, host, contentLength, hasBody } : target;
}

/** An absolute-form target is routed by its path once its authority is known to be the Host. */
function absoluteTarget(url: string, host: string | undefined): string | HeadCheck {
  const m = ABSOLUTE.exec(url);
  if (!m) return refuse(400, 'the request target must start with "/"');
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  if (scheme !== 'http' && scheme !== 'https') {
    return refuse(400, `the "${scheme}" scheme is not served here`);
  }
  // RFC 9112 §3.2.2 lets the target's authority override Host; a proxy in front may route by
  // one and this server by the other, so they must agree (case-insensitively).
  if (host === undefined || authority.toLowerCase() !== host.toLowerCase()) {
    return refuse(400, 'the authority of an absolute-form target must equal the Host header');
  }
  const rest = m[3]!;
  return rest.charCodeAt(0) === 0x2f ? rest : '/' + rest;
}

function refuse(status: number, message: string): HeadCheck {
  return { error: new HttpError(status, message) };
}

/**
 * The checks of a request head that hold on every transport, made from a Wire (an HTTP/2
 * stream, a fetch Request, a test's fake wire): the target's form, the Host (or `:authority`),
 * the declared length. HTTP/1.1's own checks (raw header counts, versions, framing) stay in
 * {@link checkRequestHead}.
 * @example const head = checkWireHead(wire); if (head.error) refuse(head.error);
 */
export function checkWireHead(wire: {
  readonly method: string;
  readonly target: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}): HeadCheck {
  const h = wire.headers;
  const host = h.host;
  if (Array.isArray(host)) return refuse(400, 'more than one Host header');
  if (host !== undefined && !isValidHost(host)) return refuse(400, 'malformed Host header');
  const length = h['content-length'];
  if (Array.isArray(length) || (length !== undefined && !/^\d{1,15}$/.test(length))) {
    return refuse(400, 'malformed Content-Length');
  }
  const te = h['transfer-encoding'];
  const hasBody = te !== undefined || (length !== undefined && Number(length) > 0);
  const target = wire.target;
  if (target.includes('#')) return refuse(400, 'a request target must not hold "#"');
  if (target.charCodeAt(0) === 0x2f /* "/" */) {
    return { target, host, contentLength: length, hasBody };
  }
  if (target === '*' && wire.method === 'OPTIONS') {
    return { target, host, contentLength: length, hasBody };
  }
  return refuse(400, 'the request target must start with "/"');
}

/**
 * The header limits of HTTP/1.1 applied to a header list that arrived otherwise (an HTTP/2
 * HEADERS frame): more than `maxHeaders` fields, or more than `maxHeaderSize` bytes counted as
 * HPACK counts them (name + value + 32 per field), answers 431 as on HTTP/1.1.
 * @example const over = headerListOver(wire.headers, config); if (over) refuse(431, over);
 */
export function headerListOver(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  config: ServerConfig,
): string | undefined {
  let fields = 0;
  let bytes = 0;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      fields++;
      bytes += name.length + v.length + 32;
    }
  }
  if (fields > config.maxHeaders) return `more than ${config.maxHeaders} header fields`;
  if (bytes > config.maxHeaderSize)
    return `header fields larger than ${config.maxHeaderSize} bytes`;
  return undefined;
}
