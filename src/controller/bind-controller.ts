/**
 * `group.bind(controller)`: binds every `handle(...)` member of an object or class instance (own
 * members, then those of its prototype chain) under the group's prefix and middleware. Each
 * request's merged parameters (route, query, body) are validated before the handler runs.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { shouldValidate } from '../config.js';
import { SluiceError } from '../errors/index.js';
import type { Handler } from '../engine/types.js';
import type { Request } from '../exchange/request.js';
import type { Route } from './define-route.js';
import { isControllerMember, type ControllerMember } from './handle.js';
import { validateInput, type ValidationResult } from './validate-input.js';

/** Where a controller's routes are bound (a group or the server). */
export interface RouteTarget {
  bindHandler(pattern: string, handler: Handler, options?: { route?: Route }): unknown;
}

/**
 * Binds the controller's `handle(route, fn)` members to a group or the server (what
 * `group.bind(controller)` calls); throws `SLUICE_CONFIG` when it has none.
 * @example
 * class Users {
 *   get = handle(defineRoute({ method: 'GET', path: '/users/:id' }), (input) => ({ id: input.id }));
 * }
 * bindController(s, new Users());
 */
export function bindController(group: RouteTarget, controller: object): void {
  const members = collectMembers(controller);
  if (members.length === 0) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      'group.bind(): the controller has no handle(...) members; declare them as fields, e.g. `get = handle(route, fn)`',
    );
  }
  for (const member of members) {
    const { method, path } = member.route;
    group.bindHandler(
      method === 'ALL' ? path : `${method}:${path}`,
      controllerHandler(member, controller),
      { route: member.route },
    );
  }
}

/** The `handle()` members of an object: own properties first, then its prototypes'. */
function collectMembers(controller: object): ControllerMember[] {
  if (isControllerMember(controller)) return [controller];
  const seen = new Set<PropertyKey>();
  const members: ControllerMember[] = [];
  for (
    let level: object | null = controller;
    level !== null && level !== Object.prototype;
    level = Object.getPrototypeOf(level) as object | null
  ) {
    for (const key of Reflect.ownKeys(level)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key);
      const value: unknown = Reflect.get(controller, key);
      if (isControllerMember(value)) members.push(value);
    }
  }
  return members;
}

/** The metadata a typed route's handler carries (read by the server for `r.serveHandler`). */
export const ROUTE_META = Symbol.for('sluice.route.meta');

/**
 * A route's metadata as GoFrame's meta tags: `method` (lower case), `path`, `summary`, `tags`
 * (comma-separated), `description`, and the route's own `meta`.
 * @example routeMetaOf(defineRoute({ method: 'POST', path: '/x', input })).method // 'post'
 */
export function routeMetaOf(route: ControllerMember['route']): Record<string, string> {
  const meta: Record<string, string> = Object.create(null) as Record<string, string>;
  meta.method = route.method.toLowerCase();
  meta.path = route.path;
  if (route.summary !== undefined) meta.summary = route.summary;
  if (route.tags !== undefined) meta.tags = route.tags.join(',');
  if (route.description !== undefined) meta.description = route.description;
  for (const [k, v] of Object.entries(route.meta ?? {})) meta[k] = v;
  return meta;
}

/**
 * The route handler: merge, validate, call the member with `(ctx, input)`, then make its return
 * value the output schema's output (what the schema strips never leaves the server).
 */
function controllerHandler(member: ControllerMember, controller: object): Handler {
  const { input: schema, output } = member.route;
  const sources = Object.entries(member.route.in ?? {});
  const fn = member.handler as (this: object, ctx: unknown, input: unknown) => unknown;
  // A promise chain with synchronous steps rather than an async function: a synchronous
  // validator (zod's usual case) and a plain return value cost no extra microtask hops.
  const answer = (r: Request, value: unknown): unknown => {
    if (output === undefined || r.response.hasOutput || r.isExited()) return value;
    if (!shouldValidate(r.env.config)) return value;
    return checkOutput(output, value);
  };
  const call = (r: Request, result: ValidationResult): unknown => {
    if (!result.ok) throw result.error;
    const value = fn.call(controller, r.context(), withParams(result.value, r.params));
    if (output === undefined) return value; // a promise is adopted by the chain as it is
    return isThenable(value) ? value.then((v) => answer(r, v)) : answer(r, value);
  };
  const validated = (r: Request, merged: Record<string, unknown>): unknown => {
    if (sources.length > 0) merged = fromSources(r, merged, sources);
    const result = validateInput(schema, merged);
    return result instanceof Promise ? result.then((res) => call(r, res)) : call(r, result);
  };
  const handler = (r: Request): Promise<unknown> => r.allThen((merged) => validated(r, merged));
  return Object.assign(handler, { [ROUTE_META]: routeMetaOf(member.route) });
}

/** The input with the fields that come from a cookie, a header, the query or the path. */
function fromSources(
  r: Request,
  merged: Record<string, unknown>,
  sources: Array<[string, 'cookie' | 'header' | 'query' | 'path']>,
): Record<string, unknown> {
  const out = Object.assign(Object.create(null) as Record<string, unknown>, merged);
  for (const [field, source] of sources) {
    const value =
      source === 'cookie'
        ? r.cookie(field)
        : source === 'header'
          ? r.header(field)
          : source === 'query'
            ? r.getQuery(field)
            : r.getRouter(field);
    if (value !== undefined) out[field] = value;
    else if (source === 'query' || source === 'path') delete out[field];
  }
  return out;
}

/** The schema's output for `value`, or the 500 that says which fields failed (logged, not sent). */
async function checkOutput(output: StandardSchemaV1, value: unknown): Promise<unknown> {
  let out = output['~standard'].validate(value);
  if (out instanceof Promise) out = await out;
  if (!out.issues) return out.value;
  const fields = out.issues
    .slice(0, 10)
    .map((i) => {
      const path = (i.path ?? []).map((s) => String(typeof s === 'object' ? s.key : s)).join('.');
      return `${path || '(value)'}: ${i.message}`;
    })
    .join('; ');
  throw new SluiceError('SLUICE_RESPONSE_INVALID', fields);
}

/** Adds the route parameters the schema's output does not declare (validated fields win). */
function withParams(value: unknown, params: Record<string, string>): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  for (const key in params) {
    if (!(key in value)) (value as Record<string, unknown>)[key] = params[key];
  }
  return value;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
