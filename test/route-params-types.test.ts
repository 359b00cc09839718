// Plain routes type `r.params` from the path literal (GoFrame syntax: `:name`, `{name}`,
// `*name`), through every binder. Checked by tsc (`npm run typecheck`); the runtime part proves
// the values the types promise arrive.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { expectTypeOf } from 'expect-type';
import { Server, type BindingParams } from '../src/index.js';
import { memoryLogger } from './helpers/server.js';

const s = new Server({ logger: memoryLogger() });

s.get('/user/:id/{file}.html', (r) => {
  expectTypeOf(r.params).toEqualTypeOf<{ id: string; file: string }>();
  // @ts-expect-error: no such parameter in the path
  void r.params.nope;
  return `${r.params.id}/${r.params.file}`;
});
s.post('/files/*path', (r) => {
  expectTypeOf(r.params).toEqualTypeOf<{ path: string }>();
  return r.params.path;
});
s.bindHandler('GET,POST:/order/{id}@example.com', (r) => {
  expectTypeOf(r.params).toEqualTypeOf<{ id: string }>();
  return r.params.id;
});
s.group('/api', (g) =>
  g.get('/item/:item', (r) => {
    expectTypeOf(r.params).toEqualTypeOf<{ item: string }>();
    return r.params.item;
  }),
);
expectTypeOf<BindingParams<'DELETE:/a/:b/{c}'>>().toEqualTypeOf<{ b: string; c: string }>();

it('the values behind the typed params arrive', async () => {
  const res = await s.fetch(new Request('http://x/user/42/report.html'));
  assert.equal(await res.text(), '42/report');
  const item = await s.fetch(new Request('http://x/api/item/pen'));
  assert.equal(await item.text(), 'pen');
});
