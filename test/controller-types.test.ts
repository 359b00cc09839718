// Type-level tests for controllers: checked by tsc (`npm run typecheck`); the runtime test only
// makes sure the file loads. Negative cases carry `// @ts-expect-error`.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { expectTypeOf } from 'expect-type';
import { z } from 'zod';
import * as v from 'valibot';
import {
  defineRoute,
  handle,
  type ControllerMember,
  type ParamsOf,
  type RequestContext,
  type RouteInput,
} from '../src/index.js';

// ---- route parameters from the path literal ------------------------------------------------------

expectTypeOf<ParamsOf<'/user/{id}/post/:post'>>().toEqualTypeOf<{ id: string; post: string }>();
expectTypeOf<ParamsOf<'/order/{id}.html'>>().toEqualTypeOf<{ id: string }>();
expectTypeOf<ParamsOf<'/{hash}.{type}'>>().toEqualTypeOf<{ hash: string; type: string }>();
expectTypeOf<ParamsOf<'/file/*path'>>().toEqualTypeOf<{ path: string }>();
expectTypeOf<ParamsOf<'/file/*'>>().toEqualTypeOf<{ any: string }>();
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no parameters
type NoParams = {};
expectTypeOf<ParamsOf<'/v1/users:batch'>>().toEqualTypeOf<NoParams>();
expectTypeOf<ParamsOf<'/plain'>>().toEqualTypeOf<NoParams>();
expectTypeOf<ParamsOf<string>>().toEqualTypeOf<Record<string, string>>();

// ---- input inferred from the schema (zod) --------------------------------------------------------

const GetUser = defineRoute({
  method: 'GET',
  path: '/user/{id}/post/:post',
  input: z.object({ id: z.coerce.number(), verbose: z.coerce.boolean().optional() }),
  output: z.object({ id: z.number(), title: z.string() }),
});
expectTypeOf(GetUser.path).toEqualTypeOf<'/user/{id}/post/:post'>();

const getUser = handle(GetUser, async (ctx, input) => {
  expectTypeOf(ctx).toEqualTypeOf<RequestContext>();
  // `id` comes from the schema (a number); `post` is a path param it does not declare (a string).
  expectTypeOf(input).toEqualTypeOf<{ post: string; id: number; verbose?: boolean | undefined }>();
  return { id: input.id, title: input.post };
});
expectTypeOf(getUser.route.path).toEqualTypeOf(GetUser.path);
expectTypeOf(getUser.route.input).toEqualTypeOf(GetUser.input);
expectTypeOf(getUser.route.output).toEqualTypeOf(GetUser.output);
expectTypeOf<ControllerMember>().toHaveProperty('handler');

// The return type is checked against `output`.
handle(GetUser, async () => ({ id: 1, title: 'ok' }));
handle(GetUser, () => ({ id: 1, title: 'sync is fine too' }));
// @ts-expect-error id must be a number
handle(GetUser, async () => ({ id: '1', title: 'x' }));
// @ts-expect-error title is missing
handle(GetUser, async () => ({ id: 1 }));
handle(GetUser, async (_ctx, input) => {
  // @ts-expect-error not in the schema nor in the path
  void input.nope;
  return { id: 1, title: '' };
});

// Without `output`, anything may be returned (a streaming controller returns nothing).
const Stream = defineRoute({
  method: 'GET',
  path: '/ticks',
  input: z.object({ n: z.coerce.number() }),
});
handle(Stream, async (_ctx, input) => {
  expectTypeOf(input).toEqualTypeOf<{ n: number }>();
});

// ---- valibot, with a transform from the string path value ----------------------------------------

const Item = defineRoute({
  method: 'DELETE',
  path: '/items/:id',
  input: v.object({ id: v.pipe(v.string(), v.transform(Number)), reason: v.optional(v.string()) }),
  output: v.object({ deleted: v.number() }),
});
handle(Item, (_ctx, input) => {
  expectTypeOf(input).toEqualTypeOf<{ id: number; reason?: string | undefined }>();
  return { deleted: input.id };
});
// @ts-expect-error deleted must be a number
handle(Item, () => ({ deleted: 'x' }));

expectTypeOf<RouteInput<'/a/{x}', z.ZodObject<{ y: z.ZodString }>>>().toEqualTypeOf<{
  x: string;
  y: string;
}>();

// ---- defineRoute's own checks (never called: they would throw at run time) -------------------

const refusedAtCompileTime = (): void => {
  // @ts-expect-error not a method
  defineRoute({ method: 'FETCH', path: '/x', input: z.object({}) });
  // @ts-expect-error input is required
  defineRoute({ method: 'GET', path: '/x' });
  // @ts-expect-error input must be a Standard Schema
  defineRoute({ method: 'GET', path: '/x', input: { id: 'string' } });
};
defineRoute({
  method: 'GET',
  path: '/events',
  summary: 'Ticks',
  tags: ['stream'],
  input: z.object({}),
  events: { tick: z.object({ i: z.number() }), done: v.object({}) },
});

it('controller type tests compile (checked by tsc)', () => {
  assert.equal(typeof getUser.handler, 'function');
  assert.throws(refusedAtCompileTime, /method "FETCH" is not one of/);
  assert.throws(
    () => defineRoute({ method: 'GET', path: 'no-slash', input: z.object({}) }),
    /must start with "\/"/,
  );
  assert.throws(
    () => defineRoute({ method: 'GET', path: '/x', input: {} as never }),
    /not a Standard Schema/,
  );
});
