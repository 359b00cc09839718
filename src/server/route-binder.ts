/**
 * The idiomatic aliases (`get`, `post`, ...) shared by Server and Group: each is bindHandler
 * with a method prefix, so the two cannot drift apart.
 */
import type { Handler } from '../engine/types.js';

export interface RouteOptions {
  /** Body limit for this route in bytes (overrides the server's bodyLimit). */
  bodyLimit?: number;
}

export abstract class RouteBinder {
  /** Binds a handler to a GoFrame pattern (`GET:/user/{id}`, `/file/*path@host`, ...). */
  abstract bindHandler(pattern: string, handler: Handler, options?: RouteOptions): this;

  get(path: string, handler: Handler, options?: RouteOptions): this {
    return this.bindHandler(`GET:${path}`, handler, options);
  }
  post(path: string, handler: Handler, options?: RouteOptions): this {
    return this.bindHandler(`POST:${path}`, handler, options);
  }
  put(path: string, handler: Handler, options?: RouteOptions): this {
    return this.bindHandler(`PUT:${path}`, handler, options);
  }
  patch(path: string, handler: Handler, options?: RouteOptions): this {
    return this.bindHandler(`PATCH:${path}`, handler, options);
  }
  delete(path: string, handler: Handler, options?: RouteOptions): this {
    return this.bindHandler(`DELETE:${path}`, handler, options);
  }
  /** Every method. */
  all(path: string, handler: Handler, options?: RouteOptions): this {
    return this.bindHandler(path, handler, options);
  }
}
