/**
 * `r.response`: GoFrame's buffered response with `flush()` streaming. State lives here and only
 * here: buffering -> committed (headers on the wire, streaming) -> ended.
 * - write* append to the buffer; the buffer is sent when the handler chain ends, whole and with
 *   Content-Length, unless flush() committed the response first (then it is chunked).
 * - flush() commits on its first call and resolves when the socket took the bytes.
 * - After commit, status/header/cookie setters throw SLUICE_HEADERS_COMMITTED.
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { SluiceError } from '../errors.js';
import { formatPrintf } from './printf.js';
import { serializeCookie, type CookieOptions } from './cookie.js';
import { ResponseHeaders } from './headers.js';
import { Outlet } from '../stream/outlet.js';
import { pipeSource, type StreamSource } from '../stream/pipe-source.js';
import { RawWriter } from './raw-writer.js';
import { sendFile } from '../server/static-handler.js';
import { EventStream, type EventStreamOptions } from '../sse/event-stream.js';
import type { Request } from '../request/request.js';
import zlib from 'node:zlib';
import { CompressedOutlet } from '../stream/compressed-outlet.js';
import { isCompressible, type CompressionPlan } from '../middleware/compress.js';

const BUFFERING = 0;
const COMMITTED = 1;
const ENDED = 2;

const TEXT_PLAIN = 'text/plain; charset=utf-8';
const APPLICATION_JSON = 'application/json; charset=utf-8';
const RESOLVED_FALSE = Promise.resolve(false);
const EMPTY = Buffer.alloc(0);

export type BodyChunk = string | Uint8Array;

export class Response {
  /** The Node response underneath: touched only by Sluice's edge code. */
  readonly raw: ServerResponse;
  /** The request this response answers. */
  readonly request: Request;
  #status = 200;
  #state = BUFFERING;
  #chunks: BodyChunk[] | undefined;
  #bytes = 0;
  #headers: ResponseHeaders | undefined;
  #cookies: string[] | undefined;
  #sseHeaders = false;
  /** @internal the open stream once committed */
  outlet: Outlet | undefined;
  /** @internal true once anything was written (buffer or wire) by the handler chain */
  touched = false;
  /** @internal value a handler returned, serialised at the end unless middleware used it */
  returned: unknown = undefined;
  /** @internal set when a mode (sse/stream) owns the body */
  eventStream: EventStream | undefined;
  /** @internal set by compress(): the encoding the client accepts and the thresholds */
  compression: CompressionPlan | undefined;

  constructor(raw: ServerResponse, request: Request) {
    this.raw = raw;
    this.request = request;
  }

  // ---- state -------------------------------------------------------------------------------

  /** True once status and headers are on the wire (after the first flush). */
  get committed(): boolean {
    return this.#state !== BUFFERING;
  }

  /** True once the response is finished (or the client is gone). */
  get ended(): boolean {
    return this.#state === ENDED || (this.outlet?.gone ?? false);
  }

  /**
   * The HTTP status (default 200). Setting it after commit throws SLUICE_HEADERS_COMMITTED; a
   * status outside 200-999 (a 1xx included: it cannot end a response) throws
   * SLUICE_STATUS_INVALID.
   */
  get status(): number {
    return this.#status;
  }
  set status(code: number) {
    this.#guard('status');
    // A 1xx is informational: as the final status it would leave the client waiting for one.
    if (!Number.isInteger(code) || code < 200 || code > 999) {
      throw new SluiceError('SLUICE_STATUS_INVALID', String(code));
    }
    this.#status = code;
  }

  /** The response headers (`set`, `get`, `has`, `delete`, `append`). */
  header(): ResponseHeaders {
    return (this.#headers ??= new ResponseHeaders(this));
  }

  /** @internal headers if any were set, without allocating. */
  get headersIfAny(): ResponseHeaders | undefined {
    return this.#headers;
  }

  // ---- buffered writers ----------------------------------------------------------------------

  /** Appends values to the buffer: strings and bytes as they are, numbers as text, objects as JSON. */
  write(...values: unknown[]): void {
    for (const v of values) this.#append(v);
  }

  /** write() then a line break. */
  writeln(...values: unknown[]): void {
    for (const v of values) this.#append(v);
    this.#append('\n');
  }

  /** printf-style write: verbs `%s %d %i %f %v %j %o %%` (see printf.ts). */
  writef(format: string, ...args: unknown[]): void {
    this.#append(formatPrintf(format, args));
  }

  /** writef() then a line break: `writefln('data: %d', i)`. */
  writefln(format: string, ...args: unknown[]): void {
    this.#append(formatPrintf(format, args) + '\n');
  }

  /** Writes a value as JSON and sets `Content-Type: application/json` (unless already set). */
  writeJson(value: unknown): void {
    if (this.#state === BUFFERING && !this.#headers?.has('content-type')) {
      this.header().set('Content-Type', APPLICATION_JSON);
    }
    this.#append(JSON.stringify(value) ?? 'null');
  }

  /** Sets the status and writes the values, or the status text when there are none. */
  writeStatus(status: number, ...values: unknown[]): void {
    this.status = status;
    if (values.length > 0) this.write(...values);
    else if (this.#bytes === 0) this.#append(statusText(status));
  }

  /** write() then ends the current handler (r.exit()). */
  writeExit(...values: unknown[]): never {
    this.write(...values);
    return this.request.exit();
  }

  /** writeJson() then ends the current handler. */
  writeJsonExit(value: unknown): never {
    this.writeJson(value);
    return this.request.exit();
  }

  /** writeStatus() then ends the current handler. */
  writeStatusExit(status: number, ...values: unknown[]): never {
    this.writeStatus(status, ...values);
    return this.request.exit();
  }

  /** Replaces the buffer with the values. */
  writeOver(...values: unknown[]): void {
    this.clearBuffer();
    this.write(...values);
  }

  /** writeOver() then ends the current handler. */
  writeOverExit(...values: unknown[]): never {
    this.writeOver(...values);
    return this.request.exit();
  }

  /** The buffered bytes (not yet sent). */
  buffer(): Buffer {
    if (!this.#chunks || this.#chunks.length === 0) return EMPTY;
    const joined = joinChunks(this.#chunks, this.#bytes);
    this.#chunks = [joined];
    return joined;
  }

  /** The buffer as UTF-8 text. */
  bufferString(): string {
    return this.buffer().toString('utf8');
  }

  /** Bytes in the buffer. */
  bufferLength(): number {
    return this.#bytes;
  }

  /** Replaces the buffer with these bytes or text. */
  setBuffer(data: BodyChunk): void {
    this.clearBuffer();
    this.#append(data);
  }

  /** Empties the buffer. */
  clearBuffer(): void {
    this.#chunks = undefined;
    this.#bytes = 0;
  }

  /**
   * Redirects: sets `Location` and the status (default 302). Characters outside ASCII are
   * percent-encoded as UTF-8 (as Go's `http.Redirect` does); CR, LF or NUL throw
   * SLUICE_HEADER_INVALID.
   * @example r.response.redirectTo('/login?next=%2Fme', 303)
   */
  redirectTo(url: string, status = 302): void {
    let location = url;
    if (/[^\x00-\x7f]/.test(url)) {
      try {
        location = url.replace(/[^\x00-\x7f]+/g, (s) => encodeURI(s));
      } catch {
        throw new SluiceError('SLUICE_HEADER_INVALID', `Location holds a lone surrogate`);
      }
    }
    const headers = this.header();
    headers.set('Location', location);
    this.status = status;
  }

  /** Sends a file: type from its name, ETag/Last-Modified (304), Range (206/416), streamed from disk. */
  serveFile(path: string): Promise<void> {
    return sendFile(this.request, path);
  }

  /** Sets a cookie, sent with the headers at commit. */
  setCookie(name: string, value: string, options: CookieOptions = {}): void {
    this.#guard(`cookie "${name}"`);
    (this.#cookies ??= []).push(serializeCookie(name, value, { path: '/', ...options }));
  }

  /** Tells the client to drop a cookie. */
  removeCookie(name: string, options: CookieOptions = {}): void {
    this.setCookie(name, '', { path: '/', ...options, maxAge: 0, expires: new Date(0) });
  }

  // ---- streaming -----------------------------------------------------------------------------

  /**
   * Sends the headers (the first time, even with an empty buffer: that opens the stream) and
   * the buffer, now. Resolves true when the socket took the bytes without backpressure, else
   * when it drains; false once the client is gone or a limit cut the stream. Never hangs.
   */
  flush(): Promise<boolean> {
    if (this.#state === ENDED) return RESOLVED_FALSE;
    if (this.#state === BUFFERING) {
      const hooks = this.request.core.beforeOutput(this.request);
      if (hooks) return hooks.then(() => this.#commitAndSend());
    }
    try {
      return this.#commitAndSend();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #commitAndSend(): Promise<boolean> {
    if (this.#state === BUFFERING) this.commit();
    const outlet = this.outlet;
    if (!outlet || outlet.gone) return RESOLVED_FALSE;
    const chunks = this.#chunks;
    if (chunks !== undefined) {
      this.#chunks = undefined;
      this.#bytes = 0;
      this.request.core.inspectFlush?.(this.request, chunks);
      for (const c of chunks) if (!outlet.write(c)) return RESOLVED_FALSE;
    }
    return outlet.ready();
  }

  /**
   * The connection without the buffer (Go's `RawWriter()` + `http.Flusher`). It commits at its
   * first write or flush, so headers set after rawWriter() but before that still go out.
   */
  rawWriter(): RawWriter {
    return new RawWriter(this);
  }

  /** Opens a Server-Sent Events stream (commits at once). */
  sse(options: EventStreamOptions = {}): EventStream {
    if (this.eventStream) return this.eventStream;
    this.#guard('sse() after the response was committed');
    const h = this.header();
    h.set('Content-Type', 'text/event-stream; charset=utf-8');
    h.set('Cache-Control', 'no-cache, no-transform');
    h.set('X-Accel-Buffering', 'no');
    h.delete('Content-Length');
    h.delete('Connection');
    this.#sseHeaders = true;
    // sse() commits synchronously: beforeOutput hooks run, but one that returns a promise is not awaited here.
    void this.request.core.beforeOutput(this.request);
    this.commit();
    this.eventStream = new EventStream(this, options);
    return this.eventStream;
  }

  /**
   * Streams a source (AsyncIterable of strings/bytes, web ReadableStream or Node Readable) with
   * backpressure; stops the source when the client leaves. Resolves true when the source ended,
   * false when the client left first.
   */
  stream(source: StreamSource, options: { contentType?: string } = {}): Promise<boolean> {
    if (this.#state === BUFFERING && !this.#headers?.has('content-type')) {
      this.header().set('Content-Type', options.contentType ?? 'application/octet-stream');
    }
    return this.flush().then((ok) =>
      ok || !this.outlet?.gone ? pipeSource(this, source, toChunk) : (stopSource(source), false),
    );
  }

  /** Streams one JSON value per line (`application/x-ndjson`). */
  ndjson(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<boolean> {
    if (this.#state === BUFFERING && !this.#headers?.has('content-type')) {
      this.header().set('Content-Type', 'application/x-ndjson; charset=utf-8');
    }
    return this.flush().then((ok) =>
      ok || !this.outlet?.gone ? pipeSource(this, source, toNdjsonLine) : false,
    );
  }

  // ---- internal ------------------------------------------------------------------------------

  /** @internal Puts status, headers and cookies on the wire; the response becomes a stream. */
  commit(): void {
    if (this.#state !== BUFFERING) return;
    const plan = this.compression && this.#compressible() ? this.compression : undefined;
    if (plan?.streams) {
      const h = this.header();
      h.set('Content-Encoding', plan.encoding);
      h.delete('Content-Length');
    }
    const raw = this.raw;
    this.#writeHead(this.#status, this.#headerObject());
    this.#state = COMMITTED;
    const core = this.request.core;
    const outlet = plan?.streams
      ? new CompressedOutlet(raw, core.policy, core.registry, plan.encoding, plan)
      : new Outlet(raw, core.policy, core.registry);
    outlet.owner = this.request;
    this.outlet = outlet;
    if (this.request.method === 'HEAD' || isBodiless(this.#status)) {
      // HEAD (served by the GET handler) and bodiless statuses end right after the headers.
      outlet.end();
      this.#state = ENDED;
      return;
    }
    // A declared length is a promise about the bytes that follow: the outlet holds the stream to it.
    const declared = this.#headers?.get('content-length');
    if (declared !== undefined && !plan?.streams) outlet.declareLength(Number(declared));
    raw.flushHeaders();
  }

  /** @internal The one place a response ends. */
  finish(): void {
    if (this.#state === ENDED) return;
    if (this.#state === COMMITTED) {
      this.#state = ENDED;
      const outlet = this.outlet!;
      if (this.eventStream) this.eventStream.release();
      const chunks = this.#chunks;
      this.#chunks = undefined;
      this.#bytes = 0;
      if (!outlet.gone && chunks) {
        this.request.core.inspectFlush?.(this.request, chunks);
        for (const c of chunks) outlet.write(c);
      }
      outlet.end();
      return;
    }
    const raw = this.raw;
    const status = this.#status;
    let body: BodyChunk | undefined;
    let encoding: string | undefined;
    if (!isBodiless(status)) {
      const chunks = this.#chunks;
      body = !chunks ? '' : chunks.length === 1 ? chunks[0]! : joinChunks(chunks, this.#bytes);
      const plan = this.compression;
      if (plan && this.#bytes >= plan.threshold && this.#compressible()) {
        body = compressWhole(body, plan);
        encoding = plan.encoding;
      }
    }
    const headers = this.#headerObject();
    if (body !== undefined) {
      const length = typeof body === 'string' ? this.#bytes : body.byteLength;
      if (encoding) headers['Content-Encoding'] = encoding;
      if (length > 0 && !this.#headers?.has('content-type')) headers['Content-Type'] = TEXT_PLAIN;
      // HEAD keeps a Content-Length the handler set (the size a GET would send).
      if (this.request.method !== 'HEAD' || !this.#headers?.has('content-length')) {
        headers['Content-Length'] = String(length);
      }
    }
    // An error answered while the request body is still arriving: close rather than read and
    // discard the rest. A request without a body keeps its connection.
    if (status >= 400 && this.request.bodyPending) headers['Connection'] = 'close';
    this.#writeHead(status, headers);
    this.#state = ENDED;
    if (body === undefined || this.request.method === 'HEAD') raw.end();
    else raw.end(body);
    // A body the socket could not take at once stays under the stall timeout and the budget.
    const core = this.request.core;
    Outlet.watchTail(raw, core.policy, core.registry);
  }

  /**
   * @internal Ends a committed response abnormally (an error after commit): no terminating
   * chunk, the connection is closed, so a truncated body can never look complete.
   */
  abort(reason: Error): void {
    if (this.#state === BUFFERING) return;
    this.#state = ENDED;
    this.eventStream?.release();
    this.#chunks = undefined;
    this.#bytes = 0;
    this.outlet?.abort(reason);
  }

  /** @internal After Node refused the head: a plain 500 with nothing the handler set. */
  resetForFailure(): void {
    this.#headers = undefined;
    this.#cookies = undefined;
    this.#chunks = undefined;
    this.#bytes = 0;
    this.compression = undefined;
    this.#status = 500;
    this.#append(statusText(500));
  }

  /**
   * writeHead, keeping the response consistent if Node refuses it: headers are checked when set,
   * so this is a last line of defence, and a refused head leaves nothing half-set on `raw`.
   */
  #writeHead(status: number, headers: Record<string, string | string[]>): void {
    try {
      this.raw.writeHead(status, headers);
    } catch (err) {
      for (const name of this.raw.getHeaderNames()) this.raw.removeHeader(name);
      throw new SluiceError('SLUICE_HEADER_INVALID', (err as Error).message, { cause: err });
    }
  }

  /** @internal Whether the handler produced any output (a written buffer or a commit). */
  get hasOutput(): boolean {
    return this.#bytes > 0 || this.#state !== BUFFERING;
  }

  /** Whether compress() may encode this response (and, if so, mark it Vary: Accept-Encoding). */
  #compressible(): boolean {
    const h = this.#headers;
    if (this.request.method === 'HEAD' || isBodiless(this.#status)) return false;
    if (h?.has('content-encoding')) return false;
    // no-transform binds intermediaries; sse() sets it for proxies, so only a handler's own counts.
    if (!this.#sseHeaders && /no-transform/i.test(h?.get('cache-control') ?? '')) return false;
    if (!isCompressible(h?.get('content-type') ?? (this.#bytes > 0 ? TEXT_PLAIN : undefined)))
      return false;
    if (this.#state === BUFFERING) this.header().append('Vary', 'Accept-Encoding');
    return true;
  }

  #headerObject(): Record<string, string | string[]> {
    const headers = this.#headers ? this.#headers.toObject() : {};
    // Sluice frames the body itself; a Transfer-Encoding copied from elsewhere would contradict it.
    if (this.#headers?.has('transfer-encoding')) {
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === 'transfer-encoding') delete headers[name];
      }
    }
    if (this.#cookies) {
      const existing = headers['Set-Cookie'] ?? this.#headers?.get('set-cookie');
      headers['Set-Cookie'] = existing
        ? [...(Array.isArray(existing) ? existing : [existing]), ...this.#cookies]
        : this.#cookies;
    }
    return headers;
  }

  #append(value: unknown): void {
    if (value === undefined || value === null) return;
    let chunk: BodyChunk;
    if (typeof value === 'string') chunk = value;
    else if (value instanceof Uint8Array) chunk = value;
    else if (typeof value === 'object') chunk = JSON.stringify(value) ?? '';
    else chunk = String(value);
    const len = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (len === 0) return;
    this.touched = true;
    (this.#chunks ??= []).push(chunk);
    this.#bytes += len;
  }

  #guard(what: string): void {
    if (this.#state !== BUFFERING) throw new SluiceError('SLUICE_HEADERS_COMMITTED', what);
  }
}

function joinChunks(chunks: BodyChunk[], bytes: number): Buffer {
  if (chunks.length === 1) {
    const c = chunks[0]!;
    return typeof c === 'string'
      ? Buffer.from(c)
      : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const c of chunks) {
    if (typeof c === 'string') at += out.write(c, at);
    else {
      out.set(c, at);
      at += c.byteLength;
    }
  }
  return out;
}

function compressWhole(body: BodyChunk, plan: CompressionPlan): Buffer {
  if (plan.encoding === 'br') {
    return zlib.brotliCompressSync(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: plan.brotliQuality },
    });
  }
  return zlib.gzipSync(body, { level: plan.gzipLevel });
}

function isBodiless(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

function toChunk(value: unknown): BodyChunk {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  return String(value);
}

function toNdjsonLine(value: unknown): string {
  return (JSON.stringify(value) ?? 'null') + '\n';
}

function stopSource(source: StreamSource): void {
  if (source instanceof Readable) source.destroy();
  else if (source instanceof ReadableStream) source.cancel().catch(() => undefined);
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The reason phrase for a status. */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? String(status);
}
