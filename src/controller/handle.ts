/**
 * `handle(route, fn)`: a controller member, GoFrame's `func(ctx, req) (res, err)`. The input type
 * comes from the route's input schema (plus the path's parameters it does not declare), and the
 * return type is checked against the output schema when the route has one.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { SluiceError } from '../errors/index.js';
import type { RequestContext } from '../exchange/request.js';
import type { Route } from './define-route.js';
import type { ParamNames, ParamsOf } from '../router/params-of.js';

const MEMBER = Symbol.for('sluice.controller.member');

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Drops an index signature whose values are `never` (what `z.object({})` infers). */
type DropNeverIndex<T> = {
  [K in keyof T as string extends K ? ([T[K]] extends [never] ? never : K) : K]: T[K];
};

/**
 * What the handler receives: the input schema's output. When that is an object, route
 * parameters it does not declare are added as strings (validated fields always win).
 */
export type RouteInput<Path extends string, Input extends StandardSchemaV1> =
  StandardSchemaV1.InferOutput<Input> extends infer Out
    ? string extends Path
      ? Out
      : [ParamNames<Path>] extends [never]
        ? Out
        : Out extends Record<string, unknown>
          ? Simplify<Omit<ParamsOf<Path>, keyof DropNeverIndex<Out>> & DropNeverIndex<Out>>
          : Out
    : never;

/** What the handler may return: the output schema's type, or anything when there is none. */
export type RouteResult<Output extends StandardSchemaV1 | undefined> = [Output] extends [
  StandardSchemaV1,
]
  ? StandardSchemaV1.InferOutput<Output> | Promise<StandardSchemaV1.InferOutput<Output>>
  : unknown;

/** A controller's handler: `(ctx, input) => output`; `g.requestFromCtx(ctx)` gives `r`. */
export type RouteHandler<
  Path extends string,
  Input extends StandardSchemaV1,
  Output extends StandardSchemaV1 | undefined,
> = (ctx: RequestContext, input: RouteInput<Path, Input>) => RouteResult<Output>;

/** A controller member made by `handle()`: bound by `group.bind(controller)`. */
export interface ControllerMember<
  Path extends string = string,
  Input extends StandardSchemaV1 = StandardSchemaV1,
  Output extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
> {
  readonly [MEMBER]: true;
  readonly route: Route<Path, Input, Output>;
  readonly handler: RouteHandler<Path, Input, Output>;
}

/**
 * Makes a controller member from a route and its handler. Its return value is the response
 * (JSON, or the `{ code, message, data }` envelope under `middleware.handlerResponse()`); a thrown
 * `HttpError` sets the status. A streaming controller writes through `g.requestFromCtx(ctx)` and
 * returns nothing.
 * @example
 * class UserController {
 *   getUser = handle(GetUser, async (ctx, input) => ({ id: input.id, name: 'Ada' }));
 * }
 * s.group('/api', (group) => group.bind(new UserController()));
 */
export function handle<
  Path extends string,
  Input extends StandardSchemaV1,
  Output extends StandardSchemaV1 | undefined,
>(
  route: Route<Path, Input, Output>,
  handler: RouteHandler<Path, Input, Output>,
): ControllerMember<Path, Input, Output> {
  if (typeof handler !== 'function') {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `handle(${route.method} ${route.path}): the handler is not a function`,
    );
  }
  return Object.freeze({ [MEMBER]: true as const, route, handler });
}

/** True for a value made by `handle()`. */
export function isControllerMember(value: unknown): value is ControllerMember {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { [MEMBER]?: unknown })[MEMBER] === true
  );
}
