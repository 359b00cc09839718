/**
 * `s.group(prefix, (g) => ...)`: routes under a prefix with the group's middleware, visible in
 * one place (no prototype-chain scoping): a nested group copies its parent's middleware list.
 */
import { parseBindPattern } from '../router/index.js';
import { bindController } from '../controller/index.js';
import type { BindingParams } from '../router/index.js';
import type { Handler, Hook, HookName, Middleware } from '../engine/types.js';
import { RouteBinder, type RouteOptions } from './route-binder.js';
import {
  objectRoutes,
  restRoutes,
  type NameToUriType,
  type ObjectMethods,
} from './object-binding.js';

export type { RouteOptions };

/** Where a group's routes go (the server implements it). */
export interface RouteRegistry {
  addRoute(
    pattern: string,
    handler: Handler,
    groupMiddleware: Middleware[],
    options?: RouteOptions,
  ): void;
  /** Binds a hook (GoFrame's `group.Hook`). */
  bindHookHandler(pattern: string, hook: HookName, fn: Hook): unknown;
  /** How object bindings name their routes. */
  readonly nameToUriType: NameToUriType;
}

/**
 * A route group: a path prefix with its own middleware, hooks and nested groups (GoFrame's
 * `s.Group`). Made by `s.group(prefix, fn)`; routes bound on it carry the prefix.
 * @example
 * s.group('/api', (g) => {
 *   g.middleware(middleware.cors());
 *   g.get('/me', (r) => ({ id: r.get('id') }));
 *   g.group('/v1', (v1) => v1.get('/ping', () => 'pong'));
 * });
 */
export class Group extends RouteBinder {
  readonly #server: RouteRegistry;
  readonly prefix: string;
  readonly #middleware: Middleware[];

  /** @internal use `s.group()` */
  constructor(server: RouteRegistry, prefix: string, inherited: Middleware[]) {
    super();
    this.#server = server;
    this.prefix = joinPaths('', prefix);
    this.#middleware = [...inherited];
  }

  /** Adds middleware to this group's routes (bound before or after, it applies to all of them). */
  middleware(...fns: Middleware[]): this {
    this.#middleware.push(...fns);
    return this;
  }

  /** Binds a handler under the group's prefix; the pattern takes the same syntax as s.bindHandler. */
  override bindHandler<const P extends string>(
    pattern: P,
    handler: Handler<BindingParams<P>>,
    options?: RouteOptions,
  ): this {
    // The group's list is passed by reference: middleware added later still applies.
    this.#server.addRoute(this.#full(pattern), handler as Handler, this.#middleware, options);
    return this;
  }

  /** A nested group: its prefix is appended, and it starts with this group's middleware. */
  group(prefix: string, define?: (group: Group) => void): Group {
    const g = new Group(this.#server, joinPaths(this.prefix, prefix), this.#middleware);
    define?.(g);
    return g;
  }

  /** Binds every `handle(...)` member of a controller object or class instance. */
  bind(controller: object): this {
    bindController(this, controller);
    return this;
  }

  /**
   * A hook for a pattern under the group's prefix (GoFrame's `group.Hook`).
   * @example s.group('/api', (g) => g.hook('/*', 'beforeServe', (r) => r.response.header().set('X-Api', '1')))
   */
  hook(pattern: string, hook: HookName, fn: Hook): this {
    this.#server.bindHookHandler(this.#full(pattern), hook, fn);
    return this;
  }

  /**
   * Binds several routes at once (GoFrame's `group.Map`); a key may carry a method prefix, with
   * spaces after its colon (`'GET: /user'`).
   * @example s.group('/api', (g) => g.map({ 'GET:/user': getUser, 'POST:/user': createUser }))
   */
  map(routes: Record<string, Handler>): this {
    for (const [pattern, handler] of Object.entries(routes)) this.bindHandler(pattern, handler);
    return this;
  }

  /**
   * Binds several routes at once for every method (GoFrame's `group.ALLMap`): a method prefix
   * in a key is ignored.
   * @example s.group('/api', (g) => g.allMap({ '/ping': () => 'pong' }))
   */
  allMap(routes: Record<string, Handler>): this {
    for (const [pattern, handler] of Object.entries(routes)) {
      const { path, domain } = parseBindPattern(pattern);
      this.bindHandler(path + (domain ? '@' + domain : ''), handler);
    }
    return this;
  }

  /**
   * Binds an object's methods under the group's prefix (see `Server.bindObject`).
   * @example s.group('/api', (g) => g.bindObject('/user', new UserController()))
   */
  bindObject(pattern: string, object: object, methods?: ObjectMethods): this {
    for (const [p, h] of objectRoutes(pattern, object, methods, this.#server.nameToUriType)) {
      this.bindHandler(p, h);
    }
    return this;
  }

  /**
   * Binds one method of an object at `pattern` exactly, with `init`/`shut` around it (GoFrame's
   * `BindObjectMethod`).
   * @example g.bindObjectMethod('/user-info', new User(), 'info')
   */
  bindObjectMethod(pattern: string, object: object, method: string): this {
    return this.bindObject(pattern, object, method.trim());
  }

  /**
   * Binds an object's HTTP-verb methods under the group's prefix (see `Server.bindObjectRest`).
   * @example s.group('/api', (g) => g.bindObjectRest('/user/{id}', new UserRest()))
   */
  bindObjectRest(pattern: string, object: object): this {
    for (const [p, h] of restRoutes(pattern, object, this.#server.nameToUriType))
      this.bindHandler(p, h);
    return this;
  }

  /**
   * GoFrame's `group.REST`: alias of `bindObjectRest`.
   * @example s.group('/api', (g) => g.rest('/user/{id}', new UserRest()))
   */
  rest(pattern: string, object: object): this {
    return this.bindObjectRest(pattern, object);
  }

  /** The full binding string of a pattern under this group. */
  #full(pattern: string): string {
    const { methods, path, domain } = parseBindPattern(pattern);
    return (
      (methods[0] === 'ALL' && methods.length === 1 ? '' : methods.join(',') + ':') +
      joinPaths(this.prefix, path) +
      (domain ? '@' + domain : '')
    );
  }
}

function joinPaths(a: string, b: string): string {
  const joined = (a + '/' + b).replace(/\/{2,}/g, '/');
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}
