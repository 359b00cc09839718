/**
 * The HTTP/2 wire: one stream of an HTTP/2 session as a Wire (and as the Channel its Sink writes
 * to), on Node's core stream API. Connection-specific headers a handler sets (`Connection`,
 * `Keep-Alive`, `Proxy-Connection`, `Transfer-Encoding`, `Upgrade`) have no meaning here and
 * would make Node throw: they are dropped, silently, never a per-request warning. Flow control
 * is per stream: backpressure, the stall timeout and a cut (RST_STREAM) touch this stream only,
 * never its siblings on the connection.
 */
import http2 from 'node:http2';
import type { IncomingHeaders } from '../http/headers.js';
import type { Channel, ChannelEvents } from '../stream/channel.js';
import { relayEvents, stopRelay } from './event-relay.js';
import { bodyStream, readBody, type BodySource } from './read-body.js';
import type { OutgoingHeaders, Wire } from './wire.js';

const {
  HTTP2_HEADER_AUTHORITY,
  HTTP2_HEADER_METHOD,
  HTTP2_HEADER_PATH,
  HTTP2_HEADER_STATUS,
  NGHTTP2_CANCEL,
  NGHTTP2_INTERNAL_ERROR,
} = http2.constants;

/** Header names HTTP/2 forbids (RFC 9113 §8.2.2), dropped from every answer. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** How long a stream truncated after an error may take to flush what it had (ms). */
const CLOSE_GRACE_MS = 1000;

/**
 * One HTTP/2 stream as a Wire.
 * @example server.on('stream', (stream, headers) => serve(new Http2Wire(stream, headers)));
 */
export class Http2Wire implements Wire, Channel {
  readonly stream: http2.ServerHttp2Stream;
  readonly headers: IncomingHeaders;
  readonly method: string;
  readonly target: string;
  readonly httpVersion = '2.0' as const;
  #continue: boolean;

  readonly passThrough: (() => void) | undefined;

  constructor(
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    passThrough?: () => void,
  ) {
    this.stream = stream;
    this.passThrough = passThrough;
    this.method = String(headers[HTTP2_HEADER_METHOD] ?? 'GET');
    this.target = String(headers[HTTP2_HEADER_PATH] ?? '/');
    this.headers = requestHeaders(headers);
    this.#continue = this.headers.expect === '100-continue';
    // A peer's RST_STREAM arrives as an error on the stream: the exchange just ends ('close').
    stream.on('error', () => {});
  }

  // ---- the request ------------------------------------------------------------------------

  get remoteAddress(): string {
    return this.stream.session?.socket?.remoteAddress ?? '';
  }

  get encrypted(): boolean {
    return (this.stream.session?.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  }

  get bodyPending(): boolean {
    return !this.stream.readableEnded && this.#declaresBody();
  }

  readBody(limit: number): Promise<Buffer> {
    this.#sendContinue();
    return readBody(this.#bodySource(), limit);
  }

  bodyStream(limit: number): ReadableStream<Uint8Array> {
    this.#sendContinue();
    return bodyStream(this.#bodySource(), limit);
  }

  get native(): { stream: http2.ServerHttp2Stream } {
    return { stream: this.stream };
  }

  #bodySource(): BodySource {
    const stream = this.stream;
    return { stream, headers: this.headers, complete: () => stream.readableEnded };
  }

  #declaresBody(): boolean {
    const length = this.headers['content-length'];
    // HTTP/2 has no chunked framing: a body without a length ends with END_STREAM.
    return length === undefined ? !this.stream.readableEnded : Number(length) > 0;
  }

  /** 100 Continue is owed only once the handler reads the body. */
  #sendContinue(): void {
    if (!this.#continue) return;
    this.#continue = false;
    if (!this.stream.headersSent && !this.stream.destroyed) {
      this.stream.additionalHeaders({ [HTTP2_HEADER_STATUS]: 100 });
    }
  }

  // ---- answering --------------------------------------------------------------------------

  respond(
    status: number,
    headers: OutgoingHeaders,
    body: string | Uint8Array | undefined,
  ): Channel | undefined {
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return undefined;
    const empty =
      body === undefined || (typeof body === 'string' ? body === '' : body.byteLength === 0);
    stream.respond(responseHeaders(status, headers), { endStream: empty });
    if (!empty) stream.end(body);
    return stream.writableLength > 0 && !stream.writableFinished ? this : undefined;
  }

  openStream(status: number, headers: OutgoingHeaders): Channel {
    if (!this.stream.destroyed && !this.stream.closed) {
      this.stream.respond(responseHeaders(status, headers));
    }
    return this;
  }

  onAbandon(cb: () => void): void {
    const stream = this.stream;
    stream.once('close', () => {
      if (!stream.writableFinished) cb();
    });
  }

  // ---- the channel ------------------------------------------------------------------------

  write(chunk: string | Uint8Array): boolean {
    return this.stream.write(chunk);
  }

  end(chunk?: string | Uint8Array): void {
    if (this.stream.writableEnded) return;
    if (chunk === undefined) this.stream.end();
    else this.stream.end(chunk);
  }

  /** RST_STREAM (CANCEL): this stream is cut, its siblings on the connection go on. */
  destroy(): void {
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
  }

  /** What was written goes out, then RST_STREAM (INTERNAL_ERROR): a truncated body. */
  closeAfterPending(): void {
    const stream = this.stream;
    if (stream.destroyed) return;
    const reset = (): void => {
      if (!stream.destroyed) stream.close(NGHTTP2_INTERNAL_ERROR);
    };
    if (stream.writableLength === 0) return reset();
    stream.once('drain', reset);
    setTimeout(reset, CLOSE_GRACE_MS).unref();
  }

  get unsent(): number {
    return this.stream.writableLength;
  }

  get finished(): boolean {
    return this.stream.writableFinished;
  }

  get destroyed(): boolean {
    return this.stream.destroyed;
  }

  cork(): void {
    this.stream.cork();
  }

  uncork(): void {
    this.stream.uncork();
  }

  listen(events: ChannelEvents): void {
    relayEvents(this.stream, events);
  }

  unlisten(events: ChannelEvents): void {
    stopRelay(this.stream, events);
  }
}

/**
 * The request headers as a handler sees them on HTTP/1.1: pseudo-headers dropped, `:authority`
 * as `host`, several cookie fields joined by `; ` (RFC 9113 §8.2.3).
 */
function requestHeaders(headers: http2.IncomingHttpHeaders): IncomingHeaders {
  const out: Record<string, string | string[] | undefined> = {};
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a /* : */) continue;
    const value = headers[name];
    out[name] = name === 'cookie' && Array.isArray(value) ? value.join('; ') : value;
  }
  const authority = headers[HTTP2_HEADER_AUTHORITY];
  if (authority !== undefined && out.host === undefined) out.host = String(authority);
  return out;
}

/** The answer's headers for `stream.respond`: `:status`, minus what HTTP/2 forbids. */
function responseHeaders(status: number, headers: OutgoingHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = { [HTTP2_HEADER_STATUS]: status };
  for (const name in headers) {
    const key = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(key)) continue;
    // TE is allowed only as "trailers" (RFC 9113 §8.2.2).
    if (key === 'te' && String(headers[name]).toLowerCase() !== 'trailers') continue;
    out[key] = headers[name];
  }
  return out;
}
