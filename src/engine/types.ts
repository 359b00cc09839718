/**
 * The shapes the engine runs: handlers, middleware and GoFrame's hooks.
 */
import type { Request } from '../exchange/request.js';
import type { Params } from '../router/match-pattern.js';

/**
 * A route handler: writes to `r.response` and/or returns the response value. `P` types
 * `r.params` (the route binders infer it from the path literal).
 * @example const hello: Handler<{ name: string }> = (r) => `hello ${r.params.name}`;
 */
export type Handler<P extends Params = Params> = (r: Request<P>) => unknown;

/**
 * Middleware: calls `await r.middleware.next()` to run the rest of the chain.
 * @example const timing: Middleware = async (r) => { const t = Date.now(); await r.middleware.next(); r.log.info({ ms: Date.now() - t }); };
 */
export type Middleware = (r: Request) => unknown;

/** GoFrame's hook points, in the order they run. */
export type HookName = 'beforeServe' | 'afterServe' | 'beforeOutput' | 'afterOutput';

/** A hook: runs at its point; `r.exitHook()` skips the rest of that kind. */
export type Hook = (r: Request) => unknown;

/** A bound hook: the predicate decides, per request, whether it applies. */
export interface HookBinding {
  hook: HookName;
  fn: Hook;
  matches: (method: string, host: string | undefined, path: string) => unknown;
  /**
   * Orders hooks of one kind as GoFrame does: the most specific pattern first (the route
   * priority: negative when `this` runs before `other`); equal ones keep their binding order.
   */
  before?: (other: HookBinding) => number;
}

/** A bound status handler; `domains` limits it to those hosts (lower case, no port). */
export interface StatusBinding {
  fn: Handler;
  domains: ReadonlySet<string> | undefined;
}

/** The hooks that matched one request, looked up only when hooks are bound. */
export type MatchedHooks = Partial<Record<HookName, Hook[]>>;
