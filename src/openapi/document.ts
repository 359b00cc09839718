/**
 * The OpenAPI document of a server's typed routes (`defineRoute`), built from their schemas
 * through the Standard JSON Schema interface (never a walker of one library's internals).
 * OpenAPI 3.2.0 by default: an SSE route's response is `text/event-stream` with an `itemSchema`
 * (one alternative per event name, JSON data described by `contentMediaType`/`contentSchema`),
 * an NDJSON route's is `application/jsonl` and `application/x-ndjson` with an `itemSchema`.
 * With `version: '3.1.0'` the document stays valid 3.1: item schemas move under
 * `x-sluice-itemSchema`. The extensions are listed in README ("OpenAPI and types").
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Route } from '../controller/index.js';
import { jsonSchemaOf, type JsonSchema } from './json-schema.js';
import { Components } from './components.js';

/** Options of `s.openApi()` (and of the document `setOpenApiPath` serves). */
export interface OpenApiOptions {
  /** `'3.2.0'` (default: stream item schemas) or `'3.1.0'` (item schemas under an extension). */
  version?: '3.2.0' | '3.1.0';
  /** The Info Object; default `{ title: 'API', version: '1.0.0' }`. */
  info?: { title: string; version: string; description?: string; [key: string]: unknown };
  /** Server Objects (`[{ url: 'https://api.example.com' }]`). */
  servers?: Array<{ url: string; description?: string }>;
  /** Security Scheme Objects by name; routes name them in `security`. */
  securitySchemes?: Record<string, Record<string, unknown>>;
  /** Security requirements for every operation without its own. */
  security?: Array<Record<string, string[]>>;
}

/** One bound route as the document sees it. */
export interface DocumentedRoute {
  /** The method as bound (`GET`, ..., `ALL`). */
  method: string;
  /** The full path pattern in the router's syntax (`/api/user/{id}`, `/file/*path`). */
  path: string;
  /** The domain the route is bound to, if any. */
  domain?: string | undefined;
  route: Route;
}

/** The document, and what could not be described exactly (logged by the server). */
export interface BuiltDocument {
  document: Record<string, unknown>;
  warnings: string[];
}

/**
 * Events and frames a stream may carry besides its declared events, documented in
 * `x-sluice-reserved-events` on every SSE response.
 */
export const RESERVED_EVENTS: ReadonlyArray<{
  event?: string;
  data?: string;
  description: string;
}> = [
  {
    event: 'sluice-reset',
    description:
      'a hub subscription could not resume from the Last-Event-ID: its id and data are the position to resume from',
  },
  {
    event: 'sluice-end',
    description: 'a durable run ended: data is {"outcome":"done"|"failed"|"cancelled"}',
  },
  {
    event: 'error',
    description:
      'sent once before the stream is cut when the handler fails after commit and the stream has errorEvent on; data is a safe message',
  },
  {
    data: '[DONE]',
    description: 'the last frame of a durable run followed in the openai or ai-sdk format',
  },
];

/** The error body every route may answer with (the default JSON format). */
const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description:
    'An error as Sluice renders it: a stable code (a SLUICE_... code, or the status), a message, and for a validation failure the failing fields.',
  required: ['code', 'message'],
  properties: {
    code: { type: ['string', 'integer'] },
    message: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

/** The same error as RFC 9457 problem details (`setConfig({ errorFormat: 'problem' })`). */
const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description:
    'RFC 9457 problem details, with the Sluice code and the failing fields as extensions.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: ['string', 'integer'] },
    errors:
      ERROR_SCHEMA.properties && (ERROR_SCHEMA.properties as Record<string, JsonSchema>).errors,
  },
};

const METHODS_OF_ALL = ['get', 'post', 'put', 'patch', 'delete'] as const;
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/**
 * Builds the document of `routes`.
 * @example
 * const { document } = buildOpenApiDocument(routes, { info: { title: 'Shop', version: '2.0.0' } });
 */
export function buildOpenApiDocument(
  routes: readonly DocumentedRoute[],
  options: OpenApiOptions = {},
): BuiltDocument {
  const build = new Build(options.version ?? '3.2.0');
  build.components.add('SluiceError', ERROR_SCHEMA);
  build.components.add('ProblemDetails', PROBLEM_SCHEMA);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path, domain, route } of routes) {
    const { openApiPath, params } = convertPath(path);
    const item = (paths[openApiPath] ??= {});
    const methods = method === 'ALL' ? METHODS_OF_ALL : [method.toLowerCase()];
    for (const m of methods) {
      if (item[m] !== undefined) {
        build.warnings.push(
          `${m.toUpperCase()} ${openApiPath} is bound more than once (on another domain?): the first is documented`,
        );
        continue;
      }
      item[m] = build.operation(m, openApiPath, params, route, domain);
    }
  }
  const document: Record<string, unknown> = {
    openapi: build.version,
    info: options.info ?? { title: 'API', version: '1.0.0' },
  };
  if (options.servers) document.servers = options.servers;
  document.paths = paths;
  const components: Record<string, unknown> = { schemas: build.components.schemas };
  if (options.securitySchemes) components.securitySchemes = options.securitySchemes;
  document.components = components;
  if (options.security) document.security = options.security;
  return { document, warnings: build.warnings };
}

/** One path parameter of a route pattern. */
export interface PathParam {
  name: string;
  /** A `*name` wildcard: its value may hold slashes. */
  wildcard: boolean;
}

/**
 * The router's pattern as an OpenAPI path: `:name` and `*name` become `{name}` (a wildcard is
 * marked: it may hold slashes), `{name}` stays, even inside a segment (`/order/{id}.html`).
 * @example convertPath('/file/*path').openApiPath // '/file/{path}'
 */
export function convertPath(pattern: string): { openApiPath: string; params: PathParam[] } {
  const params: PathParam[] = [];
  const segments = pattern.split('/').map((seg) => {
    if (seg.startsWith(':')) {
      params.push({ name: seg.slice(1), wildcard: false });
      return `{${seg.slice(1)}}`;
    }
    if (seg.startsWith('*')) {
      const name = seg.slice(1) || 'any';
      params.push({ name, wildcard: true });
      return `{${name}}`;
    }
    for (const m of seg.matchAll(/\{(\w+)\}/g)) params.push({ name: m[1]!, wildcard: false });
    return seg;
  });
  return { openApiPath: segments.join('/') || '/', params };
}

/** The state of one build: the components, the operation ids in use, the warnings. */
class Build {
  readonly components = new Components();
  readonly warnings: string[] = [];
  readonly #ids = new Set<string>();
  constructor(readonly version: '3.2.0' | '3.1.0') {}

  /** A schema's JSON Schema, made safe to embed; a warning names the route when it guessed. */
  schema(schema: StandardSchemaV1 | undefined, io: 'input' | 'output', hint: string): JsonSchema {
    const { schema: converted, warning } = jsonSchemaOf(schema, io);
    if (warning) this.warnings.push(`${hint}: ${warning}`);
    return this.components.embed(converted, hint);
  }

  operation(
    method: string,
    path: string,
    params: PathParam[],
    route: Route,
    domain: string | undefined,
  ): Record<string, unknown> {
    const op: Record<string, unknown> = {};
    const id = this.#uniqueId(route.operationId ?? defaultOperationId(method, path));
    op.operationId = id;
    if (route.summary) op.summary = route.summary;
    if (route.description) op.description = route.description;
    if (route.tags?.length) op.tags = [...route.tags];
    if (route.deprecated) op.deprecated = true;
    if (route.security) op.security = route.security.map((req) => ({ ...req }));
    if (domain) op['x-sluice-domain'] = domain;

    const input = this.#resolve(this.schema(route.input, 'input', `${pascal(id)}Input`));
    const properties = (input.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((input.required as string[] | undefined) ?? []);
    const parameters: Record<string, unknown>[] = params.map((p) => ({
      name: p.name,
      in: 'path',
      required: true,
      ...(p.wildcard
        ? { description: 'the rest of the path (may hold "/")', 'x-sluice-wildcard': true }
        : {}),
      schema: properties[p.name] ?? { type: 'string' },
    }));
    const pathNames = new Set(params.map((p) => p.name));
    // Fields the route reads from elsewhere (GoFrame's `in:`): a header, a cookie, the query.
    const placed = route.in ?? {};
    const rest: Record<string, JsonSchema> = {};
    for (const [name, schema] of Object.entries(properties)) {
      if (pathNames.has(name)) continue;
      const where = Object.hasOwn(placed, name) ? placed[name] : undefined;
      if (where === 'header' || where === 'cookie' || where === 'query') {
        parameters.push({ name, in: where, required: required.has(name), schema });
        pathNames.add(name); // not a body field either
      } else rest[name] = schema;
    }
    if (BODY_METHODS.has(method)) {
      const body = bodySchema(input, rest, required, pathNames);
      if (body) {
        op.requestBody = {
          required: [...required].some((n) => !pathNames.has(n)),
          content: {
            'application/json': { schema: body },
            'application/x-www-form-urlencoded': { schema: body },
            'multipart/form-data': { schema: body },
          },
        };
      }
    } else {
      for (const [name, schema] of Object.entries(rest)) {
        parameters.push({ name, in: 'query', required: required.has(name), schema });
      }
    }
    if (parameters.length > 0) op.parameters = parameters;

    op.responses = {
      '200': this.#ok(route, id),
      '400': errorResponse(
        'The input did not pass validation (SLUICE_VALIDATION: every failing field in errors), or the request is malformed.',
      ),
      default: errorResponse('Any other error, with its status.'),
    };
    return op;
  }

  /** The 200 response: an SSE stream, an NDJSON stream, the output schema, or nothing said. */
  #ok(route: Route, id: string): Record<string, unknown> {
    const items = (schema: JsonSchema): Record<string, unknown> =>
      this.version === '3.2.0'
        ? { itemSchema: schema }
        : { schema: { type: 'string' }, 'x-sluice-itemSchema': schema };
    const events = route.events ?? {};
    if (Object.keys(events).length > 0) {
      const { item, map } = this.#sseItem(events, id);
      return {
        description: 'A stream of Server-Sent Events, one item per event',
        content: {
          'text/event-stream': {
            ...items(item),
            'x-sluice-events': map,
            'x-sluice-reserved-events': RESERVED_EVENTS.map((e) => ({ ...e })),
          },
        },
      };
    }
    if (route.items) {
      const item = this.#asComponent(
        this.schema(route.items, 'output', `${pascal(id)}Item`),
        `${pascal(id)}Item`,
      );
      return {
        description: 'A stream of JSON values, one per line',
        content: { 'application/jsonl': items(item), 'application/x-ndjson': items(item) },
      };
    }
    if (route.output) {
      return {
        description: 'OK',
        content: {
          'application/json': {
            schema: this.schema(route.output, 'output', `${pascal(id)}Output`),
          },
        },
      };
    }
    return { description: 'OK' };
  }

  /**
   * The item schema of an SSE stream: its fields, one alternative per event name. Each event's
   * data schema is a component (`<OperationId><Event>Event`), and so is the map of them
   * (`<OperationId>Events`, linked by `x-sluice-events`): a generated client types
   * `stream<components['schemas']['PostChatEvents']>(...)` with it.
   */
  #sseItem(
    events: Record<string, StandardSchemaV1>,
    id: string,
  ): { item: JsonSchema; map: JsonSchema } {
    const refs: Record<string, JsonSchema> = {};
    const alternatives = Object.entries(events).map(([name, schema]) => {
      const data = this.schema(schema, 'output', `${pascal(id)}${pascal(name)}Event`);
      const ref = this.#asComponent(data, `${pascal(id)}${pascal(name)}Event`);
      refs[name] = ref;
      // A string travels as-is on the SSE wire; any other value as its JSON text.
      const dataSchema =
        this.#resolve(data).type === 'string'
          ? ref
          : { type: 'string', contentMediaType: 'application/json', contentSchema: ref };
      return {
        type: 'object',
        // 'message' is what a client sees for an event sent without a name.
        ...(name === 'message'
          ? { properties: { event: { enum: ['message'] }, data: dataSchema } }
          : { required: ['event'], properties: { event: { const: name }, data: dataSchema } }),
      };
    });
    const mapName = this.components.add(`${pascal(id)}Events`, {
      type: 'object',
      description: 'The data of each event this stream sends, by event name',
      properties: refs,
      required: Object.keys(refs),
    });
    const item: JsonSchema = {
      type: 'object',
      properties: {
        event: { type: 'string' },
        data: { type: 'string' },
        id: { type: 'string' },
        retry: { type: 'integer', minimum: 0 },
      },
      required: ['data'],
      oneOf: alternatives,
    };
    return { item, map: { $ref: `#/components/schemas/${mapName}` } };
  }

  /** A schema as a reference to a component (itself when it already is one). */
  #asComponent(schema: JsonSchema, name: string): JsonSchema {
    if (typeof schema.$ref === 'string' && Object.keys(schema).length === 1) return schema;
    return { $ref: `#/components/schemas/${this.components.add(name, schema)}` };
  }

  /** The schema itself, or the component a reference points at (an input hoisted whole). */
  #resolve(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) return schema;
    return this.components.schemas[ref.slice('#/components/schemas/'.length)] ?? schema;
  }

  #uniqueId(id: string): string {
    let candidate = id;
    for (let n = 2; this.#ids.has(candidate); n++) candidate = `${id}${n}`;
    this.#ids.add(candidate);
    return candidate;
  }
}

/** The request body: the input's fields that are not path parameters, or a non-object input. */
function bodySchema(
  input: JsonSchema,
  rest: Record<string, JsonSchema>,
  required: Set<string>,
  pathNames: Set<string>,
): JsonSchema | undefined {
  if (input.type !== 'object') return Object.keys(input).length > 0 ? input : undefined;
  if (Object.keys(rest).length === 0) return undefined;
  const body: JsonSchema = { ...input, properties: rest };
  const req = [...required].filter((n) => !pathNames.has(n));
  if (req.length > 0) body.required = req;
  else delete body.required;
  return body;
}

function errorResponse(description: string): Record<string, unknown> {
  return {
    description,
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/SluiceError' } },
      'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } },
    },
  };
}

/** `get` + `/api/user/{id}` -> `getApiUserId`. */
function defaultOperationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method + (words.length ? words.map(pascal).join('') : 'Root');
}

function pascal(word: string): string {
  return word
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
