/**
 * What a handler's return value becomes when it wrote nothing (API §4): a string is text, bytes
 * are bytes, a Node Readable / web ReadableStream / web Response are streamed as they are, any
 * other AsyncIterable is streamed (SSE when the client accepts text/event-stream, else NDJSON,
 * with `Vary: Accept`), and any other value is JSON. A Content-Type or status already set is kept.
 */
import { Readable } from 'node:stream';
import type { Request } from './request.js';
import type { ResponseHeaders } from '../http/headers.js';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: never copied
 * from another response. Content-Length is never copied either: Sluice frames what it sends.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

/**
 * Copies a web Response's headers the handler did not set itself, minus what describes the
 * upstream connection or framing: hop-by-hop headers (and any the upstream's `Connection`
 * names), Content-Length, and, for a body `fetch()` already decoded, Content-Encoding (the
 * bytes that follow are no longer encoded). A Response built in the handler keeps its
 * Content-Encoding: its body is sent as it is.
 */
function copyEndToEndHeaders(from: Response, to: ResponseHeaders): void {
  const skip = new Set(HOP_BY_HOP);
  for (const token of (from.headers.get('connection') ?? '').split(',')) {
    if (token.trim()) skip.add(token.trim().toLowerCase());
  }
  // fetch() responses are 'basic' or 'cors' and carry a decoded body; new Response() is 'default'.
  if (from.type !== 'default') skip.add('content-encoding');
  from.headers.forEach((v, k) => {
    if (skip.has(k) || k === 'set-cookie' || to.has(k)) return;
    to.set(k, v);
  });
  if (!to.has('set-cookie'))
    for (const c of from.headers.getSetCookie()) to.append('Set-Cookie', c);
}

/** Sends the value; returns a promise only when the body is streamed. */
export function sendReturnValue(r: Request, value: unknown): Promise<unknown> | undefined {
  const res = r.response;
  const headers = res.header();
  if (typeof value === 'string') {
    if (!headers.has('content-type')) headers.set('Content-Type', 'text/plain; charset=utf-8');
    res.write(value);
    return undefined;
  }
  if (value instanceof Uint8Array) {
    if (!headers.has('content-type')) headers.set('Content-Type', 'application/octet-stream');
    res.write(value);
    return undefined;
  }
  if (value instanceof Response) {
    if (res.status === 200) res.status = value.status;
    copyEndToEndHeaders(value, headers);
    if (!value.body) return undefined;
    return res.stream(value.body);
  }
  if (value instanceof Readable || value instanceof ReadableStream) return res.stream(value);
  if (value !== null && typeof value === 'object' && Symbol.asyncIterator in value) {
    headers.append('Vary', 'Accept');
    if ((r.header('accept') ?? '').includes('text/event-stream')) {
      return res.sse().pipe(value as AsyncIterable<unknown>);
    }
    return res.ndjson(value as AsyncIterable<unknown>);
  }
  res.writeJson(value);
  return undefined;
}
