/**
 * `r`: one request and its response. Everything is parsed lazily: the URL, query, cookies and
 * body are read on first access, and the AbortSignal is created when first asked for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientClosedError, HttpError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Response } from '../response/response.js';
import type { MatchedHooks, ServerCore } from '../server/core.js';
import { parseJsonBody } from './safe-json.js';
import { parseContentType, isJsonType } from './content-type.js';
import { parseUrlEncoded, parseQuery } from './urlencoded.js';
import { readBody, bodyStream } from './read-body.js';
import { parseCookieHeader } from '../response/cookie.js';
import { clientIp, requestScheme } from './client-ip.js';
import { EXIT, EXIT_ALL, EXIT_HOOK } from '../server/exit.js';

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

export class Request {
  /** The Node request underneath: touched only by Sluice's edge code. */
  readonly raw: IncomingMessage;
  readonly response: Response;
  /** @internal */
  readonly core: ServerCore;
  readonly method: string;
  /** The path, without the query string, as sent (percent-encoded). */
  readonly path: string;
  /** The route parameters. */
  params: Params = EMPTY_PARAMS;
  /** The route pattern that matched ('' when none). */
  routePattern = '';
  /** @internal hooks whose pattern matched this request (only when hooks are bound) */
  hooks: MatchedHooks | undefined = undefined;
  #middleware: { next: () => Promise<void> } | undefined;
  /** @internal chain position and functions, set by the dispatcher */
  chainIndex = -1;
  /** @internal */
  chain: ReadonlyArray<(r: Request) => unknown> = [];
  /** @internal a 100-continue is owed before the body is read */
  expectsContinue = false;
  /** @internal per-route body limit */
  bodyLimit: number;
  /** @internal the request declared a body (Content-Length above 0, or chunked) */
  hasBody = false;
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
  #error: unknown;
  #streamConsumed = false;

  constructor(
    raw: IncomingMessage,
    res: ServerResponse,
    core: ServerCore,
    path: string,
    search: string,
  ) {
    this.raw = raw;
    this.core = core;
    this.method = raw.method ?? 'GET';
    this.path = path;
    this.#search = search;
    this.bodyLimit = core.config.bodyLimit;
    this.response = new Response(res, this);
  }

  /** @internal True while a declared body is still arriving (not read to its end). */
  get bodyPending(): boolean {
    return this.hasBody && !this.raw.complete;
  }

  /** GoFrame's middleware control: `await r.middleware.next()` runs the rest of the chain. */
  get middleware(): { next: () => Promise<void> } {
    return (this.#middleware ??= { next: () => this.core.next(this) });
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
    return (this.#url ??= buildUrl(
      requestScheme(this.raw, this.core.config.trustProxy),
      this.raw.headers.host,
      this.path,
      this.#search,
    ));
  }

  /** `'https'` on TLS or (with `trustProxy`) when `X-Forwarded-Proto` says so, else `'http'`. */
  get protocol(): 'http' | 'https' {
    return requestScheme(this.raw, this.core.config.trustProxy);
  }

  /** A request header (`undefined` when absent); several values are joined by ", ". */
  header(name: string): string | undefined {
    const v = this.raw.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  /** All request headers, by lower-case name. */
  get headers(): IncomingMessage['headers'] {
    return this.raw.headers;
  }

  /** The client's address (from X-Forwarded-For only with `trustProxy`). */
  get ip(): string {
    return clientIp(this.raw, this.core.config.trustProxy);
  }

  /** The request's logger: a child of the server's, carrying the request id when there is one. */
  get log(): Logger {
    if (this.#log) return this.#log;
    const id = this.id;
    return (this.#log = id ? this.core.logger.child({ reqId: id }) : this.core.logger);
  }

  /** The request id (from `requestId()` middleware, else the `X-Request-Id` header, else ''). */
  get id(): string {
    return (
      (this.#values?.get('requestId') as string | undefined) ?? this.header('x-request-id') ?? ''
    );
  }

  /** A request cookie. */
  cookie(name: string): string | undefined {
    return (this.#cookies ??= parseCookieHeader(this.raw.headers.cookie))[name];
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
    if (!this.#body) {
      this.#sendContinue();
      this.#body = readBody(this.raw, this.bodyLimit);
    }
    return this.#body;
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
    const ct = parseContentType(this.raw.headers['content-type']);
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
        `${ct?.type ?? (this.raw.headers['content-type'] ? 'a malformed Content-Type' : 'no Content-Type')}; send application/json or application/x-www-form-urlencoded`,
      );
    }
    return (this.#parsed = fields);
  }

  /** The body as a web stream, bounded by the body limit, for large uploads. Read it once. */
  bodyStream(): ReadableStream<Uint8Array> {
    if (this.#body || this.#streamConsumed) throw HttpError.fromCode('SLUICE_BODY_CONSUMED');
    this.#streamConsumed = true;
    this.#sendContinue();
    return bodyStream(this.raw, this.bodyLimit);
  }

  #sendContinue(): void {
    if (this.expectsContinue) {
      this.expectsContinue = false;
      this.response.raw.writeContinue();
    }
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
      else if (!this.response.outlet) this.core.watchClose(this);
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

  /** @internal the response's outlet reports the stream is gone */
  onStreamGone(reason: Error): void {
    this.abort(reason);
  }

  /** @internal the socket closed before the response finished (plain requests) */
  onClientClose(): void {
    this.abort(new ClientClosedError());
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
    return this.#error;
  }

  /** @internal */
  setError(err: unknown): void {
    this.#error = err;
  }

  /** The value the handler returned (for post-processing middleware). */
  getHandlerResponse(): unknown {
    return this.response.returned;
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
