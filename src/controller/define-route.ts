/**
 * `defineRoute(...)`: GoFrame's request type with `g.Meta` (path, method, summary, tags) and its
 * validation, as one value. The schemas are Standard Schema v1, so zod, valibot and arktype all
 * work; types are inferred from them, and route parameter names from the path literal.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { SluiceError } from '../errors/index.js';
import type { ParamsOf } from '../router/params-of.js';

/** The methods a route can be bound to (`ALL` matches every method). */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ALL';

/** Named event schemas of a streaming route (for documentation and OpenAPI). */
export type EventSchemas = Record<string, StandardSchemaV1>;

/** What `defineRoute` takes. */
export interface RouteSpec<
  Path extends string,
  Input extends StandardSchemaV1,
  Output extends StandardSchemaV1 | undefined = undefined,
> {
  /** `GET`, `POST`, ... or `ALL`. */
  method: RouteMethod;
  /** The path below the group's prefix, in the router's syntax (`/user/{id}`, `/file/*path`). */
  path: Path;
  /** One line for documentation (OpenAPI `summary`). */
  summary?: string;
  /** Longer documentation, CommonMark (OpenAPI `description`). */
  description?: string;
  /** Tags for documentation (OpenAPI `tags`). */
  tags?: readonly string[];
  /** A stable name for generated clients (OpenAPI `operationId`); default from method and path. */
  operationId?: string;
  /** Marks the route deprecated in the document. */
  deprecated?: boolean;
  /** Security requirements (OpenAPI `security`), naming schemes passed to `s.openApi()`. */
  security?: ReadonlyArray<Record<string, readonly string[]>>;
  /**
   * Validates the merged parameters: route params, then query, then body fields (later wins,
   * GoFrame's order). Query and path values are strings: coerce them in the schema.
   */
  input: Input;
  /** The response value's schema: the handler's return type must match it. */
  output?: Output;
  /**
   * A streaming route's events, by event name: documented as the stream's item schema, and each
   * event the handler sends through `r.response.sse()` is validated against its schema.
   */
  events?: EventSchemas;
  /** An NDJSON route's item schema (documented as `application/jsonl` items). */
  items?: StandardSchemaV1;
  /**
   * Where some input fields come from instead of the merged parameters (GoFrame's `in:` tag):
   * `'cookie'` or `'header'` (the value of the cookie/header of that name, which wins over a body
   * field of the same name), `'query'` or `'path'` (that source only).
   */
  in?: Readonly<Record<string, 'cookie' | 'header' | 'query' | 'path'>>;
  /** Free metadata, read by middleware through `r.serveHandler.getMetaTag(name)`. */
  meta?: Readonly<Record<string, string>>;
}

/** A route made by `defineRoute`: the spec, frozen, with its types attached. */
export interface Route<
  Path extends string = string,
  Input extends StandardSchemaV1 = StandardSchemaV1,
  Output extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
  // A fourth parameter, defaulted: only streaming routes name it, for EventsOf<typeof route>.
  Events extends EventSchemas = EventSchemas,
>
  extends Readonly<RouteSpec<Path, Input, Output>>, RouteEvents<Events> {
  /** Type-only: the route parameters of `path` (undefined at run time). */
  readonly '~params'?: ParamsOf<Path>;
}

/** Type-only: the event data types of a streaming route, by event name. */
export interface RouteEvents<Events extends EventSchemas> {
  readonly '~events'?: { [K in keyof Events]: StandardSchemaV1.InferOutput<Events[K]> };
}

/**
 * The event types a route declares, for the stream client:
 * `stream<EventsOf<typeof chat>>(url, { json: true })` yields events narrowed by name.
 */
export type EventsOf<R> = NonNullable<R extends { readonly '~events'?: infer E } ? E : never>;

const METHODS = new Set<string>([
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'ALL',
]);

/**
 * Declares a typed route. Pass it to `handle(route, fn)` to make a controller member. Its
 * `summary`, `description`, `tags`, `operationId`, `deprecated` and `security` feed the OpenAPI
 * document (`s.setOpenApiPath`).
 * @example
 * const GetUser = defineRoute({
 *   method: 'GET',
 *   path: '/user/{id}',
 *   summary: 'One user',
 *   input: z.object({ id: z.coerce.number().int(), verbose: z.coerce.boolean().optional() }),
 *   output: z.object({ id: z.number(), name: z.string() }),
 * });
 */
export function defineRoute<
  const Path extends string,
  Input extends StandardSchemaV1,
  Output extends StandardSchemaV1 | undefined = undefined,
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  const Events extends EventSchemas = {},
>(spec: RouteSpec<Path, Input, Output> & { events?: Events }): Route<Path, Input, Output, Events> {
  const method = String(spec.method).toUpperCase();
  if (!METHODS.has(method)) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `defineRoute: method "${spec.method}" is not one of ${[...METHODS].join(', ')}`,
    );
  }
  if (typeof spec.path !== 'string' || !spec.path.startsWith('/')) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `defineRoute: path "${String(spec.path)}" must start with "/"`,
    );
  }
  for (const [name, schema] of [
    ['input', spec.input],
    ['output', spec.output],
    ['items', spec.items],
  ] as const) {
    if (name !== 'input' && schema === undefined) continue;
    if (!isStandardSchema(schema)) {
      throw new SluiceError(
        'SLUICE_CONFIG',
        `defineRoute ${spec.path}: ${name} is not a Standard Schema (zod, valibot, arktype...)`,
      );
    }
  }
  for (const [event, schema] of Object.entries(spec.events ?? {})) {
    if (!isStandardSchema(schema)) {
      throw new SluiceError(
        'SLUICE_CONFIG',
        `defineRoute ${spec.path}: event "${event}" is not a Standard Schema`,
      );
    }
  }
  if (spec.operationId !== undefined && !/^[A-Za-z_][\w.-]*$/.test(spec.operationId)) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `defineRoute ${spec.path}: operationId "${spec.operationId}" must be an identifier (letters, digits, _ . -)`,
    );
  }
  const streams = [spec.output && 'output', spec.items && 'items', spec.events && 'events'];
  if (streams.filter(Boolean).length > 1) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `defineRoute ${spec.path}: declare one of output, items and events (got ${streams.filter(Boolean).join(', ')})`,
    );
  }
  return Object.freeze({ ...spec, method: method as RouteMethod });
}

/** True for a Standard Schema v1 value. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.[
    '~standard'
  ];
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    std !== undefined &&
    std.version === 1 &&
    typeof std.validate === 'function'
  );
}
