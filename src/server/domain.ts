/**
 * `s.domain('a.com, b.com')`: GoFrame's `s.Domain`, the binding methods for some hosts only.
 * Every route, group, middleware, hook and status handler bound through it carries the hosts
 * (as `pattern@host`, once per host); `s.domain('')` binds for every host.
 */
import type { Handler, Hook, HookName, Middleware } from '../engine/types.js';
import { bindController } from '../controller/index.js';
import { parseBindPattern, type BindingParams } from '../router/index.js';
import { Group, type RouteRegistry } from './group.js';
import {
  objectRoutes,
  restRoutes,
  type NameToUriType,
  type ObjectMethods,
} from './object-binding.js';
import { RouteBinder, type RouteOptions } from './route-binder.js';

/** What a domain binder needs from the server (the server implements it). */
export interface DomainHost extends RouteRegistry {
  bindMiddleware(pattern: string, ...fns: Middleware[]): unknown;
  bindMiddlewareDefault(...fns: Middleware[]): unknown;
  bindStatusHandler(status: number, fn: Handler): unknown;
  addStatusHandler(status: number, fn: Handler, domains: ReadonlySet<string> | undefined): unknown;
}

/**
 * The binding methods of `s.domain(list)`.
 * @example
 * const d = s.domain('api.example.com, api.example.org');
 * d.bindHandler('/v1/ping', () => 'pong');
 * d.bindStatusHandler(404, (r) => r.response.writeOver('no such API'));
 */
export class DomainBinder extends RouteBinder {
  readonly #host: DomainHost;
  /** The hosts (lower case, no port); empty for every host. */
  readonly hosts: readonly string[];
  readonly #registry: RouteRegistry;

  /** @internal use `s.domain(list)` */
  constructor(host: DomainHost, hosts: readonly string[]) {
    super();
    this.#host = host;
    this.hosts = hosts;
    this.#registry = {
      addRoute: (pattern, handler, groupMiddleware, options) => {
        for (const p of this.#patterns(pattern))
          host.addRoute(p, handler, groupMiddleware, options);
      },
      bindHookHandler: (pattern, hook, fn) => {
        for (const p of this.#patterns(pattern)) host.bindHookHandler(p, hook, fn);
      },
      get nameToUriType(): NameToUriType {
        return host.nameToUriType;
      },
    };
  }

  /**
   * Binds a handler for these hosts (same pattern syntax as `s.bindHandler`).
   * @example s.domain('a.com').bindHandler('GET:/user/{id}', (r) => r.get('id'))
   */
  override bindHandler<const P extends string>(
    pattern: P,
    handler: Handler<BindingParams<P>>,
    options?: RouteOptions,
  ): this {
    this.#registry.addRoute(pattern, handler as Handler, [], options);
    return this;
  }

  /**
   * A group of routes for these hosts.
   * @example s.domain('a.com').group('/api', (g) => g.get('/me', me))
   */
  group(prefix: string, define?: (group: Group) => void): Group {
    const g = new Group(this.#registry, prefix, []);
    define?.(g);
    return g;
  }

  /**
   * Binds every `handle(...)` member of a controller for these hosts.
   * @example s.domain('a.com').bind(new UserController())
   */
  bind(controller: object): this {
    bindController(this, controller);
    return this;
  }

  /**
   * Binds an object's methods for these hosts (see `Server.bindObject`).
   * @example s.domain('a.com').bindObject('/user', new User())
   */
  bindObject(pattern: string, object: object, methods?: ObjectMethods): this {
    for (const [p, h] of objectRoutes(pattern, object, methods, this.#host.nameToUriType)) {
      this.bindHandler(p, h);
    }
    return this;
  }

  /**
   * Binds one method of an object at `pattern` exactly, with `init`/`shut` around it (GoFrame's
   * `BindObjectMethod`).
   * @example d.bindObjectMethod('/user-info', new User(), 'info')
   */
  bindObjectMethod(pattern: string, object: object, method: string): this {
    return this.bindObject(pattern, object, method.trim());
  }

  /**
   * Binds an object's HTTP-verb methods for these hosts (see `Server.bindObjectRest`).
   * @example s.domain('a.com').bindObjectRest('/user', new UserRest())
   */
  bindObjectRest(pattern: string, object: object): this {
    for (const [p, h] of restRoutes(pattern, object, this.#host.nameToUriType))
      this.bindHandler(p, h);
    return this;
  }

  /**
   * A hook for these hosts.
   * @example s.domain('a.com').bindHookHandler('/*', 'beforeServe', (r) => r.response.header().set('X-Site', 'a'))
   */
  bindHookHandler(pattern: string, hook: HookName, fn: Hook): this {
    this.#registry.bindHookHandler(pattern, hook, fn);
    return this;
  }

  /**
   * Middleware for matching paths on these hosts.
   * @example s.domain('a.com').bindMiddleware('/admin/*', auth)
   */
  bindMiddleware(pattern: string, ...fns: Middleware[]): this {
    for (const p of this.#patterns(pattern)) this.#host.bindMiddleware(p, ...fns);
    return this;
  }

  /**
   * Middleware for every request to these hosts (404 included).
   * @example s.domain('a.com').bindMiddlewareDefault(accessLog())
   */
  bindMiddlewareDefault(...fns: Middleware[]): this {
    if (this.hosts.length === 0) this.#host.bindMiddlewareDefault(...fns);
    else this.bindMiddleware('/*', ...fns);
    return this;
  }

  /**
   * Alias of bindMiddlewareDefault.
   * @example s.domain('a.com').use(requestId())
   */
  use(...fns: Middleware[]): this {
    return this.bindMiddlewareDefault(...fns);
  }

  /**
   * A status handler for requests to these hosts; it wins over one bound for every host.
   * @example s.domain('a.com').bindStatusHandler(404, (r) => r.response.writeOver('404 page'))
   */
  bindStatusHandler(status: number, fn: Handler): this {
    if (this.hosts.length === 0) this.#host.bindStatusHandler(status, fn);
    else this.#host.addStatusHandler(status, fn, new Set(this.hosts));
    return this;
  }

  /** One binding string per host (the pattern itself for every host). */
  #patterns(pattern: string): string[] {
    if (this.hosts.length === 0) return [pattern];
    const { methods, path } = parseBindPattern(pattern);
    const prefix = methods.length === 1 && methods[0] === 'ALL' ? '' : methods.join(',') + ':';
    return this.hosts.map((h) => `${prefix}${path}@${h}`);
  }
}
