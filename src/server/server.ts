/**
 * The Server: binding (routes, groups, middleware, hooks, status handlers, static paths), the
 * Node edge (dispatch of `node:http` requests) and the lifecycle (start, run, shutdown).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2, {
  type Http2ServerRequest,
  type Http2ServerResponse,
  type IncomingHttpHeaders as IncomingHttpHeaders2,
  type ServerHttp2Stream,
} from 'node:http2';
import {
  DEFAULT_CONFIG,
  checkConfig,
  type ServerConfig,
  type SessionStorageLike,
} from '../config.js';
import { createDefaultLogger, guardLogger, type Logger } from '../logger.js';
import { HttpError, SluiceError } from '../errors/index.js';
import { compileTrust } from '../http/forwarded.js';
import { attachTelemetry, type TelemetryOptions } from '../telemetry/index.js';
import { hubStats } from '../hub/stats.js';
import {
  Router,
  parseBindPattern,
  createPathMatcher,
  compilePattern,
  comparePriority,
  collapseSlashes,
  normalizeDomain,
} from '../router/index.js';
import { Request, type ServeHandler } from '../exchange/request.js';
import { ROUTE_META } from '../controller/index.js';
import { Engine, matchHooks } from '../engine/engine.js';
import { Run } from '../engine/run.js';
import type { BindingParams } from '../router/index.js';
import type { Handler, Hook, HookBinding, HookName, Middleware } from '../engine/types.js';
import { SeedFrameWarning } from '../sse/seed-frame-warning.js';
import { NodeWire } from '../wire/node-wire.js';
import { Http2Wire } from '../wire/http2-wire.js';
import { FetchWire, type FetchInfo } from '../wire/fetch-wire.js';
import { Listeners } from './listeners.js';
import { UpgradeWire } from '../wire/upgrade-wire.js';
import { WebSocketRegistry, type WebSocketLimits } from '../wire/websockets.js';
import type { Socket } from 'node:net';
import type { Wire } from '../wire/wire.js';
import { Group } from './group.js';
import { RouteBinder, type RouteOptions } from './route-binder.js';
import {
  serveStatic,
  staticMount,
  type StaticMount,
  type StaticMountOptions,
  type StaticSettings,
} from './static-mount.js';
import { DomainBinder } from './domain.js';
import {
  objectRoutes,
  restRoutes,
  type NameToUriType,
  type ObjectMethods,
} from './object-binding.js';
import { injectRequest, type InjectOptions, type InjectResponse } from './inject.js';
import {
  checkRequestHead,
  checkWireHead,
  headerListOver,
  markRefused,
  type HeadCheck,
} from './request-guard.js';
import { onClientError, onConnectRequest } from './client-error.js';
import type { Route } from '../controller/index.js';
import {
  buildOpenApiDocument,
  docsPageHtml,
  scalarBundlePath,
  type DocumentedRoute,
  type OpenApiOptions,
} from '../openapi/index.js';

/** One bound route: its handler and the middleware of the groups it was bound in. */
interface RouteEntry {
  pattern: string;
  serve: ServeHandler;
  handler: Handler;
  /** The typed route (`defineRoute`) the handler serves, when bound by `bind(controller)`. */
  route: Route | undefined;
  groupMiddleware: Middleware[];
  bodyLimit: number | undefined;
  chain: Array<(r: Request) => unknown>;
  version: number;
}

interface BoundMiddleware {
  matches: (method: string, host: string | undefined, path: string) => unknown;
  fns: Middleware[];
}

/**
 * Options of `new Server(options)`: any {@link ServerConfig} field, plus where to listen.
 * @example new Server({ port: 8999, bodyLimit: 1 << 20 })
 */
export interface ServerOptions extends Partial<ServerConfig> {
  port?: number;
  address?: string;
}

/**
 * What `s.handler()` returns: a Node request listener, also Express/Connect middleware.
 * @example http.createServer(s.handler()).listen(8080);
 */
export type MountedListener = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  next?: (err?: unknown) => void,
) => void;

/**
 * Options of `s.shutdown()`.
 * @example await s.shutdown({ timeout: 10_000 });
 */
export interface ShutdownOptions {
  /** Milliseconds to wait for in-flight requests; default from config (5 000). */
  timeout?: number;
}

/** No route claims the request: 404, or, mounted with a `next()`, back to the host app. */
/** Longest shutdown waits for event streams' retry hints to leave before closing sessions (ms). */
const HINT_DRAIN_MS = 500;

const NOT_FOUND: Handler = (r) => {
  const pass = r.wire.passThrough;
  if (!pass) throw new HttpError(404, 'Not Found');
  r.response.handOff();
  pass();
};

/**
 * The HTTP server: routes (GoFrame's patterns and priority), middleware, hooks, static files,
 * streams and SSE with one backpressure policy, and a graceful shutdown. Create one with
 * `g.server(name?)` (one per name, as GoFrame's `g.Server()`) or `new Server(options)`; run it on
 * its own ports (`start()`/`run()`), inside another app (`handler()`), or on a Web-standard
 * runtime (`fetch()`).
 * @example
 * import { Server } from 'sluice';
 * const s = new Server();
 * s.get('/hello/:name', (r) => `hello ${r.params.name}`);
 * s.get('/ticks', async (r) => {
 *   const es = r.response.sse();
 *   for (let i = 0; i < 3; i++) await es.send({ id: String(i), data: { i } });
 * });
 * s.setAddress('127.0.0.1:0');
 * await s.start();
 * console.log(`http://127.0.0.1:${s.port}/hello/you`);
 */
export class Server extends RouteBinder {
  readonly #router = new Router<RouteEntry>();
  readonly #global: Middleware[] = [];
  readonly #bound: BoundMiddleware[] = [];
  readonly #statics: StaticMount[] = [];
  readonly #core: Engine;
  readonly #webSockets: WebSocketRegistry;
  #config: ServerConfig;
  #version = 0;
  #ports: number[] = [0];
  #httpsPorts: number[] = [];
  #host: string | undefined;
  #listeners: Listeners | undefined;
  #shuttingDown: Promise<void> | undefined;
  #onShutdown: Array<() => unknown> = [];
  #notFoundChain: { chain: Array<(r: Request) => unknown>; version: number } | undefined;
  readonly #openApiCache = new Map<string, string>();
  readonly #openApiWarned = new Set<string>();
  #openApiPath: string | undefined;
  #openApiOptions: OpenApiOptions = {};
  readonly #rewrites = new Map<string, string>();
  readonly #staticSettings: StaticSettings = { indexFiles: undefined, indexFolder: false };
  #nameToUriType: NameToUriType = 'default';
  /** Called by the g registry when the server has shut down. */
  onClosed: (() => void) | undefined;

  constructor(options: ServerOptions = {}) {
    super();
    const { port, address, ...config } = options;
    checkConfig(config);
    this.#config = { ...DEFAULT_CONFIG, ...config };
    this.#core = new Engine(
      this.#config,
      guardLogger(this.#config.logger ?? createDefaultLogger()),
    );
    this.#applyDevWarnings();
    this.#webSockets = new WebSocketRegistry(webSocketLimits(this.#config));
    if (port !== undefined) this.setPort(port);
    if (address !== undefined) this.setAddress(address);
  }

  // ---- configuration ---------------------------------------------------------------------------

  /**
   * The plain (HTTP) ports to listen on, GoFrame's variadic form (0 picks a free one; `s.port`
   * then tells which). With a certificate and no `setHTTPSPort`, these ports serve HTTPS.
   * @example s.setPort(8080, 8081)
   */
  setPort(...ports: number[]): this {
    this.#ports = checkPorts(ports);
    return this;
  }

  /**
   * The HTTPS ports (GoFrame's `SetHTTPSPort`); they need a certificate (`enableHTTPS`, or
   * `setConfig({ tls })`). ALPN offers `h2` and `http/1.1` there.
   * @example s.enableHTTPS('cert.pem', 'key.pem').setHTTPSPort(8443)
   */
  setHTTPSPort(...ports: number[]): this {
    this.#httpsPorts = checkPorts(ports);
    return this;
  }

  /**
   * Serves HTTPS with this certificate and key (PEM files, read now), as GoFrame's
   * `EnableHTTPS`. Without `setHTTPSPort`, the ports of `setPort` serve HTTPS.
   * @example s.enableHTTPS('/etc/ssl/site.pem', '/etc/ssl/site.key')
   */
  enableHTTPS(certFile: string, keyFile: string): this {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(certFile);
      key = readFileSync(keyFile);
    } catch (err) {
      throw new SluiceError('SLUICE_CONFIG', `enableHTTPS: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return this.setConfig({ tls: { cert, key } });
  }

  /** The address to listen on: `'host:port'`, `':port'` or `'host'`. */
  setAddress(address: string): this {
    const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+))?$/.exec(address);
    if (!m) throw new SluiceError('SLUICE_CONFIG', `address "${address}" is not host:port`);
    const host = m[1] ?? m[2];
    this.#host = host ? host : undefined;
    if (m[3] !== undefined) this.setPort(Number(m[3]));
    return this;
  }

  /** Changes limits, timeouts, the logger, trustProxy... (see README, "Limits"). */
  setConfig(config: Partial<ServerConfig>): this {
    if (this.#listeners) throw new SluiceError('SLUICE_SERVER_RUNNING');
    checkConfig(config);
    if (config.trustProxy !== undefined) compileTrust(config.trustProxy);
    this.#config = { ...this.#config, ...config };
    this.#core.reconfigure(this.#config, guardLogger(this.#config.logger ?? createDefaultLogger()));
    this.#applyDevWarnings();
    this.#webSockets.reconfigure(webSocketLimits(this.#config));
    return this;
  }

  /** Outside production, the seed-frame warning watches flushes (an observer, not the core's). */
  #applyDevWarnings(): void {
    if (!this.#config.devWarnings) {
      this.#core.flushObserver = undefined;
      return;
    }
    this.#seedWarning ??= new SeedFrameWarning();
    const warning = this.#seedWarning;
    this.#core.flushObserver = (r, chunks) => {
      const res = (r as Request).response;
      warning.inspect(
        r,
        {
          route: r.routePattern,
          contentType: res.header().get('content-type'),
          framed: res.eventStream !== undefined,
          log: r.log,
        },
        chunks,
      );
    };
  }

  #seedWarning: SeedFrameWarning | undefined;

  /** The effective configuration. */
  get config(): Readonly<ServerConfig> {
    return this.#config;
  }

  /** The server's logger. */
  get logger(): Logger {
    return this.#core.logger;
  }

  /** The port it listens on (the real one once started). */
  get port(): number {
    return this.#listeners?.port ?? this.#listeners?.httpsPort ?? this.#ports[0] ?? 0;
  }

  /** The first HTTPS port (the real one once started; undefined without HTTPS). */
  get httpsPort(): number | undefined {
    return this.#listeners?.httpsPort ?? this.#httpsPorts[0];
  }

  // ---- binding ---------------------------------------------------------------------------------

  /**
   * Binds a handler to a GoFrame pattern: `/user/:id`, `/user/{id}`, `/order/{id}.html`,
   * `/file/*path`, with an optional method prefix (`GET:/p`, `GET,POST:/p`) and domain suffix
   * (`/p@example.com`). A duplicate route throws SLUICE_ROUTE_DUPLICATE.
   * @example s.bindHandler('GET:/user/{id}', (r) => ({ id: r.get('id') }))
   */
  override bindHandler<const P extends string>(
    pattern: P,
    handler: Handler<BindingParams<P>>,
    options?: RouteOptions,
  ): this {
    this.addRoute(pattern, handler as Handler, [], options);
    return this;
  }

  /** @internal used by groups */
  addRoute(
    pattern: string,
    handler: Handler,
    groupMiddleware: Middleware[],
    options?: RouteOptions,
  ): void {
    if (typeof handler !== 'function') {
      throw new SluiceError('SLUICE_CONFIG', `the handler for "${pattern}" is not a function`);
    }
    const { methods, path, domain } = parseBindPattern(pattern);
    const meta = (handler as { [ROUTE_META]?: Record<string, string> })[ROUTE_META];
    const entry: RouteEntry = {
      pattern: path,
      serve: Object.freeze({ pattern: path, getMetaTag: (name: string) => meta?.[name] ?? '' }),
      handler,
      route: options?.route,
      groupMiddleware,
      bodyLimit: options?.bodyLimit,
      chain: [],
      version: -1,
    };
    for (const method of methods) this.#router.add(method, path, entry, domain);
    this.#openApiCache.clear();
  }

  /** A group of routes under a prefix, with its own middleware; groups nest. */
  group(prefix: string, define?: (group: Group) => void): Group {
    const g = new Group(this, prefix, []);
    define?.(g);
    return g;
  }

  /** Binds every `handle(...)` member of a controller at the root (as `s.group('/').bind(c)`). */
  bind(controller: object): this {
    this.group('/').bind(controller);
    return this;
  }

  /** Middleware for every request whose path matches the pattern (run after global middleware). */
  bindMiddleware(pattern: string, ...fns: Middleware[]): this {
    this.#bound.push({ matches: bindingMatcher(pattern), fns });
    this.#version++;
    return this;
  }

  /** Global middleware: runs for every request, 404, 405 and automatic OPTIONS included. */
  bindMiddlewareDefault(...fns: Middleware[]): this {
    this.#global.push(...fns);
    this.#version++;
    return this;
  }

  /** Alias of bindMiddlewareDefault. */
  use(...fns: Middleware[]): this {
    return this.bindMiddlewareDefault(...fns);
  }

  /**
   * A hook (`beforeServe`, `afterServe`, `beforeOutput`, `afterOutput`) for matching paths. Hooks
   * of one kind run in GoFrame's route-priority order, the most specific pattern first
   * (`/p/show` before `/p/:name` before `/p/*any`), equal ones in binding order.
   * @example s.bindHookHandler('GET:/api/*', 'beforeServe', (r) => r.response.header().set('X-Api', '1'))
   */
  bindHookHandler(pattern: string, hook: HookName, fn: Hook): this {
    const { path } = parseBindPattern(pattern);
    const compiled = compilePattern(collapseSlashes(path));
    const binding: HookBinding = {
      hook,
      fn,
      matches: bindingMatcher(pattern),
      before: (other) => {
        const theirs = hookPriority.get(other);
        return theirs ? comparePriority(compiled, theirs) : 0;
      },
    };
    hookPriority.set(binding, compiled);
    this.#core.addHook(binding);
    return this;
  }

  /**
   * A handler that replaces the body of every response with this status. Several handlers for
   * one status all run, in binding order (GoFrame's behaviour): the first usually `writeOver`s.
   * @example s.bindStatusHandler(404, (r) => r.response.writeOver('no such page'))
   */
  bindStatusHandler(status: number, fn: Handler): this {
    return this.addStatusHandler(status, fn, undefined);
  }

  /** @internal a status handler for some hosts only (`s.domain(...)`) */
  addStatusHandler(status: number, fn: Handler, domains: ReadonlySet<string> | undefined): this {
    if (typeof fn !== 'function') {
      throw new SluiceError('SLUICE_CONFIG', `the status handler for ${status} is not a function`);
    }
    const list = this.#core.statusHandlers.get(status) ?? [];
    list.push({ fn, domains });
    this.#core.statusHandlers.set(status, list);
    return this;
  }

  /**
   * The binding methods for some hosts only (GoFrame's `s.Domain`): a comma-separated list
   * (`'a.com, b.com'`); routes, groups, middleware, hooks and status handlers bound through it
   * serve those hosts only. `s.domain('')` is every host.
   * @example s.domain('api.example.com').bindHandler('/v1/ping', () => 'pong')
   */
  domain(list: string): DomainBinder {
    const hosts = list
      .split(',')
      .map((h) => normalizeDomain(h))
      .filter((h): h is string => h !== undefined);
    return new DomainBinder(this, [...new Set(hosts)]);
  }

  /**
   * How `bindObject` turns class and method names into URI segments (GoFrame's
   * `SetNameToUriType`): `'default'` kebab-case (`ShowName` -> `show-name`), `'fullName'` as
   * they are (method first letter upper-cased), `'allLower'`, `'camel'` (first letter lower).
   * @example s.setNameToUriType('allLower')
   */
  setNameToUriType(type: NameToUriType): this {
    this.#nameToUriType = type;
    return this;
  }

  /** @internal the name-to-URI type for object bindings */
  get nameToUriType(): NameToUriType {
    return this.#nameToUriType;
  }

  /**
   * Binds an object's methods as routes (GoFrame's `BindObject`): each method at
   * `pattern/<method>` (or where `{.method}` says; `{.struct}` is the class name), `index` also
   * at `pattern` itself, with the object's `init(r)` and `shut(r)` run around each call.
   * `methods` limits the methods (`'show, delete'`); a single name binds that method at `pattern`
   * exactly (GoFrame's `BindObjectMethod`).
   * @example s.bindObject('/user', new UserController())
   */
  bindObject(pattern: string, object: object, methods?: ObjectMethods): this {
    for (const [p, h] of objectRoutes(pattern, object, methods, this.#nameToUriType)) {
      this.bindHandler(p, h);
    }
    return this;
  }

  /**
   * Binds one method of an object at `pattern` exactly, with `init`/`shut` around it (GoFrame's
   * `BindObjectMethod`).
   * @example s.bindObjectMethod('/user-info', new User(), 'info')
   */
  bindObjectMethod(pattern: string, object: object, method: string): this {
    return this.bindObject(pattern, object, method.trim());
  }

  /**
   * Binds an object's HTTP-verb methods (`get`, `post`, `put`, `delete`, `patch`, `head`,
   * `options`...) at `pattern`, each for its own method (GoFrame's `BindObjectRest`), with
   * `init`/`shut` around each call.
   * @example s.bindObjectRest('/user/{id}', { get: (r) => ..., delete: (r) => ... })
   */
  bindObjectRest(pattern: string, object: object): this {
    for (const [p, h] of restRoutes(pattern, object, this.#nameToUriType)) this.bindHandler(p, h);
    return this;
  }

  /**
   * Rewrites a request path before routing and static lookup (GoFrame's `SetRewrite`): an exact
   * match of the path (slashes collapsed), the query string kept.
   * @example s.setRewrite('/favicon.ico', '/assets/favicon.ico')
   */
  setRewrite(from: string, to: string): this {
    for (const p of [from, to]) {
      if (!p.startsWith('/')) {
        throw new SluiceError('SLUICE_CONFIG', `rewrite path "${p}" must start with "/"`);
      }
    }
    this.#rewrites.set(collapseSlashes(from), collapseSlashes(to));
    return this;
  }

  /**
   * Several rewrites at once (GoFrame's `SetRewriteMap`).
   * @example s.setRewriteMap({ '/old': '/new', '/a': '/b' })
   */
  setRewriteMap(map: Record<string, string>): this {
    for (const [from, to] of Object.entries(map)) this.setRewrite(from, to);
    return this;
  }

  /** Alias of setRewriteMap (GoFrame's name in some versions). */
  setRewrites(map: Record<string, string>): this {
    return this.setRewriteMap(map);
  }

  /**
   * Serves files under `dir` at URL `prefix` (after routes; never outside `dir`), with per-mount
   * options: `index` files, `indexFolder` (a listing), `dotfiles`, `maxAge`/`immutable` or
   * `cacheControl`, `precompressed` `.br`/`.gz` siblings.
   * @example s.addStaticPath('/assets', './public', { maxAge: 31536000, immutable: true, precompressed: true })
   */
  addStaticPath(prefix: string, dir: string, options: StaticMountOptions = {}): this {
    this.#statics.push(staticMount(prefix, dir, options, false));
    this.#sortStatics();
    return this;
  }

  /**
   * Serves files under `dir` at the site root; it is searched before any `addSearchPath` dir.
   * @example s.setServerRoot('./public')
   */
  setServerRoot(dir: string, options: StaticMountOptions = {}): this {
    const i = this.#statics.findIndex((m) => m.root);
    if (i !== -1) this.#statics.splice(i, 1);
    this.#statics.push(staticMount('/', dir, options, true));
    this.#sortStatics();
    return this;
  }

  /**
   * Another directory served at the site root, searched after the server root and earlier search
   * paths (GoFrame's `AddSearchPath`).
   * @example s.setServerRoot('./public').addSearchPath('./shared-assets')
   */
  addSearchPath(dir: string, options: StaticMountOptions = {}): this {
    return this.addStaticPath('/', dir, options);
  }

  /**
   * The index files tried for a directory, in order, by every mount without its own `index`
   * (default `['index.html', 'index.htm']`).
   * @example s.setIndexFiles(['index.html', 'default.htm'])
   */
  setIndexFiles(names: string[]): this {
    this.#staticSettings.indexFiles = [...names];
    return this;
  }

  /**
   * Lists a directory without an index file (an escaped HTML page) instead of answering 403;
   * off by default. A mount's own `indexFolder` option wins.
   * @example s.setIndexFolder(true)
   */
  setIndexFolder(on: boolean): this {
    this.#staticSettings.indexFolder = on;
    return this;
  }

  #sortStatics(): void {
    // Longer prefixes first; at the root, the server root first, then search paths in order.
    this.#statics.sort(
      (a, b) => b.prefix.length - a.prefix.length || Number(b.root) - Number(a.root),
    );
  }

  /**
   * Where sessions live (GoFrame's `SetSessionStorage`): `new MemorySessionStorage()` (the
   * default), `new RedisSessionStorage({ client })`, or any `SessionStorage`.
   * @example s.setSessionStorage(new RedisSessionStorage({ client: redis }))
   */
  setSessionStorage(storage: SessionStorageLike): this {
    return this.setConfig({ session: { ...this.#config.session, storage } });
  }

  /**
   * A session's idle lifetime in ms, renewed on every use (GoFrame's `SetSessionMaxAge`; 24 h by default).
   * @example s.setSessionMaxAge(30 * 60 * 1000)
   */
  setSessionMaxAge(ms: number): this {
    if (!Number.isInteger(ms) || ms <= 0)
      throw new SluiceError('SLUICE_CONFIG', 'the session max age is a positive number of ms');
    return this.setConfig({ session: { ...this.#config.session, maxAge: ms } });
  }

  /**
   * The cookie holding the session id (GoFrame's `SetSessionIdName`; `gfsessionid` by default).
   * @example s.setSessionIdName('sid')
   */
  setSessionIdName(name: string): this {
    return this.setConfig({ session: { ...this.#config.session, idName: name } });
  }

  /** Runs `fn` during shutdown, after streams ended (close a hub here). */
  onShutdown(fn: () => unknown): this {
    this.#onShutdown.push(fn);
    return this;
  }

  /**
   * Turns on OpenTelemetry metrics and traces (see README, "Observability"), through
   * `@opentelemetry/api` (an optional peer, imported only now): a span and a duration per
   * request by route pattern and status, open streams, deliveries, unsent bytes, cuts by reason,
   * hub publish/deliver counts and lag. `prometheus: '/metrics'` also serves every metric in
   * Prometheus text format there (needs `@opentelemetry/sdk-metrics` and
   * `@opentelemetry/exporter-prometheus`). Rejects with `SLUICE_TELEMETRY_MISSING` when a
   * package is not installed. Call it once, before `start()`; shutdown detaches it.
   * @example await s.enableTelemetry({ prometheus: '/metrics' });
   */
  async enableTelemetry(options: TelemetryOptions = {}): Promise<this> {
    const telemetry = await attachTelemetry(this.#core, options);
    const scrape = telemetry.scrape;
    if (options.prometheus !== undefined && scrape) {
      this.bindHandler(`GET:${options.prometheus}`, async (r) => {
        const text = await scrape();
        r.response.header().set('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
        r.response.header().set('Cache-Control', 'no-store');
        r.response.write(text);
      });
    }
    this.onShutdown(() => telemetry.stop());
    return this;
  }

  /** Every bound route, for tables and OpenAPI; `route` is the typed route, when there is one. */
  routes(): Array<{ method: string; path: string; domain?: string; route?: Route }> {
    return this.#router.routes().map(({ method, path, domain, value }) => {
      const row: { method: string; path: string; domain?: string; route?: Route } = {
        method,
        path,
      };
      if (domain !== undefined) row.domain = domain;
      if (value.route) row.route = value.route;
      return row;
    });
  }

  // ---- OpenAPI -----------------------------------------------------------------------------------

  /**
   * The OpenAPI document of every typed route (`defineRoute` bound with `bind(controller)`):
   * 3.2.0 by default, with stream item schemas; `version: '3.1.0'` for tools that want 3.1.
   * Options given to `setOpenApiPath` apply here too; these override them.
   * What a schema could not express is documented as any value, with a warning logged once.
   * @example const doc = s.openApi({ info: { title: 'Shop', version: '2.0.0' } });
   */
  openApi(options: OpenApiOptions = {}): Record<string, unknown> {
    return JSON.parse(this.#openApiText(options)) as Record<string, unknown>;
  }

  /** The document as JSON text, built once per option set and route table. */
  #openApiText(given: OpenApiOptions): string {
    const options = { ...this.#openApiOptions, ...given };
    const key = JSON.stringify(options);
    let text = this.#openApiCache.get(key);
    if (text !== undefined) return text;
    // One document per route, in binding order (a route bound to several methods is one row each).
    const seen = new Set<string>();
    const routes: DocumentedRoute[] = [];
    for (const row of this.#router.routes()) {
      const route = row.value.route;
      if (!route) continue;
      const id = `${row.method} ${row.path} ${row.domain ?? ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      routes.push({ method: row.method, path: row.path, domain: row.domain, route });
    }
    const { document, warnings } = buildOpenApiDocument(routes, options);
    for (const warning of warnings) {
      if (this.#openApiWarned.has(warning)) continue;
      this.#openApiWarned.add(warning);
      this.#core.logger.warn({ warning }, 'sluice: OpenAPI document');
    }
    text = JSON.stringify(document);
    if (this.#openApiCache.size >= 8) this.#openApiCache.clear(); // a few option sets at most
    this.#openApiCache.set(key, text);
    return text;
  }

  /**
   * Serves the OpenAPI document at `path` (GoFrame's `SetOpenApiPath`): 3.2.0, or 3.1.0 with
   * `?version=3.1.0`. `options` sets the info, servers and security schemes.
   * @example s.setOpenApiPath('/api.json', { info: { title: 'Shop', version: '2.0.0' } })
   */
  setOpenApiPath(path: string, options: Omit<OpenApiOptions, 'version'> = {}): this {
    this.#openApiPath = path;
    this.#openApiOptions = options;
    this.bindHandler(`GET:${path}`, (r) => {
      const v = r.getQuery<string>('version');
      if (v !== undefined && v !== '3.2.0' && v !== '3.1.0') {
        throw new HttpError(400, `version must be 3.2.0 or 3.1.0 (got "${v}")`);
      }
      r.response.header().set('Content-Type', 'application/json; charset=utf-8');
      r.response.write(this.#openApiText({ version: v ?? '3.2.0' }));
    });
    return this;
  }

  /**
   * Serves an interactive API reference at `path` (GoFrame's `SetSwaggerPath`): Scalar's
   * reference, which shows each stream's events, loaded from the installed
   * `@scalar/api-reference` package (no CDN). It reads the document at the `setOpenApiPath`
   * path, or at `<path>/openapi.json` when there is none.
   * @example s.setOpenApiPath('/api.json').setSwaggerPath('/docs')
   */
  setSwaggerPath(path: string, options: { title?: string } = {}): this {
    const bundle = scalarBundlePath();
    const base = path.replace(/\/+$/, '') || '';
    const scriptUrl = `${base}/scalar.js`;
    const ownSpec = `${base}/openapi.json`;
    this.bindHandler(`GET:${base || '/'}`, (r) => {
      r.response.header().set('Content-Type', 'text/html; charset=utf-8');
      r.response.write(
        docsPageHtml({
          title: options.title ?? 'API reference',
          specUrl: this.#openApiPath ?? ownSpec,
          scriptUrl,
        }),
      );
    });
    // Served as a static file: ETag and Last-Modified, so a reload costs a 304.
    this.bindHandler(`GET:${scriptUrl}`, (r) => r.response.serveFile(bundle));
    this.bindHandler(`GET:${ownSpec}`, (r) => {
      r.response.header().set('Content-Type', 'application/json; charset=utf-8');
      r.response.write(this.#openApiText({ version: '3.2.0' }));
    });
    return this;
  }

  // ---- dispatch (the Node edge) ---------------------------------------------------------------

  #onRequest = (req: IncomingMessage, res: ServerResponse): void => this.#guarded(req, res, false);

  // 100 Continue is sent only when the handler reads the body, and never for an oversize one.
  #onCheckContinue = (req: IncomingMessage, res: ServerResponse): void =>
    this.#guarded(req, res, true);

  /**
   * This server as a Node request listener `(req, res, next?)`: mount it in an existing
   * `http`/`https` server, an `http2` compat server (`createSecureServer({ allowHTTP1: true },
   * s.handler())`), or as Express/Connect middleware, where a request no route and no static
   * mount claims goes to `next()` (404 when there is no `next`). Routing, middleware, hooks, the
   * request guard, body limits and the slow-reader policy apply as on Sluice's own listener; the
   * host server's timeouts and connection limits are its own (set `headersTimeout`,
   * `requestTimeout`, `keepAliveTimeout` there). `s.shutdown()` still ends Sluice's streams.
   * @example
   * const app = express();
   * app.use(s.handler()); // Sluice's routes first
   * app.get('/legacy', (req, res) => res.send('express'));
   */
  handler(): MountedListener {
    return (req, res, next) => {
      const pass = next ? () => next() : undefined;
      const h2 = (req as Http2ServerRequest).stream;
      try {
        if (h2 && req.httpVersionMajor === 2) {
          return this.#serveH2(h2, req.headers as IncomingHttpHeaders2, pass);
        }
        const head = checkRequestHead(req as IncomingMessage, this.#config);
        const wire = new NodeWire(req as IncomingMessage, res as ServerResponse, {
          expectsContinue: false, // the host server answered 100 Continue itself
          hasBody: head.error ? false : head.hasBody,
          passThrough: pass,
        });
        this.#serve(wire, head);
      } catch (err) {
        this.#core.logger.error({ err }, 'sluice: failed to dispatch a mounted request');
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Length': '21' });
          res.end('Internal Server Error');
        }
      }
    };
  }

  /**
   * The Web-standard handler: a `Request` in, a `Response` out, resolved at commit (a streamed
   * body is a `ReadableStream` whose reads are the backpressure). For Deno (`Deno.serve(s.fetch)`),
   * Bun, edge runtimes, and in-process tests (`await s.fetch(new Request('http://x/hello'))`).
   * The same routes, middleware, guard, body limit and slow-reader policy apply; the request's
   * `signal` aborting is the client leaving.
   * @example Deno.serve({ port: 8000 }, s.fetch);
   */
  readonly fetch = (
    request: globalThis.Request,
    info?: FetchInfo,
  ): Promise<globalThis.Response> => {
    const wire = new FetchWire(request, info);
    const head = checkWireHead(wire);
    const over = head.error ? undefined : headerListOver(wire.headers, this.#config);
    this.#serve(wire, over ? { error: new HttpError(431, over) } : head);
    return wire.response;
  };

  /** An HTTP/1.1 upgrade request: routed like any request; `r.webSocket()` takes it. */
  #onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    try {
      const check = checkRequestHead(req, this.#config);
      this.#serve(new UpgradeWire(req, socket, head, this.#webSockets), check);
    } catch (err) {
      this.#core.logger.error({ err }, 'sluice: failed to dispatch an upgrade request');
      socket.destroy();
    }
  };

  /** An HTTP/2 stream: served like any exchange, on its own wire. */
  #onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders2): void => {
    try {
      this.#serveH2(stream, headers, undefined);
    } catch (err) {
      this.#core.logger.error({ err }, 'sluice: failed to dispatch an HTTP/2 stream');
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    }
  };

  #serveH2(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders2,
    passThrough: (() => void) | undefined,
  ): void {
    const wire = new Http2Wire(stream, headers, passThrough);
    const head = checkWireHead(wire);
    const over = head.error ? undefined : headerListOver(wire.headers, this.#config);
    this.#serve(wire, over ? { error: new HttpError(431, over) } : head);
  }

  /**
   * A listener must never throw: an exception in Node's 'request' listener is uncaught and ends
   * the process. Handlers' own errors are caught by the engine; this catches Sluice's.
   */
  #guarded(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    try {
      this.#dispatch(req, res, expectsContinue);
    } catch (err) {
      this.#core.logger.error({ err, method: req.method }, 'sluice: failed to dispatch a request');
      try {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Length': '21', Connection: 'close' });
          res.end('Internal Server Error');
        } else res.destroy();
      } catch {
        res.destroy();
      }
    }
  }

  #dispatch(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    const head = checkRequestHead(req, this.#config);
    const wire = new NodeWire(req, res, {
      expectsContinue,
      hasBody: head.error ? false : head.hasBody,
    });
    if (this.#shuttingDown) res.setHeader('Connection', 'close');
    this.#serve(wire, head);
  }

  /**
   * @internal Serves one exchange arriving on any Wire (a test's fake wire; HTTP/2 and fetch
   * wires): the checks that hold on every transport, then routing and the run.
   */
  serveWire(wire: Wire): void {
    this.#serve(wire, checkWireHead(wire));
  }

  /**
   * Routes one exchange and runs it: the transport-independent half of dispatch (a wire and the
   * guard's verdict on its head in, a running request out).
   */
  #serve(wire: Wire, head: HeadCheck): void {
    const url = head.target ?? '/';
    const q = url.indexOf('?');
    // Repeated slashes are collapsed (GoFrame: `//api//test//` is `/api/test`), then rewrites.
    let path = collapseSlashes(q === -1 ? url : url.slice(0, q));
    if (this.#rewrites.size > 0) path = this.#rewrites.get(path) ?? path;
    const search = q === -1 ? '' : url.slice(q);
    const core = this.#core;
    const r = new Request(wire, core, path, search);
    if (head.error) return this.#reject(r, head.error);
    const host = head.host;
    const match = this.#router.match(r.method, host, path);
    let chain: Array<(r: Request) => unknown>;
    if (match.kind === 'found') {
      const entry = match.value;
      r.params = match.params;
      r.routePattern = entry.pattern;
      r.routeSchemas = entry.route;
      r.serveHandler = entry.serve;
      if (entry.bodyLimit !== undefined) r.bodyLimit = r.uploadLimit = entry.bodyLimit;
      chain = entry.version === this.#version ? entry.chain : this.#prepare(entry);
    } else {
      chain = this.#fallbackChain(
        match.kind === 'method-not-allowed' || match.kind === 'options' ? match : undefined,
      );
      if (match.kind === 'options') chain = this.#preflightChain(r, host, path, chain);
    }
    if (this.#bound.length > 0) chain = this.#withBound(chain, r.method, host, path);
    const hooks = core.hooks.length > 0 ? matchHooks(core.hooks, r.method, host, path) : undefined;
    const declared = head.contentLength;
    if (declared !== undefined && Number(declared) > r.acceptedBodyLimit) {
      return this.#reject(
        r,
        HttpError.fromCode(
          'SLUICE_BODY_TOO_LARGE',
          `${declared} bytes declared, limit ${r.acceptedBodyLimit}`,
        ),
      );
    }
    core.run(new Run(r, chain, hooks));
  }

  /** A request refused before any handler: one complete response, then the connection closes. */
  #reject(r: Request, err: HttpError): void {
    if (r.wire instanceof NodeWire) markRefused(r.wire);
    r.response.header().set('Connection', 'close');
    this.#core.run(
      new Run(
        r,
        [
          () => {
            throw err;
          },
        ],
        undefined,
      ),
    );
  }

  #prepare(entry: RouteEntry): Array<(r: Request) => unknown> {
    entry.chain = [...this.#global, ...entry.groupMiddleware, Engine.handlerStep(entry.handler)];
    entry.version = this.#version;
    return entry.chain;
  }

  #fallbackChain(allow?: {
    kind: 'method-not-allowed' | 'options';
    allow: string[];
  }): Array<(r: Request) => unknown> {
    if (allow) {
      const allowHeader = allow.allow.join(', ');
      const fallback: Handler =
        allow.kind === 'options'
          ? (r) => {
              r.response.status = 204;
              r.response.header().set('Allow', allowHeader);
            }
          : (r) => {
              r.response.header().set('Allow', allowHeader);
              throw new HttpError(405, 'Method Not Allowed');
            };
      return [...this.#global, Engine.handlerStep(fallback)];
    }
    if (this.#notFoundChain?.version !== this.#version) {
      const last = this.#statics.length > 0 ? this.#staticHandler : NOT_FOUND;
      this.#notFoundChain = {
        chain: [...this.#global, Engine.handlerStep(last)],
        version: this.#version,
      };
    }
    return this.#notFoundChain.chain;
  }

  /**
   * A CORS preflight (OPTIONS with `Access-Control-Request-Method`) for a path whose route serves
   * the asked method runs that route's group middleware before the automatic OPTIONS answer, so
   * a group's `cors()` answers it (GoFrame runs the route's middleware too).
   */
  #preflightChain(
    r: Request,
    host: string | undefined,
    path: string,
    chain: Array<(r: Request) => unknown>,
  ): Array<(r: Request) => unknown> {
    const asked = r.header('access-control-request-method');
    if (asked === undefined) return chain;
    const target = this.#router.match(asked.trim().toUpperCase(), host, path);
    if (target.kind !== 'found' || target.value.groupMiddleware.length === 0) return chain;
    const g = this.#global.length;
    return [...chain.slice(0, g), ...target.value.groupMiddleware, ...chain.slice(g)];
  }

  #staticHandler: Handler = async (r) => {
    if (r.method === 'GET' || r.method === 'HEAD') {
      if (await serveStatic(r, this.#statics, this.#staticSettings)) return undefined;
    }
    return NOT_FOUND(r);
  };

  #withBound(
    chain: Array<(r: Request) => unknown>,
    method: string,
    host: string | undefined,
    path: string,
  ): Array<(r: Request) => unknown> {
    let extra: Middleware[] | undefined;
    for (const b of this.#bound) if (b.matches(method, host, path)) (extra ??= []).push(...b.fns);
    if (!extra) return chain;
    const g = this.#global.length;
    return [...chain.slice(0, g), ...extra, ...chain.slice(g)];
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /**
   * Listens on every port; resolves once all listen. `s.port` (first HTTP port) and
   * `s.httpsPort` (first HTTPS port) then hold the real ports.
   * @example await s.start(); console.log(`http://127.0.0.1:${s.port}`);
   */
  async start(): Promise<this> {
    if (this.#listeners) throw new SluiceError('SLUICE_SERVER_RUNNING');
    const c = this.#config;
    // GoFrame: with a certificate and no HTTPS port, the ports serve HTTPS.
    const httpsOnly = c.tls !== undefined && this.#httpsPorts.length === 0;
    this.#listeners = await Listeners.open(
      {
        host: this.#host,
        ports: httpsOnly ? [] : this.#ports,
        httpsPorts: httpsOnly ? this.#ports : this.#httpsPorts,
        config: c,
      },
      {
        onRequest: this.#onRequest,
        onCheckContinue: this.#onCheckContinue,
        onClientError,
        onConnect: onConnectRequest,
        onStream: this.#onStream,
        onUpgrade: this.#onUpgrade,
      },
    );
    return this;
  }

  /**
   * Starts, then waits for SIGINT/SIGTERM and shuts down gracefully; resolves after the drain.
   * As GoFrame's `s.Run()`, it is the program's main loop: a busy port prints one line naming the
   * port (`sluice: the port is already in use: 8999 ...`) and exits with status 1 (`start()`
   * rejects with `SLUICE_PORT_IN_USE` instead, for programs that handle it).
   * @example
   * const s = g.server();
   * s.get('/', () => 'hello');
   * s.setPort(Number(process.env.PORT ?? 8999));
   * await s.run(); // until Ctrl-C
   */
  async run(): Promise<void> {
    try {
      await this.start();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SLUICE_PORT_IN_USE') throw err;
      process.stderr.write(`sluice: ${(err as Error).message}\n`);
      process.exit(1);
    }
    const host = this.#host ?? '127.0.0.1';
    for (const { port, secure } of this.#listeners!.ports) {
      process.stdout.write(`sluice: listening on ${secure ? 'https' : 'http'}://${host}:${port}\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      this.#closedByShutdown = resolve;
    });
    await this.shutdown();
  }

  #closedByShutdown: (() => void) | undefined;

  /**
   * Graceful shutdown: stop accepting; every EventStream gets a jittered `retry:` hint and ends;
   * every other open response gets its signal aborted; in-flight requests finish within the
   * timeout; then what is left is closed. Calls made while it runs share its promise; once it
   * resolved, `start()` may listen again, like a new server (`g.server(name)` then gives a new
   * instance: the registry let go of this one).
   * @example process.on('SIGTERM', () => void s.shutdown({ timeout: 10_000 }));
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    return (this.#shuttingDown ??= this.#shutdown(options.timeout ?? this.#config.shutdownTimeout));
  }

  async #shutdown(timeout: number): Promise<void> {
    const listeners = this.#listeners;
    const core = this.#core;
    const reason = new SluiceError('SLUICE_SHUTDOWN');
    // Retry hints first: an HTTP/2 session's GOAWAY must not race its event streams' last bytes.
    const hinted = core.registry.list().filter((sink) => sink.shutdownTarget !== undefined);
    for (const sink of hinted) {
      sink.shutdownTarget?.shutdown(1000 + Math.floor(Math.random() * 4000));
    }
    // Let the hints (and the frames queued before them) leave before any session says GOAWAY.
    await core.registry.whenReleased(hinted, Math.min(HINT_DRAIN_MS, timeout));
    const closed = listeners ? listeners.stopAccepting() : Promise.resolve();
    // WebSockets after the event streams' hints: 1001, going away.
    const socketsClosed = this.#webSockets.closeAll();
    // Event streams have ended cleanly above; every handler still running learns it should stop.
    for (const run of [...core.inflight]) run.r.abort(reason);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      core.drained(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout))),
    ]);
    clearTimeout(timer);
    listeners?.closeAll();
    await socketsClosed;
    await closed;
    for (const fn of this.#onShutdown) {
      try {
        await fn();
      } catch (err) {
        core.logger.error({ err }, 'sluice: a shutdown hook failed');
      }
    }
    this.#listeners = undefined;
    this.onClosed?.();
    const closedByShutdown = this.#closedByShutdown;
    this.#closedByShutdown = undefined;
    // A stopped server can start again and behaves like a new one (g.server(name) has let go of it).
    this.#shuttingDown = undefined;
    closedByShutdown?.();
  }

  /**
   * Runs a request in-process (no socket) through the same HTTP machinery (Node's parser over
   * an in-memory pair), and resolves at commit with status, headers and a body read as it
   * arrives (`text()`, `json()`, or `for await` over `body` for a stream; `close()` leaves).
   * @example const res = await s.inject({ method: 'POST', path: '/echo', body: { a: 1 } }); await res.json();
   */
  inject(options: InjectOptions): Promise<InjectResponse> {
    return injectRequest(this.#onRequest, this.#onCheckContinue, this.#config, options);
  }

  /**
   * @internal The server's figures now, for tests, the stats endpoint and a live panel: in-flight
   * requests, open streams, unsent bytes (the largest backlog and the total), writes to streams
   * and abnormal ends by reason since start, and this process's hub publishes and deliveries (the
   * counters telemetry reads).
   */
  stats(): {
    inflight: number;
    streams: number;
    maxUnsent: number;
    unsent: number;
    deliveries: number;
    cuts: Record<string, number>;
    hub: { published: number; delivered: number };
  } {
    const registry = this.#core.registry;
    return {
      inflight: this.#core.inflight.size,
      streams: registry.size,
      maxUnsent: registry.maxUnsent(),
      unsent: registry.totalUnsent(),
      deliveries: registry.writes,
      cuts: Object.fromEntries(registry.cuts),
      hub: { published: hubStats.published, delivered: hubStats.delivered },
    };
  }
}

/** The compiled pattern of each hook binding, for the priority order. */
const hookPriority = new WeakMap<HookBinding, ReturnType<typeof compilePattern>>();

/**
 * The predicate of a middleware or hook binding: its path pattern, its domain, and its method
 * prefix (`POST:/m` runs for POST only; HEAD counts as GET, as routes serve HEAD by GET).
 */
function bindingMatcher(
  pattern: string,
): (method: string, host: string | undefined, path: string) => unknown {
  const { methods, path, domain } = parseBindPattern(pattern);
  const matchPath = createPathMatcher(path, domain);
  if (methods.includes('ALL')) return (_method, host, p) => matchPath(host, p);
  return (method, host, p) =>
    (methods.includes(method) || (method === 'HEAD' && methods.includes('GET'))) &&
    matchPath(host, p);
}

/** Ports as `setPort`/`setHTTPSPort` take them: integers from 0 to 65535, at least one. */
function checkPorts(ports: number[]): number[] {
  if (ports.length === 0) throw new SluiceError('SLUICE_CONFIG', 'give at least one port');
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new SluiceError('SLUICE_CONFIG', `port ${port} is not between 0 and 65535`);
    }
  }
  return [...ports];
}

function webSocketLimits(c: ServerConfig): WebSocketLimits {
  return {
    maxMessage: c.webSocketMaxMessage,
    maxBuffered: c.webSocketMaxBuffered,
    pingInterval: c.webSocketPingInterval,
  };
}
