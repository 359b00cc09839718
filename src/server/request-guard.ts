/**
 * Checks on the request head made before any routing or handler, stricter than Node where it
 * matters (API §10). Returns the error to answer with, or undefined.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors.js';
import type { ServerConfig } from '../config.js';

export function checkRequestHead(
  req: IncomingMessage,
  config: ServerConfig,
): HttpError | undefined {
  const raw = req.rawHeaders;
  if (raw.length > config.maxHeaders * 2) {
    return new HttpError(431, `more than ${config.maxHeaders} header fields`);
  }
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
  }
  if (hosts > 1) return new HttpError(400, 'more than one Host header');
  const host = req.headers.host;
  if (host !== undefined && /[/\s@?#\\]/.test(host))
    return new HttpError(400, 'malformed Host header');
  const url = req.url ?? '';
  if (url.includes('#')) return new HttpError(400, 'a request target must not hold "#"');
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) {
    if (te.trim().toLowerCase() !== 'chunked') {
      return new HttpError(501, `Transfer-Encoding "${te}" is not supported; only "chunked"`);
    }
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) {
      return new HttpError(400, 'HTTP/1.0 does not allow chunked bodies');
    }
  }
  return undefined;
}
