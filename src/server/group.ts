/**
 * `s.group(prefix, (g) => ...)`: routes under a prefix with the group's middleware, visible in
 * one place (no prototype-chain scoping): a nested group copies its parent's middleware list.
 */
import { parseBindPattern } from '../router/index.js';
import { bindController } from '../controller/index.js';
import type { BindingParams } from '../router/index.js';
import type { Handler, Middleware } from '../engine/types.js';
import { RouteBinder, type RouteOptions } from './route-binder.js';

export type { RouteOptions };

/** Where a group's routes go (the server implements it). */
export interface RouteRegistry {
  addRoute(
    pattern: string,
    handler: Handler,
    groupMiddleware: Middleware[],
    options?: RouteOptions,
  ): void;
}

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
    const { methods, path, domain } = parseBindPattern(pattern);
    const full =
      (methods[0] === 'ALL' && methods.length === 1 ? '' : methods.join(',') + ':') +
      joinPaths(this.prefix, path) +
      (domain ? '@' + domain : '');
    // The group's list is passed by reference: middleware added later still applies.
    this.#server.addRoute(full, handler as Handler, this.#middleware, options);
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
}

function joinPaths(a: string, b: string): string {
  const joined = (a + '/' + b).replace(/\/{2,}/g, '/');
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}
