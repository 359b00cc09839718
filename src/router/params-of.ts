/**
 * Route parameter names read from a path literal at the type level, in the router's syntax:
 * `:name` (a whole segment), `{name}` (a whole segment or inside one: `/{id}.html`), `*name`
 * (the rest of the path; a bare `*` captures into `any`). A `:` inside a segment is literal.
 */

type Segments<P extends string> = P extends `${infer Head}/${infer Rest}`
  ? Head | Segments<Rest>
  : P;

type BraceNames<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | BraceNames<Rest>
  : never;

type SegmentNames<S extends string> = S extends `:${infer Name}`
  ? Name
  : S extends `*${infer Name}`
    ? Name extends ''
      ? 'any'
      : Name
    : BraceNames<S>;

/** The parameter names of a path pattern, as a union of string literals. */
export type ParamNames<P extends string> = SegmentNames<Segments<P>>;

/**
 * The route parameters of a path pattern, each a string (path values are always strings: coerce
 * them in the input schema, e.g. `z.coerce.number()`).
 * @example
 * type P = ParamsOf<'/user/{id}/post/:post'>; // { id: string; post: string }
 */
export type ParamsOf<P extends string> = string extends P
  ? Record<string, string>
  : { [K in ParamNames<P>]: string };

/** The path of a binding pattern: without its `METHOD:` prefix and `@domain` suffix. */
type BindingPath<P extends string> = P extends `${string}:/${infer Rest}`
  ? `/${StripDomain<Rest>}`
  : StripDomain<P>;

type StripDomain<P extends string> = P extends `${infer Path}@${string}` ? Path : P;

/**
 * The route parameters of a binding pattern (`GET:/user/{id}@example.com` gives `{ id: string }`).
 * @example type P = BindingParams<'POST:/order/{id}.html'>; // { id: string }
 */
export type BindingParams<P extends string> = ParamsOf<BindingPath<P>>;
