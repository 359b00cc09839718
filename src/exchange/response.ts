/**
 * `r.response`: GoFrame's buffered response with `flush()` streaming. Its state lives here and
 * only here: buffering -> committed (head on the wire, streaming) -> ended.
 * - write* append to the buffer; the buffer is sent when the handler chain ends, whole and with
 *   Content-Length, unless something committed the response first (then it streams).
 * - One commit path, whichever way the handler commits (`flush`, `sse`, `stream`, `rawWriter`):
 *   the beforeOutput hooks run, then the head goes out and a Sink takes the body.
 * - `commit()` and `finish()` are the only callers of the Wire; everyone who wants the response
 *   ended (the engine, `es.close()`, shutdown, an error) asks `finish()` or `abort()`.
 * - After commit, status/header/cookie setters throw SLUICE_HEADERS_COMMITTED.
 */
import { shouldValidate } from '../config.js';
import { stat as fsStat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { HttpError, SluiceError, statusText } from '../errors/index.js';
import { isCompressible, type CompressionPlan } from '../http/encoding.js';
import { formatPrintf } from '../http/printf.js';
import { serializeCookie, type CookieOptions } from '../http/cookie.js';
import { contentDisposition } from '../http/content-disposition.js';
import {
  corsOriginAllowed,
  defaultCorsOptions,
  type ResponseCorsOptions,
} from '../http/cors-options.js';
import { encodeXml } from '../http/xml.js';
import { ResponseHeaders } from '../http/headers.js';
import { toNdjsonLine } from '../codec/ndjson.js';
import { EventStream, type EventStreamOptions } from '../sse/event-stream.js';
import { CompressingChannel } from '../stream/compressing-channel.js';
import { pipeSource, type StreamSource } from '../stream/pipe-source.js';
import { Sink } from '../stream/sink.js';
import type { OutgoingHeaders, Wire } from '../wire/wire.js';
import {
  chunkLength,
  compressWhole,
  isBodiless,
  joinChunks,
  toBodyChunk,
  type BodyChunk,
} from './body-chunks.js';
import type { ExchangeHost, ExchangeRequest } from './host.js';
import { RawWriter } from './raw-writer.js';
import { sendFile } from './serve-file.js';

export type { BodyChunk };

const BUFFERING = 0;
const COMMITTED = 1;
const ENDED = 2;

const TEXT_PLAIN = 'text/plain; charset=utf-8';
const APPLICATION_JSON = 'application/json; charset=utf-8';
const RESOLVED_FALSE = Promise.resolve(false);
const EMPTY = Buffer.alloc(0);

/**
 * The response of one request: a buffer, a status, headers and cookies until commit; a stream
 * after it.
 * @example
 * s.get('/hello', (r) => {
 *   r.response.header().set('Cache-Control', 'no-store');
 *   r.response.writeJson({ hello: 'world' });
 * });
 */
export class Response {
  readonly #wire: Wire;
  readonly #host: ExchangeHost;
  readonly #request: ExchangeRequest;
  #status = 200;
  #state = BUFFERING;
  #chunks: BodyChunk[] | undefined;
  #bytes = 0;
  #headers: ResponseHeaders | undefined;
  #cookies: string[] | undefined;
  #sseHeaders = false;
  #hooksRan = false;
  #touched = false;
  #sealed = false;
  #onDone: Array<() => void> | undefined;
  /** @internal the body's Sink once committed */
  sink: Sink | undefined;
  /** @internal set when sse() owns the body */
  eventStream: EventStream | undefined;
  /** @internal set by compress(): the encoding the client accepts and the thresholds */
  compression: CompressionPlan | undefined;

  /** @internal made by the server for each request */
  constructor(wire: Wire, host: ExchangeHost, request: ExchangeRequest) {
    this.#wire = wire;
    this.#host = host;
    this.#request = request;
  }

  // ---- state -------------------------------------------------------------------------------

  /** True once status and headers are on the wire (after the first flush). */
  get committed(): boolean {
    return this.#state !== BUFFERING;
  }

  /** True once the response is finished (or the client is gone). */
  get ended(): boolean {
    return this.#state === ENDED || (this.sink?.gone ?? false);
  }

  /**
   * The HTTP status (default 200). Setting it after commit throws SLUICE_HEADERS_COMMITTED; a
   * status outside 200-999 (a 1xx included: it cannot end a response) throws
   * SLUICE_STATUS_INVALID.
   * @example r.response.status = 201
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

  /**
   * The response headers (`set`, `get`, `has`, `delete`, `append`).
   * @example r.response.header().set('Cache-Control', 'no-store')
   */
  header(): ResponseHeaders {
    return (this.#headers ??= new ResponseHeaders(this));
  }

  // ---- buffered writers ----------------------------------------------------------------------

  /**
   * Appends values to the buffer: strings and bytes as they are, numbers as text, objects as JSON.
   * @example r.response.write('a', 1, { b: 2 }) // a1{"b":2}
   */
  write(...values: unknown[]): void {
    for (const v of values) this.#append(v);
  }

  /** write() then a line break. */
  writeln(...values: unknown[]): void {
    for (const v of values) this.#append(v);
    this.#append('\n');
  }

  /**
   * printf-style write: verbs `%s %d %i %f %v %j %o %%` (see http/printf.ts).
   * @example r.response.writef('%05.1f|%s', 3.14159, 'pi') // 003.1|pi
   */
  writef(format: string, ...args: unknown[]): void {
    this.#append(formatPrintf(format, args));
  }

  /**
   * writef() then a line break.
   * @example r.response.writefln('data: %d', i)
   */
  writefln(format: string, ...args: unknown[]): void {
    this.#append(formatPrintf(format, args) + '\n');
  }

  /**
   * Writes a value as JSON and sets `Content-Type: application/json` (unless already set). A
   * string or bytes are taken as JSON already serialised and written as they are (GoFrame's
   * behaviour); any other value is serialised.
   * @example r.response.writeJson({ id: 1 })
   * @example r.response.writeJson('{"id":1}') // written as it is
   */
  writeJson(value: unknown): void {
    if (this.#state === BUFFERING && !this.#headers?.has('content-type')) {
      this.header().setOwnContentType(APPLICATION_JSON);
    }
    if (typeof value === 'string' || value instanceof Uint8Array) this.#append(value);
    else this.#append(JSON.stringify(value) ?? 'null');
  }

  /**
   * JSONP (GoFrame's `WriteJsonP`): `Content-Type: application/javascript`; the value as
   * writeJson writes it, wrapped as `<callback>(<json>)` when the request has a `callback`
   * parameter. A callback that is not a JavaScript name path (`cb`, `app.on_data`, `a[0]`)
   * answers 400: a free-form callback would let a page inject script.
   * @example r.response.writeJsonP({ name: 'john' }) // ?callback=cb -> cb({"name":"john"})
   */
  writeJsonP(value: unknown): void {
    const json =
      typeof value === 'string' || value instanceof Uint8Array
        ? value
        : (JSON.stringify(value) ?? 'null');
    const raw = this.#request.get<unknown>('callback');
    const callback = raw === undefined || raw === null ? '' : String(raw);
    if (callback !== '' && !/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(callback)) {
      throw new HttpError(
        400,
        'the JSONP callback must be a JavaScript name (letters, digits, _ $ .)',
      );
    }
    if (this.#state === BUFFERING && !this.#headers?.has('content-type')) {
      this.header().set('Content-Type', 'application/javascript');
      this.header().set('X-Content-Type-Options', 'nosniff');
    }
    if (callback === '') this.#append(json);
    else {
      this.#append(callback + '(');
      this.#append(json);
      this.#append(')');
    }
  }

  /**
   * XML (GoFrame's `WriteXml`): `Content-Type: application/xml`; a string or bytes as they are,
   * any other value encoded as elements (`{ name: 'john' }` -> `<name>john</name>`), inside
   * `rootTag` when given.
   * @example r.response.writeXml({ name: 'john' }, 'user') // <user><name>john</name></user>
   */
  writeXml(value: unknown, rootTag?: string): void {
    const body =
      typeof value === 'string' || value instanceof Uint8Array ? value : encodeXml(value, rootTag);
    if (this.#state === BUFFERING && !this.#headers?.has('content-type')) {
      this.header().set('Content-Type', 'application/xml; charset=utf-8');
    }
    this.#append(body);
  }

  /**
   * Sets the status and writes the values, or the status text when there are none.
   * @example r.response.writeStatus(404) // body "Not Found"
   */
  writeStatus(status: number, ...values: unknown[]): void {
    this.status = status;
    if (values.length > 0) this.write(...values);
    else if (this.#bytes === 0) this.#append(statusText(status));
  }

  /** write() then ends the current handler (r.exit()). */
  writeExit(...values: unknown[]): never {
    this.write(...values);
    return this.#request.exit();
  }

  /** writeJson() then ends the current handler. */
  writeJsonExit(value: unknown): never {
    this.writeJson(value);
    return this.#request.exit();
  }

  /**
   * writeln() then ends the current handler.
   * @example r.response.writelnExit('done')
   */
  writelnExit(...values: unknown[]): never {
    this.writeln(...values);
    return this.#request.exit();
  }

  /**
   * writef() then ends the current handler.
   * @example r.response.writefExit('%d items', 3)
   */
  writefExit(format: string, ...args: unknown[]): never {
    this.writef(format, ...args);
    return this.#request.exit();
  }

  /**
   * writefln() then ends the current handler.
   * @example r.response.writeflnExit('data: %d', 1)
   */
  writeflnExit(format: string, ...args: unknown[]): never {
    this.writefln(format, ...args);
    return this.#request.exit();
  }

  /**
   * writeJsonP() then ends the current handler.
   * @example r.response.writeJsonPExit({ ok: true })
   */
  writeJsonPExit(value: unknown): never {
    this.writeJsonP(value);
    return this.#request.exit();
  }

  /**
   * writeXml() then ends the current handler.
   * @example r.response.writeXmlExit({ ok: true }, 'result')
   */
  writeXmlExit(value: unknown, rootTag?: string): never {
    this.writeXml(value, rootTag);
    return this.#request.exit();
  }

  /** writeStatus() then ends the current handler. */
  writeStatusExit(status: number, ...values: unknown[]): never {
    this.writeStatus(status, ...values);
    return this.#request.exit();
  }

  /** Replaces the buffer with the values. */
  writeOver(...values: unknown[]): void {
    this.clearBuffer();
    this.write(...values);
  }

  /** writeOver() then ends the current handler. */
  writeOverExit(...values: unknown[]): never {
    this.writeOver(...values);
    return this.#request.exit();
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

  /** Empties the buffer (a file body served before is dropped too: writes count again). */
  clearBuffer(): void {
    this.#chunks = undefined;
    this.#bytes = 0;
    this.#sealed = false;
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
    this.header().set('Location', location);
    this.status = status;
  }

  /**
   * Redirects to the request's `Referer` (GoFrame's `RedirectBack`), or to `/` without one.
   * @example r.response.redirectBack()
   */
  redirectBack(status = 302): void {
    this.redirectTo(this.#request.header('referer') || '/', status);
  }

  /**
   * Sends a file: type from its name, ETag/Last-Modified (304), Range (206/416), streamed from
   * disk. What was buffered before is replaced by the file.
   * @example await r.response.serveFile('./public/report.pdf')
   */
  serveFile(path: string): Promise<void> {
    return sendFile(this.#request, this, path);
  }

  /**
   * Sends a file as a download (GoFrame's `ServeFileDownload`): `Content-Disposition:
   * attachment` with the name (default: the file's own) encoded by RFC 6266/8187 (a quoted ASCII
   * `filename`, plus `filename*=UTF-8''...` when the name is not plain ASCII),
   * `Content-Type: application/force-download`, `Access-Control-Expose-Headers:
   * Content-Disposition`; ranges and conditionals as serveFile. 404 when the file is missing.
   * @example await r.response.serveFileDownload('/srv/reports/2024.pdf', 'Rapport 2024.pdf')
   */
  async serveFileDownload(path: string, name?: string): Promise<void> {
    const st = await statFile(path);
    if (!st) {
      this.clearBuffer();
      throw new HttpError(404, 'Not Found');
    }
    const h = this.header();
    h.set('Content-Disposition', contentDisposition(name ?? baseName(path)));
    h.set('Access-Control-Expose-Headers', 'Content-Disposition');
    return sendFile(this.#request, this, path, st, {
      etag: 'strong',
      contentType: 'application/force-download',
    });
  }

  /**
   * CORS headers from GoFrame's `CORSOptions` (GoFrame's `r.Response.CORS`): each field given
   * sets its header (Allow-Origin only when the Origin passes `allowDomain`); an OPTIONS
   * request is then answered (200 unless a status was set) and the chain ends (`exitAll`).
   * @example r.response.cors({ allowOrigin: 'https://app.example', allowMethods: 'GET,POST' })
   */
  cors(options: ResponseCorsOptions): void {
    const h = this.header();
    if (options.allowOrigin && corsOriginAllowed(options, this.#request.header('origin'))) {
      h.set('Access-Control-Allow-Origin', options.allowOrigin);
      if (options.allowOrigin !== '*') h.append('Vary', 'Origin');
    }
    if (options.allowCredentials)
      h.set('Access-Control-Allow-Credentials', options.allowCredentials);
    if (options.exposeHeaders) h.set('Access-Control-Expose-Headers', options.exposeHeaders);
    if (options.maxAge) h.set('Access-Control-Max-Age', String(options.maxAge));
    if (options.allowMethods) h.set('Access-Control-Allow-Methods', options.allowMethods);
    if (options.allowHeaders) h.set('Access-Control-Allow-Headers', options.allowHeaders);
    if (this.#request.method === 'OPTIONS') this.#request.exitAll();
  }

  /**
   * GoFrame's `CORSDefault()`: `cors(defaultCorsOptions())`, i.e. every origin (echoed), with
   * credentials, GoFrame's method and header lists (plus the headers a preflight asks) and a
   * 42-day max age, on every response, Origin or not. Permissive: prefer the `cors()` middleware
   * with an origin list for anything that uses cookies or Authorization.
   * @example s.use(async (r) => { r.response.corsDefault(); await r.middleware.next(); })
   */
  corsDefault(): void {
    this.cors(this.defaultCorsOptions());
  }

  /**
   * GoFrame's `DefaultCORSOptions()` for this request, to adjust and pass to `cors()`.
   * @example r.response.cors({ ...r.response.defaultCorsOptions(), allowDomain: ['example.com'] })
   */
  defaultCorsOptions(): ResponseCorsOptions {
    return defaultCorsOptions((name) => this.#request.header(name));
  }

  /**
   * Sets a cookie, sent with the headers at commit. The server's cookie defaults
   * (`setConfig({ cookie: { maxAge, path, domain, sameSite, secure, httpOnly } })`) apply
   * first; the call's own options win. Setting a name again replaces the earlier cookie.
   * @example r.response.setCookie('sid', id, { httpOnly: true, sameSite: 'Lax' })
   */
  setCookie(name: string, value: string, options: CookieOptions = {}): void {
    this.#guard(`cookie "${name}"`);
    const defaults = this.#host.config.cookie;
    const line = serializeCookie(name, value, { path: '/', ...defaults, ...options });
    // One cookie per name, as GoFrame's cookie map holds it: a later set replaces an earlier one.
    const cookies = (this.#cookies ??= []);
    const at = cookies.findIndex((c) => c.startsWith(name + '='));
    if (at === -1) cookies.push(line);
    else cookies[at] = line;
  }

  /** Tells the client to drop a cookie. */
  removeCookie(name: string, options: CookieOptions = {}): void {
    this.setCookie(name, '', { path: '/', ...options, maxAge: 0, expires: new Date(0) });
  }

  // ---- streaming -----------------------------------------------------------------------------

  /**
   * Sends the headers (the first time, even with an empty buffer: that opens the stream) and
   * the buffer, now. Resolves true when the transport took the bytes without backpressure, else
   * when it drains; false once the client is gone or a limit cut the stream. Never hangs.
   * @example r.response.writefln('data: %d', i); await r.response.flush();
   */
  flush(): Promise<boolean> {
    if (this.#state === ENDED) return RESOLVED_FALSE;
    try {
      const hooks = this.#state === BUFFERING ? this.runBeforeOutput() : undefined;
      if (hooks) return hooks.then(() => this.#commitAndSend());
      return this.#commitAndSend();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #commitAndSend(): Promise<boolean> {
    const sink = this.openSink();
    if (!sink || sink.gone) return RESOLVED_FALSE;
    const chunks = this.#takeChunks();
    if (chunks !== undefined) {
      this.#host.flushObserver?.(this.#request, chunks);
      if (!sink.writeAll(chunks)) return RESOLVED_FALSE;
    }
    return sink.ready();
  }

  /**
   * The connection without the buffer (Go's `RawWriter()` + `http.Flusher`). It commits at its
   * first write or flush, so headers set after rawWriter() but before that still go out.
   * @example const rw = r.response.rawWriter(); rw.write('data: 1\n\n'); await rw.flush();
   */
  rawWriter(): RawWriter {
    return new RawWriter(this);
  }

  /**
   * Opens a Server-Sent Events stream (commits at once). A beforeOutput hook that returns a
   * promise is not awaited here (the commit is synchronous); its synchronous part runs first.
   * @example const es = r.response.sse(); await es.send({ event: 'tick', data: 1 });
   */
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
    this.openSink();
    const events = this.#request.routeSchemas?.events;
    this.eventStream = new EventStream(
      this,
      this.#request,
      options,
      events && Object.keys(events).length > 0 && shouldValidate(this.#host.config)
        ? events
        : undefined,
    );
    return this.eventStream;
  }

  /**
   * Streams a source (AsyncIterable of strings/bytes, web ReadableStream or Node Readable) with
   * backpressure; stops the source when the client leaves. Resolves true when the source ended,
   * false when the client left first.
   * @example await r.response.stream(fs.createReadStream('big.csv'), { contentType: 'text/csv' })
   */
  stream(source: StreamSource, options: { contentType?: string } = {}): Promise<boolean> {
    if (this.#state === BUFFERING && !this.#headers?.has('content-type')) {
      this.header().set('Content-Type', options.contentType ?? 'application/octet-stream');
    }
    return this.flush().then((ok) =>
      ok || (this.sink !== undefined && !this.sink.gone)
        ? pipeSource(this.sink!, this.#request, source, toChunk)
        : (stopSource(source), false),
    );
  }

  /**
   * Streams one JSON value per line (`application/x-ndjson`).
   * @example await r.response.ndjson(rowsFromDb())
   */
  ndjson(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<boolean> {
    if (this.#state === BUFFERING && !this.#headers?.has('content-type')) {
      this.header().set('Content-Type', 'application/x-ndjson; charset=utf-8');
    }
    return this.flush().then((ok) =>
      ok || (this.sink !== undefined && !this.sink.gone)
        ? pipeSource(this.sink!, this.#request, source, toNdjsonLine)
        : false,
    );
  }

  // ---- the one commit path, and the end ------------------------------------------------------

  /**
   * @internal Runs the beforeOutput hooks once, before the first commit; a promise only when a
   * hook is asynchronous.
   */
  runBeforeOutput(): Promise<void> | undefined {
    if (this.#hooksRan || this.#state !== BUFFERING) return undefined;
    this.#hooksRan = true;
    return this.#host.beforeOutput(this.#request);
  }

  /**
   * @internal Commits if needed (hooks first) and returns the body's Sink; undefined when the
   * response ended at commit (HEAD, a bodiless status).
   */
  openSink(): Sink | undefined {
    if (this.#state === BUFFERING) {
      const retryAfter = this.#host.admitStream(this.#request);
      if (retryAfter !== undefined) {
        // Thrown before anything is committed, so the engine answers the 429 (with this header).
        this.header().set('Retry-After', String(retryAfter));
        throw HttpError.fromCode('SLUICE_TOO_MANY_STREAMS');
      }
      void this.runBeforeOutput();
      this.#commit();
    }
    return this.sink;
  }

  /** Puts status, headers and cookies on the wire; the body follows through a Sink. */
  #commit(): void {
    const plan = this.compression && this.#compressible() ? this.compression : undefined;
    if (plan?.streams) {
      const h = this.header();
      h.set('Content-Encoding', plan.encoding);
      h.delete('Content-Length');
    }
    const headers = this.#headerObject();
    const bodiless = this.#request.method === 'HEAD' || isBodiless(this.#status);
    const host = this.#host;
    // The head goes out before the state changes: if the wire refuses it, nothing was sent.
    const opened = bodiless
      ? this.#respond(this.#status, headers, undefined)
      : this.#openStream(this.#status, headers);
    this.#state = bodiless ? ENDED : COMMITTED;
    if (bodiless) {
      // HEAD (served by the GET handler) and bodiless statuses end right after the head.
      if (opened) Sink.watchTail(opened, host.policy, host.registry);
      this.#done();
      return;
    }
    const channel = plan?.streams ? new CompressingChannel(opened!, plan.encoding, plan) : opened!;
    const sink = new Sink(channel, host.policy, host.registry);
    sink.owner = this.#request;
    // A declared length is a promise about the bytes that follow: the sink holds the stream to it.
    const declared = this.#headers?.get('content-length');
    if (declared !== undefined && !plan?.streams) sink.declareLength(Number(declared));
    this.sink = sink;
  }

  /** @internal The one place a response ends normally. */
  finish(): void {
    if (this.#state === ENDED) return;
    if (this.#state === COMMITTED) {
      this.#state = ENDED;
      const sink = this.sink!;
      this.eventStream?.release();
      const chunks = this.#takeChunks();
      if (!sink.gone && chunks) {
        this.#host.flushObserver?.(this.#request, chunks);
        sink.writeAll(chunks);
      }
      sink.end();
      this.#done();
      return;
    }
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
    const head = this.#request.method === 'HEAD';
    // Sluice frames a buffered body itself: the handler's Content-Length (in any case) gives way,
    // but for HEAD, which keeps it (the size a GET would send), and a bodiless status, which
    // never carries one.
    const ownLength = body !== undefined && !(head && this.#headers?.has('content-length'));
    if (ownLength && this.#headers?.has('content-length')) this.#headers.delete('content-length');
    const headers = this.#headerObject();
    if (body !== undefined) {
      const length = typeof body === 'string' ? this.#bytes : body.byteLength;
      if (encoding) headers['Content-Encoding'] = encoding;
      if (length > 0 && !this.#headers?.has('content-type')) headers['Content-Type'] = TEXT_PLAIN;
      if (ownLength) headers['Content-Length'] = String(length);
    }
    // An error answered while the request body is still arriving: close rather than read and
    // discard the rest. A request without a body keeps its connection.
    if (status >= 400 && this.#wire.bodyPending) headers['Connection'] = 'close';
    const unsent = this.#respond(status, headers, head ? undefined : body);
    this.#state = ENDED;
    // A body the transport could not take at once stays under the stall timeout and the budget.
    if (unsent) Sink.watchTail(unsent, this.#host.policy, this.#host.registry);
    this.#done();
  }

  /**
   * @internal Ends a committed response abnormally (an error after commit): no terminating
   * chunk, the connection is closed, so a truncated body can never look complete.
   */
  abort(reason: Error): void {
    if (this.#state === BUFFERING) return;
    this.#state = ENDED;
    this.eventStream?.release();
    this.#takeChunks();
    this.sink?.abort(reason);
    this.#done();
  }

  /**
   * @internal The exchange leaves Sluice's hands before anything was sent: a WebSocket took the
   * connection, or a mounted app's `next()` answers instead. Nothing more is written.
   */
  handOff(): void {
    this.#guard('the exchange was handed off');
    this.#state = ENDED;
    this.#done();
  }

  /** @internal After the wire refused the head: a plain 500 with nothing the handler set. */
  resetForFailure(): void {
    this.#headers = undefined;
    this.#cookies = undefined;
    this.#chunks = undefined;
    this.#bytes = 0;
    this.compression = undefined;
    this.#status = 500;
    this.#append(statusText(500));
  }

  /** @internal Calls `fn` once the response ended (finished, aborted or cut). */
  whenDone(fn: () => void): void {
    if (this.#state === ENDED) fn();
    else (this.#onDone ??= []).push(fn);
  }

  /** @internal (FileResponse) the body is a file: later buffered writes are dropped */
  sealBody(): void {
    this.#sealed = true;
  }

  /** @internal Whether the handler produced any output (a written buffer or a commit). */
  get hasOutput(): boolean {
    return this.#bytes > 0 || this.#state !== BUFFERING;
  }

  /** @internal True once anything was written (buffer or wire) by the handler chain. */
  get touched(): boolean {
    return this.#touched;
  }

  /** @internal (RawTarget) marks the response as written to. */
  markTouched(): void {
    this.#touched = true;
  }

  /** @internal (RawTarget) the buffered bytes, taken out of the buffer. */
  takeBuffer(): Buffer | undefined {
    if (this.#bytes === 0) return undefined;
    const buf = this.buffer();
    this.clearBuffer();
    return buf;
  }

  #done(): void {
    const callbacks = this.#onDone;
    this.#onDone = undefined;
    if (callbacks) for (const fn of callbacks) fn();
  }

  #takeChunks(): BodyChunk[] | undefined {
    const chunks = this.#chunks;
    this.#chunks = undefined;
    this.#bytes = 0;
    return chunks;
  }

  /** The wire's answer, keeping the response consistent if the head is refused. */
  #respond(status: number, headers: OutgoingHeaders, body: BodyChunk | undefined) {
    try {
      return this.#wire.respond(status, headers, body);
    } catch (err) {
      throw headRefused(err);
    }
  }

  #openStream(status: number, headers: OutgoingHeaders) {
    try {
      return this.#wire.openStream(status, headers);
    } catch (err) {
      throw headRefused(err);
    }
  }

  /** Whether compress() may encode this response (and, if so, mark it Vary: Accept-Encoding). */
  #compressible(): boolean {
    const h = this.#headers;
    if (this.#request.method === 'HEAD' || isBodiless(this.#status)) return false;
    if (h?.has('content-encoding')) return false;
    // no-transform binds intermediaries; sse() sets it for proxies, so only a handler's own counts.
    if (!this.#sseHeaders && /no-transform/i.test(h?.get('cache-control') ?? '')) return false;
    if (!isCompressible(h?.get('content-type') ?? (this.#bytes > 0 ? TEXT_PLAIN : undefined)))
      return false;
    if (this.#state === BUFFERING) this.header().append('Vary', 'Accept-Encoding');
    return true;
  }

  #headerObject(): OutgoingHeaders {
    const headers = this.#headers ? this.#headers.toObject() : {};
    // Sluice frames the body itself; a Transfer-Encoding copied from elsewhere would contradict
    // it, and a 204 carries no Content-Length (RFC 9110 §8.6).
    const h = this.#headers;
    if (h?.has('transfer-encoding') || (this.#status === 204 && h?.has('content-length'))) {
      for (const name of Object.keys(headers)) {
        const key = name.toLowerCase();
        if (key === 'transfer-encoding' || key === 'content-length') {
          if (key === 'transfer-encoding' || this.#status === 204) delete headers[name];
        }
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
    if (this.#sealed) return;
    const chunk = toBodyChunk(value);
    if (chunk === undefined) return;
    const len = chunkLength(chunk);
    if (len === 0) return;
    this.#touched = true;
    (this.#chunks ??= []).push(chunk);
    this.#bytes += len;
  }

  #guard(what: string): void {
    if (this.#state !== BUFFERING) throw new SluiceError('SLUICE_HEADERS_COMMITTED', what);
  }
}

function statFile(path: string): Promise<Stats | undefined> {
  return fsStat(path).then(
    (st) => (st.isFile() ? st : undefined),
    () => undefined,
  );
}

function baseName(path: string): string {
  const parts = path.split(/[/\\]/);
  return parts[parts.length - 1] || 'download';
}

/** Headers are checked when set, so a refused head is a last line of defence: say so clearly. */
function headRefused(err: unknown): SluiceError {
  return new SluiceError('SLUICE_HEADER_INVALID', (err as Error).message, { cause: err });
}

function toChunk(value: unknown): BodyChunk {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  return String(value);
}

function stopSource(source: StreamSource): void {
  if (source instanceof Readable) source.destroy();
  else if (source instanceof ReadableStream) source.cancel().catch(() => undefined);
}
