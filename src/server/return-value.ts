/**
 * What a handler's return value becomes when it wrote nothing (API §4): a string is text, bytes
 * are bytes, a Node Readable / web ReadableStream / web Response are streamed as they are, any
 * other AsyncIterable is streamed (SSE when the client accepts text/event-stream, else NDJSON,
 * with `Vary: Accept`), and any other value is JSON. A Content-Type or status already set is kept.
 */
import { Readable } from 'node:stream';
import type { Request } from '../request/request.js';

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
    value.headers.forEach((v, k) => {
      if (!headers.has(k)) headers.set(k, v);
    });
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
