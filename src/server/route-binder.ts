/**
 * The idiomatic aliases (`get`, `post`, ...) shared by Server and Group: each is bindHandler
 * with a method prefix, so the two cannot drift apart. Each types `r.params` from the path
 * literal: `s.get('/user/:id/{file}.html', (r) => r.params.file)`.
 */
import type { Route } from '../controller/index.js';
import type { Handler } from '../engine/types.js';
import type { BindingParams, ParamsOf } from '../router/index.js';

/**
 * Per-route options of the binding methods (`s.get(path, handler, options)`, `bindHandler`).
 * @example s.post('/upload', handler, { bodyLimit: 64 << 20 });
 */
export interface RouteOptions {
  /** Body limit for this route in bytes (overrides the server's bodyLimit). */
  bodyLimit?: number;
  /** The typed route this handler serves (set by `bind(controller)`): its schemas feed OpenAPI. */
  route?: Route;
}

export abstract class RouteBinder {
  /**
   * Binds a handler to a GoFrame pattern (`GET:/user/{id}`, `/file/*path@host`, ...).
   * @example s.bindHandler('GET:/user/{id}', (r) => ({ id: r.params.id }))
   */
  abstract bindHandler<const P extends string>(
    pattern: P,
    handler: Handler<BindingParams<P>>,
    options?: RouteOptions,
  ): this;

  /**
   * GET (and HEAD) on a path.
   * @example s.get('/user/:id', (r) => ({ id: r.params.id }))
   */
  get<const P extends string>(
    path: P,
    handler: Handler<ParamsOf<P>>,
    options?: RouteOptions,
  ): this {
    return this.bindHandler(`GET:${path}`, handler as Handler, options);
  }
  /** POST on a path. */
  post<const P extends string>(
    path: P,
    handler: Handler<ParamsOf<P>>,
    options?: RouteOptions,
  ): this {
    return this.bindHandler(`POST:${path}`, handler as Handler, options);
  }
  /** PUT on a path. */
  put<const P extends string>(
    path: P,
    handler: Handler<ParamsOf<P>>,
    options?: RouteOptions,
  ): this {
    return this.bindHandler(`PUT:${path}`, handler as Handler, options);
  }
  /** PATCH on a path. */
  patch<const P extends string>(
    path: P,
    handler: Handler<ParamsOf<P>>,
    options?: RouteOptions,
  ): this {
    return this.bindHandler(`PATCH:${path}`, handler as Handler, options);
  }
  /** DELETE on a path. */
  delete<const P extends string>(
    path: P,
    handler: Handler<ParamsOf<P>>,
    options?: RouteOptions,
  ): this {
    return this.bindHandler(`DELETE:${path}`, handler as Handler, options);
  }
  /** Every method. */
  all<const P extends string>(
    path: P,
    handler: Handler<ParamsOf<P>>,
    options?: RouteOptions,
  ): this {
    return this.bindHandler(path, handler as Handler as Handler<BindingParams<P>>, options);
  }
}
