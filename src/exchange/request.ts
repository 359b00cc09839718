/**
 * `r`: one request and its response. Everything is parsed lazily: the URL, query, cookies and
 * body are read on first access, and the AbortSignal is created when first asked for. It reads
 * the request through a Wire (whatever the transport) and holds none of the engine's state: the
 * chain, its position and the matched hooks live in the engine's per-request run.
 */
import { ClientClosedError, HttpError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { parseJsonBody } from '../http/safe-json.js';
import { parseContentType, isJsonType } from '../http/content-type.js';
import { parseUrlEncoded, parseQuery } from '../http/urlencoded.js';
import { parseCookieHeader } from '../http/cookie.js';
import { clientIp, requestScheme } from '../http/forwarded.js';
import type { IncomingHeaders } from '../http/headers.js';
import type { WebSocket } from 'ws';
import type { Wire } from '../wire/wire.js';
import { EXIT, EXIT_ALL, EXIT_HOOK } from './exit.js';
import type { ExchangeHost, RouteSchemas, RunView } from './host.js';
import { Response } from './response.js';

export type Params = Record<string, string>;
type Fields = Record<string, unknown>;

const REQUEST = Symbol.for('sluice.request');
const EMPTY_PARAMS: Params = Object.freeze(Object.create(null) as Params);

/** The request's context: what controllers receive first, as in GoFrame. */
class Context implements RequestContext {
  readonly [REQUEST]: Request;
  constructor(r: Request) {
    this[REQUEST] = r;
  }
  get signal(): AbortSignal {
    return this[REQUEST].signal;
  }
  get<T = unknown>(key: string): T | undefined {
    return this[REQUEST].getCtxVar<T>(key);
  }
  set(key: string, value: unknown): void {
    this[REQUEST].setCtxVar(key, value);
  }
}

/** What controllers receive first, as in GoFrame: `signal`, and `get`/`set` for values. */
export interface RequestContext {
  readonly signal: AbortSignal;
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

/**
 * One request. Handlers receive it as `r`; its response is `r.response`.
 * @example
 * s.get('/user/{id}', async (r) => {
 *   const page = Number(r.get('page', '1'));
 *   return { id: r.params.id, page, ip: r.ip };
 * });
 */
export class Request<P extends Params = Params> {
  readonly response: Response;
  readonly method: string;
  /** The path, without the query string, as sent (percent-encoded). */
  readonly path: string;
  /**
   * The route parameters, typed from the path literal on `s.get('/user/:id', (r) => r.params.id)`
   * (GoFrame syntax: `:name`, `{name}`, `*name`). Values are strings, percent-decoded.
   */
  params: P = EMPTY_PARAMS as P;
  /** The route pattern that matched ('' when none). */
  routePattern = '';
  /** @internal the typed route's schemas (`defineRoute`), when a typed route serves this request */
  routeSchemas: RouteSchemas | undefined = undefined;
  /** @internal the transport this request arrived on */
  readonly wire: Wire;
  /** @internal the engine's services */
  readonly env: ExchangeHost;
  /** @internal the engine's per-request run (error, returned value), set when it starts */
  run: RunView | undefined = undefined;
  /** @internal per-route body limit */
  bodyLimit: number;
  #middleware: { next: () => Promise<void> } | undefined;
  #search: string;
  #url: URL | undefined;
  #query: Fields | undefined;
  #body: Promise<Buffer> | undefined;
  #parsed: Fields | undefined;
  #cookies: Record<string, string> | undefined;
  #abort: AbortController | undefined;
  #abortReason: Error | undefined;
  #onAbort: Array<(reason: Error) => void> | undefined;
  #context: Context | undefined;
  #values: Map<string, unknown> | undefined;
  #log: Logger | undefined;
  #exited = false;
  #streamConsumed = false;

  /** @internal made by the server for each request */
  constructor(wire: Wire, env: ExchangeHost, path: string, search: string) {
    this.wire = wire;
    this.env = env;
    this.method = wire.method;
    this.path = path;
    this.#search = search;
    this.bodyLimit = env.config.bodyLimit;
    this.response = new Response(wire, env, this);
  }

  /** GoFrame's middleware control: `await r.middleware.next()` runs the rest of the chain. */
  get middleware(): { next: () => Promise<void> } {
    return (this.#middleware ??= { next: () => this.env.next(this) });
  }

  // ---- URL, headers, client ------------------------------------------------------------------

  /**
   * The full request URL (built on first access). Its scheme is `https:` on TLS, or with
   * `trustProxy` when the proxy says so in `X-Forwarded-Proto`; its host is the `Host` header
   * (`localhost` without one). Never throws: the request guard refuses a Host the URL parser
   * would refuse, and anything else odd falls back to `http://localhost/`.
   * @example r.url.searchParams.get('page')
   */
  get url(): URL {
    return (this.#url ??= buildUrl(this.protocol, this.header('host'), this.path, this.#search));
  }

  /** `'https'` on TLS or (with `trustProxy`) when `X-Forwarded-Proto` says so, else `'http'`. */
  get protocol(): 'http' | 'https' {
    const wire = this.wire;
    return requestScheme(
      wire.encrypted,
      wire.headers['x-forwarded-proto'],
      this.env.config.trustProxy,
    );
  }

  /** The HTTP version the request came with: `'1.0'`, `'1.1'` or `'2.0'`. */
  get httpVersion(): '1.0' | '1.1' | '2.0' {
    return this.wire.httpVersion;
  }

  /**
   * A request header (`undefined` when absent); several values are joined by ", ".
   * @example r.header('authorization')
   */
  header(name: string): string | undefined {
    const v = this.wire.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  /** All request headers, by lower-case name. */
  get headers(): IncomingHeaders {
    return this.wire.headers;
  }

  /** The client's address (from X-Forwarded-For only with `trustProxy`). */
  get ip(): string {
    const wire = this.wire;
    return clientIp(
      wire.remoteAddress,
      wire.headers['x-forwarded-for'],
      this.env.config.trustProxy,
    );
  }

  /**
   * The transport's own objects, for the rare adapter that needs them: `{ req, res }` (Node's
   * IncomingMessage and ServerResponse) on a Node listener. Prefer the API above.
   */
  get native(): unknown {
    return this.wire.native;
  }

  /** The request's logger: a child of the server's, carrying the request id when there is one. */
  get log(): Logger {
    if (this.#log) return this.#log;
    const id = this.id;
    return (this.#log = id ? this.env.logger.child({ reqId: id }) : this.env.logger);
  }

  /** The request id (from `requestId()` middleware, else the `X-Request-Id` header, else ''). */
  get id(): string {
    return (
      (this.#values?.get('requestId') as string | undefined) ?? this.header('x-request-id') ?? ''
    );
  }

  /** A request cookie. */
  cookie(name: string): string | undefined {
    return (this.#cookies ??= parseCookieHeader(this.header('cookie')))[name];
  }

  // ---- parameters ------------------------------------------------------------------------------

  /** The parsed query string (values repeated in the URL become arrays). */
  get query(): Fields {
    return (this.#query ??= parseQuery(this.#search));
  }

  /** A route parameter. */
  getRouter(key: string, def?: string): string | undefined {
    return (own(this.params, key) as string | undefined) ?? def;
  }

  /** A query parameter. */
  getQuery<T = unknown>(key: string, def?: T): T | undefined {
    return (own(this.query, key) as T | undefined) ?? def;
  }

  /** A body field (after `await r.parse()`). */
  getForm<T = unknown>(key: string, def?: T): T | undefined {
    return (own(this.#parsed, key) as T | undefined) ?? def;
  }

  /**
   * A value from the merged parameters in GoFrame's precedence: body fields (once read) over
   * query over route parameters. Only the request's own fields count: `r.get('constructor')`
   * is `undefined` unless the client sent such a field.
   * @example const page = Number(r.get('page', '1'))
   */
  get<T = unknown>(key: string, def?: T): T | undefined {
    const v = own(this.#parsed, key) ?? own(this.query, key) ?? own(this.params, key);
    return (v as T | undefined) ?? def;
  }

  /** Every parameter merged: route, then query, then body (later wins, as in GoFrame). */
  async all(): Promise<Fields> {
    const body = await this.parse();
    // The common controller case (no route params, no query) needs no merged copy.
    if (this.params === EMPTY_PARAMS && this.#search.length <= 1) return body;
    return Object.assign(Object.create(null) as Fields, this.params, this.query, body);
  }

  // ---- body ------------------------------------------------------------------------------------

  /** The raw body, bounded by the body limit (413 beyond). */
  body(): Promise<Buffer> {
    if (this.#streamConsumed) return Promise.reject(HttpError.fromCode('SLUICE_BODY_CONSUMED'));
    return (this.#body ??= this.wire.readBody(this.bodyLimit));
  }

  /** The body as UTF-8 text (400 for invalid UTF-8). */
  async text(): Promise<string> {
    const buf = await this.body();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      throw HttpError.fromCode('SLUICE_INVALID_UTF8');
    }
  }

  /** The body as JSON (400 for malformed JSON, forbidden keys, nesting deeper than 64). */
  async json<T = unknown>(): Promise<T> {
    return parseJsonBody(await this.body()) as T;
  }

  /**
   * The body's fields by Content-Type: JSON (an object), urlencoded form, or nothing for an
   * empty body; 415 for other types. Afterwards `r.get()` and `r.getForm()` see the fields.
   */
  async parse(): Promise<Fields> {
    if (this.#parsed) return this.#parsed;
    const rawType = this.header('content-type');
    const ct = parseContentType(rawType);
    const buf = await this.body();
    let fields: Fields;
    if (buf.length === 0) fields = Object.create(null) as Fields;
    else if (ct && isJsonType(ct.type)) {
      const value = parseJsonBody(buf);
      fields =
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? (value as Fields)
          : ({ __body: value } as Fields);
    } else if (ct?.type === 'application/x-www-form-urlencoded') {
      fields = parseUrlEncoded(await this.text());
    } else {
      throw HttpError.fromCode(
        'SLUICE_UNSUPPORTED_MEDIA_TYPE',
        `${ct?.type ?? (rawType ? 'a malformed Content-Type' : 'no Content-Type')}; send application/json or application/x-www-form-urlencoded`,
      );
    }
    return (this.#parsed = fields);
  }

  /** The body as a web stream, bounded by the body limit, for large uploads. Read it once. */
  bodyStream(): ReadableStream<Uint8Array> {
    if (this.#body || this.#streamConsumed) throw HttpError.fromCode('SLUICE_BODY_CONSUMED');
    this.#streamConsumed = true;
    return this.wire.bodyStream(this.bodyLimit);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /**
   * Aborts when the client disconnects, a write fails, a limit cuts the stream, or the server
   * shuts down. Created on first access (Sluice's own streams do not need it).
   */
  get signal(): AbortSignal {
    if (!this.#abort) {
      this.#abort = new AbortController();
      if (this.#abortReason) this.#abort.abort(this.#abortReason);
      // A stream's sink reports a client that left; a plain response asks the wire.
      else if (!this.response.sink) this.wire.onAbandon(() => this.abort(new ClientClosedError()));
    }
    return this.#abort.signal;
  }

  /** The reason the request was aborted, once it was. */
  get abortReason(): Error | undefined {
    return this.#abortReason;
  }

  /**
   * @internal Aborts the request (and its signal, if anyone asked for it) with the reason. It
   * runs from socket listeners and timers, so a callback that throws (a user's iterator whose
   * `return()` throws, say) is logged, never left uncaught.
   */
  abort(reason: Error): void {
    if (this.#abortReason) return;
    this.#abortReason = reason;
    const callbacks = this.#onAbort;
    this.#onAbort = undefined;
    if (callbacks) {
      for (const cb of callbacks) {
        try {
          cb(reason);
        } catch (err) {
          this.log.error({ err, method: this.method, path: this.path }, 'an abort callback threw');
        }
      }
    }
    // Last: listeners on the public signal are the user's own (an EventTarget reports theirs).
    this.#abort?.abort(reason);
  }

  /**
   * @internal Runs `cb` when the request aborts, without creating an AbortSignal (an
   * AbortController per stream is a large part of its memory). Undo with offAborted().
   */
  onAborted(cb: (reason: Error) => void): void {
    if (this.#abortReason) {
      const reason = this.#abortReason;
      queueMicrotask(() => cb(reason));
      return;
    }
    (this.#onAbort ??= []).push(cb);
  }

  /** @internal */
  offAborted(cb: (reason: Error) => void): void {
    const list = this.#onAbort;
    const i = list ? list.indexOf(cb) : -1;
    if (i !== -1) list!.splice(i, 1);
  }

  /** @internal the response's sink reports the stream is gone */
  onStreamGone(reason: Error): void {
    this.abort(reason);
  }

  /**
   * Takes the connection as a WebSocket, GoFrame's `r.WebSocket()`: called in an ordinary
   * handler, so the upgrade request went through routing, middleware (auth, CORS) and hooks
   * first, and a handler that answers instead (401, 404) sends that answer and no upgrade
   * happens. Returns the `ws` library's `WebSocket` (`npm install ws`, an optional peer).
   * Limits: `webSocketMaxMessage` (close 1009), `webSocketMaxBuffered` (a socket that does not
   * read is closed with 1008), pings every `webSocketPingInterval`; shutdown closes with 1001.
   * Throws `SLUICE_WEBSOCKET_UNAVAILABLE` (426) for a request that is no HTTP/1.1 upgrade
   * request, `SLUICE_WEBSOCKET_HANDSHAKE` (400) for a malformed handshake.
   * @example
   * s.get('/ws', async (r) => {
   *   const ws = await r.webSocket();
   *   ws.on('message', (m) => ws.send(`echo: ${m}`));
   * });
   */
  webSocket(options?: { protocols?: string[] }): Promise<WebSocket> {
    const upgrade = this.wire.upgrade;
    if (!upgrade || String(this.header('upgrade')).toLowerCase() !== 'websocket') {
      return Promise.reject(
        HttpError.fromCode('SLUICE_WEBSOCKET_UNAVAILABLE', `${this.method} ${this.path}`),
      );
    }
    let taking: Promise<WebSocket>;
    try {
      taking = upgrade.call(this.wire, options);
    } catch (err) {
      return Promise.reject(err);
    }
    // The handshake was valid: the connection is the WebSocket's now, no HTTP answer follows.
    this.response.handOff();
    return taking;
  }

  /** The request's context (`signal`, `get`/`set` values); `g.requestFromCtx(ctx)` gives `r` back. */
  context(): RequestContext {
    return (this.#context ??= new Context(this));
  }

  /** A value stored on the request (by middleware, say). */
  getCtxVar<T = unknown>(key: string): T | undefined {
    return this.#values?.get(key) as T | undefined;
  }

  /** Stores a value on the request. */
  setCtxVar(key: string, value: unknown): void {
    (this.#values ??= new Map()).set(key, value);
  }

  /** Ends the current handler or middleware function only (like `return`). */
  exit(): never {
    throw EXIT;
  }

  /**
   * Ends the current function at once and every later `next()` is a no-op; Sluice's own
   * post-processing middleware then leaves the response alone. Do not swallow it in a catch.
   */
  exitAll(): never {
    this.#exited = true;
    throw EXIT_ALL;
  }

  /** Ends the current hook chain (the remaining hooks of this kind do not run). */
  exitHook(): never {
    throw EXIT_HOOK;
  }

  /** True after `exitAll()`. */
  isExited(): boolean {
    return this.#exited;
  }

  /** The error a handler or middleware threw, if any. */
  getError(): unknown {
    return this.run?.error;
  }

  /** The value the handler returned (for post-processing middleware). */
  getHandlerResponse(): unknown {
    return this.run?.returned;
  }

  /** @internal recognises a context made by Sluice */
  static fromContext(ctx: unknown): Request | undefined {
    return ctx !== null && typeof ctx === 'object'
      ? ((ctx as { [REQUEST]?: Request })[REQUEST] ?? undefined)
      : undefined;
  }
}

/** A field of the request's own (never one inherited from Object.prototype). */
function own(fields: Record<string, unknown> | undefined, key: string): unknown {
  return fields !== undefined && Object.hasOwn(fields, key) ? fields[key] : undefined;
}

/**
 * The request URL from its parts. The path goes after the authority (never resolved against
 * it), so a path like `//evil.example/x` stays a path; an unparsable combination falls back
 * to `http://localhost/` so that `r.url` never throws.
 */
function buildUrl(scheme: string, host: string | undefined, path: string, search: string): URL {
  const at = path.charCodeAt(0) === 0x2f /* / */ ? path : '/';
  try {
    return new URL(`${scheme}://${host || 'localhost'}${at}${search}`);
  } catch {
    return new URL(`${scheme}://localhost/`);
  }
}
