/**
 * `r`: one request and its response. Everything is parsed lazily: the URL, query, cookies and
 * body are read on first access, and the AbortSignal is created when first asked for. It reads
 * the request through a Wire (whatever the transport) and holds none of the engine's state: the
 * chain, its position and the matched hooks live in the engine's per-request run.
 */
import { ClientClosedError, HttpError, SluiceError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { parseJsonBody } from '../http/safe-json.js';
import { parseContentType, isJsonType, type ContentType } from '../http/content-type.js';
import {
  buildParams,
  parseParamPairs,
  setParam as setNested,
  valuesOf,
  type ParamValue,
} from '../http/params.js';
import { parseCookieHeader } from '../http/cookie.js';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { DEFAULT_UPLOAD_LIMITS, parseMultipart, type UploadLimits } from './uploads.js';
import { UploadFile, UploadFiles } from './upload-file.js';
import {
  DEFAULT_SESSION_ID_NAME,
  DEFAULT_SESSION_MAX_AGE,
  MemorySessionStorage,
  Session,
} from '../session/index.js';
import { clientIp, requestScheme } from '../http/forwarded.js';
import type { IncomingHeaders } from '../http/headers.js';
import type { WebSocket } from 'ws';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Wire } from '../wire/wire.js';
import { notifyAborted, type AbortListener } from '../stream/pipe-source.js';
import { EXIT, EXIT_ALL, EXIT_HOOK } from './exit.js';
import type { ExchangeHost, RouteSchemas, RunView } from './host.js';
import { Response } from './response.js';

/**
 * Route parameters by name (`/user/:id` gives `{ id }`); a plain route types them from its path.
 * @example s.get('/user/:id', (r) => r.params.id);
 */
export type Params = Record<string, string>;
type Fields = Record<string, unknown>;

const REQUEST = Symbol.for('sluice.request');
const EMPTY_PARAMS: Params = Object.freeze(Object.create(null) as Params);

/**
 * A request's lazily parsed and stored state: made on the first use of any of it, so a request
 * that reads no query, cookie, body or value carries fourteen fields fewer.
 */
class RequestExtras {
  url: URL | undefined = undefined;
  query: Fields | undefined = undefined;
  queryPairs: Array<[string, string]> | undefined = undefined;
  queryOverrides: Map<string, unknown> | undefined = undefined;
  body: Promise<Buffer> | undefined = undefined;
  parsed: Fields | undefined = undefined;
  parsing: Promise<Fields> | undefined = undefined;
  formPairs: Array<[string, string]> | undefined = undefined;
  files: UploadFile[] | undefined = undefined;
  custom: Fields | undefined = undefined;
  session: Session | undefined = undefined;
  cookies: Record<string, string> | undefined = undefined;
  context: Context | undefined = undefined;
  values: Map<string, unknown> | undefined = undefined;
}

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

/**
 * The handler serving a request, as middleware sees it (GoFrame's `r.GetServeHandler()`): the
 * route's pattern and its metadata (`method` in lower case, `path`, `summary`, `tags`,
 * `description` and a typed route's own `meta`).
 * @example r.serveHandler.getMetaTag('summary')
 */
export interface ServeHandler {
  /** The route pattern ('' when no route matched). */
  readonly pattern: string;
  /** A metadata value ('' when absent). */
  getMetaTag(name: string): string;
}

const NO_HANDLER: ServeHandler = Object.freeze({ pattern: '', getMetaTag: () => '' });

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
  /** The matched route's handler and metadata (GoFrame's `GetServeHandler()`). */
  serveHandler: ServeHandler = NO_HANDLER;
  /** @internal the transport this request arrived on */
  readonly wire: Wire;
  /** @internal the engine's services */
  readonly env: ExchangeHost;
  /** @internal the engine's per-request run (error, returned value), set when it starts */
  run: RunView | undefined = undefined;
  /** @internal per-route body limit */
  bodyLimit: number;
  /** @internal the limit of a multipart body parsed by `parse()` (a route's bodyLimit wins) */
  uploadLimit: number;
  #multipart: boolean;
  #middleware: { next: () => Promise<void> } | undefined;
  #search: string;
  /** What is parsed or kept only when asked for (most requests never make it). */
  #extras: RequestExtras | undefined;
  #abort: AbortController | undefined;
  #abortReason: Error | undefined;
  #onAbort: AbortListener[] | undefined;
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
    // A multipart body (an upload) is bounded by the upload limit when parsed; read any other way
    // (r.body(), r.json()...) it keeps the body limit, so an upload cannot be buffered whole.
    const ct = wire.headers['content-type'];
    this.#multipart =
      typeof ct === 'string' && ct !== 'application/json' && /^\s*multipart\/form-data/i.test(ct);
    this.uploadLimit = this.#multipart ? uploadLimits(env.config.upload).maxTotalSize : 0;
    this.response = new Response(wire, env, this);
  }

  #more(): RequestExtras {
    return (this.#extras ??= new RequestExtras());
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
    return (this.#more().url ??= buildUrl(
      this.protocol,
      this.header('host'),
      this.path,
      this.#search,
    ));
  }

  /** `'https'` on TLS or (with `trustProxy`) when `X-Forwarded-Proto` says so, else `'http'`. */
  get protocol(): 'http' | 'https' {
    const wire = this.wire;
    return requestScheme(
      wire.encrypted,
      wire.headers['x-forwarded-proto'],
      this.env.config.trustProxy,
      wire.remoteAddress,
      wire.headers['forwarded'],
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

  /** The client's address (from X-Forwarded-For or Forwarded, only through the proxies `trustProxy` trusts). */
  get ip(): string {
    const wire = this.wire;
    return clientIp(
      wire.remoteAddress,
      wire.headers['x-forwarded-for'],
      this.env.config.trustProxy,
      wire.headers['forwarded'],
    );
  }

  /**
   * The transport's own objects, for the rare adapter that needs them: `{ req, res }` (Node's
   * IncomingMessage and ServerResponse) on a Node listener; `{ req, socket }` on an upgrade
   * request, where `req` is undefined once `r.webSocket()` took the connection (it is released,
   * so a handler that keeps `r` does not keep it). Prefer the API above.
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
      (this.#extras?.values?.get('requestId') as string | undefined) ??
      this.header('x-request-id') ??
      ''
    );
  }

  /** A request cookie. */
  cookie(name: string): string | undefined {
    return (this.#more().cookies ??= parseCookieHeader(this.header('cookie')))[name];
  }

  // ---- parameters ------------------------------------------------------------------------------

  /**
   * The parsed query string, by GoFrame's rules: `a[]=1&a[]=2` is a list, `m[k]=1` a map, a
   * repeated plain key keeps its LAST value (`r.getQueryAll(key)` gives them all), a key without
   * `=` is absent. Values set by `setQuery` are included.
   */
  get query(): Fields {
    const known = this.#extras?.query;
    if (known) return known;
    const q = buildParams(this.#pairsOfQuery()) as Fields;
    const overrides = this.#extras?.queryOverrides;
    if (overrides) for (const [k, v] of overrides) setNested(q as never, k, v as ParamValue);
    return (this.#more().query = q);
  }

  #pairsOfQuery(): Array<[string, string]> {
    return (this.#more().queryPairs ??= parseParamPairs(this.#search));
  }

  /** A route parameter. */
  getRouter(key: string, def?: string): string | undefined {
    return (own(this.params, key) as string | undefined) ?? def;
  }

  /**
   * A query parameter (the last value of a repeated key; a list for `key[]`, a map for `key[k]`).
   * @example r.getQuery('page', '1')
   */
  getQuery<T = unknown>(key: string, def?: T): T | undefined {
    return (own(this.query, key) as T | undefined) ?? def;
  }

  /**
   * Every value the query string holds for `key` (pairs named `key` or `key[]`), in order.
   * @example r.getQueryAll('tag') // ?tag=a&tag=b -> ['a', 'b']
   */
  getQueryAll(key: string): string[] {
    const set = this.#extras?.queryOverrides?.get(key);
    if (set !== undefined) return Array.isArray(set) ? set.map(String) : [String(set)];
    return valuesOf(this.#pairsOfQuery(), key);
  }

  /**
   * Sets a query value that later `getQuery()`/`get()` read (GoFrame's `SetQuery`).
   * @example r.setQuery('page', 1)
   */
  setQuery(key: string, value: unknown): void {
    (this.#more().queryOverrides ??= new Map()).set(key, value);
    const query = this.#extras?.query;
    if (query) setNested(query as never, key, value as ParamValue);
  }

  /** A body field (after `await r.parse()`). */
  getForm<T = unknown>(key: string, def?: T): T | undefined {
    return (own(this.#extras?.parsed, key) as T | undefined) ?? def;
  }

  /**
   * Every value a urlencoded or multipart body holds for `key` (fields named `key` or `key[]`),
   * in order (after `await r.parse()`).
   * @example r.getFormAll('tag')
   */
  getFormAll(key: string): string[] {
    const pairs = this.#extras?.formPairs;
    return pairs ? valuesOf(pairs, key) : [];
  }

  /**
   * Sets a body field that later `getForm()`/`get()` read (GoFrame's `SetForm`).
   * @example r.setForm('name', 'john')
   */
  setForm(key: string, value: unknown): void {
    setNested(
      (this.#more().parsed ??= Object.create(null) as Fields) as never,
      key,
      value as ParamValue,
    );
  }

  /**
   * Sets a custom parameter that `get()`, `all()` and `getParam()` see first (GoFrame's
   * `SetParam`), e.g. from a hook or middleware for the handler.
   * @example r.setParam('uid', user.id)
   */
  setParam(key: string, value: unknown): void {
    (this.#more().custom ??= Object.create(null) as Fields)[key] = value;
  }

  /**
   * A custom parameter set by `setParam` (GoFrame's `GetParam`).
   * @example r.getParam('uid')
   */
  getParam<T = unknown>(key: string, def?: T): T | undefined {
    return (own(this.#extras?.custom, key) as T | undefined) ?? def;
  }

  /**
   * A value from the merged parameters in GoFrame's precedence: custom parameters
   * (`setParam`), then body fields (once read), then query, then route parameters. Only the
   * request's own fields count: `r.get('constructor')` is `undefined` unless the client sent
   * such a field. A repeated plain key gives its last value (`r.getAll()` gives them all).
   * @example const page = Number(r.get('page', '1'))
   */
  get<T = unknown>(key: string, def?: T): T | undefined {
    const v =
      own(this.#extras?.custom, key) ??
      own(this.#extras?.parsed, key) ??
      own(this.query, key) ??
      own(this.params, key);
    return (v as T | undefined) ?? def;
  }

  /**
   * Every value sent for `key` by the source `get()` reads it from (custom, body, query, route),
   * in order.
   * @example r.getAll('id') // ?id=1&id=2 -> ['1', '2']
   */
  getAll(key: string): string[] {
    const custom = own(this.#extras?.custom, key);
    if (custom !== undefined) return Array.isArray(custom) ? custom.map(String) : [String(custom)];
    if (own(this.#extras?.parsed, key) !== undefined) {
      const form = this.getFormAll(key);
      if (form.length > 0) return form;
      const v = own(this.#extras?.parsed, key);
      return Array.isArray(v) ? v.map(String) : [String(v)];
    }
    const q = this.getQueryAll(key);
    if (q.length > 0) return q;
    const p = own(this.params, key);
    return p === undefined ? [] : [String(p)];
  }

  /**
   * Every parameter merged: route, then query, then body, then custom (later wins, as in
   * GoFrame).
   */
  all(): Promise<Fields> {
    // A promise chain rather than an async function: one hop fewer on every controller request.
    return this.parse().then((body) => this.#merged(body));
  }

  /**
   * @internal `all()`, then `fn` on the fields in the same step (the typed controller's path:
   * one promise hop fewer per request).
   * @example r.allThen((fields) => validate(fields))
   */
  allThen<T>(fn: (fields: Fields) => T): Promise<Awaited<T>> {
    return this.parse().then((body) => fn(this.#merged(body))) as Promise<Awaited<T>>;
  }

  #merged(body: Fields): Fields {
    const noQuery = this.#search.length <= 1 && !this.#extras?.queryOverrides;
    // The common controller case (no route params, no query) needs no merged copy.
    if (this.params === EMPTY_PARAMS && noQuery && !this.#extras?.custom) return body;
    // A copy without a prototype, so a schema's field named like an Object member is not
    // inherited; empty sources are not read (building the empty query costs a parse).
    const out = Object.create(null) as Fields;
    if (!isEmpty(this.params)) Object.assign(out, this.params);
    if (!noQuery) Object.assign(out, this.query);
    return Object.assign(out, body, this.#extras?.custom);
  }

  /**
   * The uploaded file of a form field (GoFrame's `GetUploadFile`), after `await r.parse()`;
   * `undefined` when there is none. Throws SLUICE_BODY_NOT_PARSED when the body was not parsed.
   * @example await r.parse(); const file = r.getUploadFile('avatar');
   */
  getUploadFile(name: string): UploadFile | undefined {
    return this.getUploadFiles(name)?.[0];
  }

  /**
   * The uploaded files of a form field (`name`, `name[]` or `name[<k>]`), after
   * `await r.parse()`; `undefined` when there are none.
   * @example await r.parse(); await r.getUploadFiles('photos')?.save('./photos');
   */
  getUploadFiles(name: string): UploadFiles | undefined {
    if (!this.#extras?.parsed) {
      throw new SluiceError(
        'SLUICE_BODY_NOT_PARSED',
        'r.getUploadFile()/getUploadFiles() read the parsed body: call `await r.parse()` first',
      );
    }
    const prefix = name + '[';
    const out = new UploadFiles();
    for (const f of this.#extras?.files ?? []) {
      if (f.fieldName === name || (f.fieldName.startsWith(prefix) && f.fieldName.endsWith(']')))
        out.push(f);
    }
    return out.length > 0 ? out : undefined;
  }

  /**
   * The session (GoFrame's `r.Session`), asynchronous: `await r.session.get(key)`,
   * `await r.session.set(key, value)`, `remove`, `removeAll`, `regenerate`. Its id travels in an
   * HttpOnly cookie (`gfsessionid`); the storage is `setConfig({ session: { storage } })`
   * (memory by default, `RedisSessionStorage` to share it).
   * @example await r.session.set('user', 'john'); const user = await r.session.get('user');
   */
  get session(): Session {
    const known = this.#extras?.session;
    if (known) return known;
    const config = this.env.config.session;
    const storage = config?.storage ?? defaultStorage(this.env);
    const res = this.response;
    return (this.#more().session = new Session(
      {
        cookie: (name) => this.cookie(name),
        header: (name) => this.header(name),
        setSessionCookie: (name, id, secure) =>
          res.setCookie(name, id, { httpOnly: true, sameSite: 'Lax', path: '/', secure }),
        removeSessionCookie: (name) => res.removeCookie(name, { path: '/' }),
        secure: this.protocol === 'https',
      },
      storage,
      config?.idName ?? DEFAULT_SESSION_ID_NAME,
      config?.maxAge ?? DEFAULT_SESSION_MAX_AGE,
    ));
  }

  /**
   * HTTP Basic authentication (GoFrame's `BasicAuth`): true when the request carries these
   * credentials (compared in constant time). Otherwise the response is set to 401 with
   * `WWW-Authenticate: Basic realm="<realm>"` (default realm "Need Login"), or 403 for a
   * malformed `Authorization` header (as GoFrame answers), and it returns false.
   * @example if (!r.basicAuth('admin', process.env.ADMIN_PASS!, 'Admin')) return;
   */
  basicAuth(user: string, pass: string, realm?: string): boolean {
    const res = this.response;
    const challenge = (): false => {
      res
        .header()
        .set(
          'WWW-Authenticate',
          `Basic realm="${(realm || 'Need Login').replace(/["\\\r\n]/g, '')}", charset="UTF-8"`,
        );
      res.writeStatus(401);
      return false;
    };
    const auth = this.header('authorization');
    if (!auth) return challenge();
    const space = auth.indexOf(' ');
    if (space === -1 || auth.slice(0, space).toLowerCase() !== 'basic') {
      res.writeStatus(403);
      return false;
    }
    const token = auth.slice(space + 1).trim();
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(token)
      ? Buffer.from(token, 'base64').toString('utf8')
      : undefined;
    const colon = decoded?.indexOf(':') ?? -1;
    if (decoded === undefined || colon === -1) {
      res.writeStatus(403);
      return false;
    }
    const ok =
      safeEqual(decoded.slice(0, colon), user) && safeEqual(decoded.slice(colon + 1), pass);
    return ok ? true : challenge();
  }

  // ---- body ------------------------------------------------------------------------------------

  /** The raw body, bounded by the body limit (413 beyond). */
  body(): Promise<Buffer> {
    if (this.#streamConsumed) return Promise.reject(HttpError.fromCode('SLUICE_BODY_CONSUMED'));
    return (this.#more().body ??= this.wire.readBody(this.bodyLimit));
  }

  /** The body as UTF-8 text (400 for invalid UTF-8). */
  async text(): Promise<string> {
    return utf8Text(await this.body());
  }

  /** The body as JSON (400 for malformed JSON, forbidden keys, nesting deeper than 64). */
  async json<T = unknown>(): Promise<T> {
    return parseJsonBody(await this.body()) as T;
  }

  /**
   * The body's fields by Content-Type: JSON (an object), urlencoded form (GoFrame's rules, as
   * for the query), multipart form (fields, and files streamed to disk: `getUploadFile`), or
   * nothing for an empty body. A body without Content-Type is read as JSON when it starts with
   * `{` or `[`, else as a urlencoded form (GoFrame's fallback), and so is a JSON-labelled GET
   * body that does not start with `{` or `[` (GoFrame keeps query-style GET bodies working;
   * on other methods such a body is invalid JSON, 400). Other types answer 415. Afterwards `r.get()` and
   * `r.getForm()` see the fields. A JSON body that is not an object answers 400: read it with
   * `r.json()`.
   */
  parse(): Promise<Fields> {
    const parsed = this.#extras?.parsed;
    if (parsed && !this.#extras?.parsing) return Promise.resolve(parsed);
    return (this.#more().parsing ??= this.#parse());
  }

  #parse(): Promise<Fields> {
    try {
      const rawType = this.header('content-type');
      const ct = parseContentType(rawType);
      if (ct?.type === 'multipart/form-data') return this.#parseMultipart(rawType!);
      return this.body().then((buf) => this.#setParsed(this.#fieldsOf(buf, rawType, ct)));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** A buffered body's fields, by its Content-Type (see `parse()`). */
  #fieldsOf(buf: Buffer, rawType: string | undefined, ct: ContentType | null): Fields {
    const first = firstNonSpace(buf);
    const looksJson = first === 0x7b /* { */ || first === 0x5b; /* [ */
    if (buf.length === 0 || first === -1) return Object.create(null) as Fields;
    if ((ct && isJsonType(ct) && (looksJson || this.method !== 'GET')) || (!rawType && looksJson)) {
      const value = parseJsonBody(buf);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw HttpError.fromCode(
          'SLUICE_JSON_INVALID',
          'the body is JSON but not an object, so it has no fields: read it with r.json()',
        );
      }
      return value as Fields;
    }
    if (ct?.type === 'application/x-www-form-urlencoded' || !rawType || (ct && isJsonType(ct))) {
      const pairs = parseParamPairs(utf8Text(buf), { strict: true });
      this.#more().formPairs = pairs;
      return buildParams(pairs) as Fields;
    }
    throw HttpError.fromCode(
      'SLUICE_UNSUPPORTED_MEDIA_TYPE',
      `${ct?.type ?? 'a malformed Content-Type'}; send application/json, application/x-www-form-urlencoded or multipart/form-data`,
    );
  }

  async #parseMultipart(contentType: string): Promise<Fields> {
    const limits = uploadLimits(this.env.config.upload);
    if (this.#extras?.body || this.#streamConsumed)
      throw HttpError.fromCode('SLUICE_BODY_CONSUMED');
    this.#streamConsumed = true;
    const stream = this.wire.bodyStream(this.uploadLimit);
    const source = Readable.fromWeb(stream as NodeReadableStream<Uint8Array>);
    const { pairs, files } = await parseMultipart(
      source,
      contentType,
      limits,
      limits.tempDir ?? tmpdir(),
    );
    this.#more().files = files;
    // Temporary files go when the response has ended (at once if it already has).
    this.response.whenDone(() => {
      for (const f of files) void f.discard();
    });
    this.#more().formPairs = pairs;
    const fields = buildParams(pairs) as Fields;
    // Files are fields too (typed controllers validate them): one file, or a list for several.
    for (const f of files) {
      const prev = own(fields, f.fieldName);
      if (prev === undefined) fields[f.fieldName] = f;
      else if (Array.isArray(prev)) prev.push(f);
      else fields[f.fieldName] = [prev, f];
    }
    return this.#setParsed(fields);
  }

  #setParsed(fields: Fields): Fields {
    // Values set by setForm() before the body was read stay (they were set on purpose).
    const before = this.#extras?.parsed;
    if (before) for (const k of Object.keys(before)) fields[k] = before[k];
    const extras = this.#more();
    extras.parsed = fields;
    extras.parsing = undefined;
    return fields;
  }

  /**
   * @internal The largest body this request may declare: the upload limit for a multipart body
   * (its parse streams it to disk), else the body limit. Larger answers 413 before any handler.
   */
  get acceptedBodyLimit(): number {
    return this.#multipart ? this.uploadLimit : this.bodyLimit;
  }

  /** The body as a web stream, bounded by the body limit, for large uploads. Read it once. */
  bodyStream(): ReadableStream<Uint8Array> {
    if (this.#extras?.body || this.#streamConsumed)
      throw HttpError.fromCode('SLUICE_BODY_CONSUMED');
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
      for (const listener of callbacks) {
        try {
          notifyAborted(listener, reason);
        } catch (err) {
          this.log.error({ err, method: this.method, path: this.path }, 'an abort callback threw');
        }
      }
    }
    // Last: listeners on the public signal are the user's own (an EventTarget reports theirs).
    this.#abort?.abort(reason);
  }

  /**
   * @internal Tells `listener` when the request aborts, without creating an AbortSignal (an
   * AbortController per stream is a large part of its memory). Undo with offAborted().
   */
  onAborted(listener: AbortListener): void {
    if (this.#abortReason) {
      const reason = this.#abortReason;
      queueMicrotask(() => notifyAborted(listener, reason));
      return;
    }
    (this.#onAbort ??= []).push(listener);
  }

  /** @internal */
  offAborted(listener: AbortListener): void {
    const list = this.#onAbort;
    const i = list ? list.indexOf(listener) : -1;
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
    return (this.#more().context ??= new Context(this));
  }

  /** A value stored on the request (by middleware, say). */
  getCtxVar<T = unknown>(key: string): T | undefined {
    return this.#extras?.values?.get(key) as T | undefined;
  }

  /** Stores a value on the request. */
  setCtxVar(key: string, value: unknown): void {
    (this.#more().values ??= new Map()).set(key, value);
    // r.log carries the id: a logger made before requestId() set it must not outlive it.
    if (key === 'requestId') this.#log = undefined;
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

/** One memory session storage per server (its engine), made on first use. */
const memoryStorages = new WeakMap<object, MemorySessionStorage>();
function defaultStorage(env: object): MemorySessionStorage {
  let storage = memoryStorages.get(env);
  if (!storage) memoryStorages.set(env, (storage = new MemorySessionStorage()));
  return storage;
}

/** The upload limits: the defaults, with what `setConfig({ upload })` changed. */
function uploadLimits(config: Partial<UploadLimits> | undefined): UploadLimits {
  return config ? { ...DEFAULT_UPLOAD_LIMITS, ...config } : DEFAULT_UPLOAD_LIMITS;
}

function isEmpty(fields: object): boolean {
  for (const _ in fields) return false;
  return true;
}

/** A body as UTF-8 text (400 for invalid UTF-8). */
function utf8Text(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw HttpError.fromCode('SLUICE_INVALID_UTF8');
  }
}

/** The first byte that is not JSON whitespace, or -1. */
function firstNonSpace(buf: Buffer): number {
  for (const b of buf) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  return -1;
}

/** Constant-time string comparison (the length is not hidden). */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
