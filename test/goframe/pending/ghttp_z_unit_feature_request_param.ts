// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_request_param_test.go: each fails
// on Sluice today.
// Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_request_param.ts
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineRoute, g, handle, handlerResponse } from '../../../src/index.js';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

describe('GoFrame request params with struct tags (pending)', () => {
  // Test_ParamsTagIn
  // GAP: a typed route can take input fields from a cookie or a header (GoFrame's `in:"cookie"`, `in:"header"`), e.g. `defineRoute({ ..., in: { name: 'cookie', age: 'header' } })`; the cookie/header value wins over an empty body field.
  it('reads input fields from a cookie and a header', async () => {
    const user = defineRoute({
      method: 'POST',
      path: '/user',
      summary: 'user api',
      tags: ['User'],
      input: z.object({
        id: z.coerce.number().default(1),
        name: z.string().min(1),
        age: z.string().min(1),
      }),
      // @ts-expect-error GAP: defineRoute has no `in` (cookie/header sources)
      in: { name: 'cookie', age: 'header' },
    });
    const UserTagIn = {
      user: handle(user, (ctx, req) => {
        g.requestFromCtx(ctx)?.response.writeJson({ Id: req.id, Name: req.name, Age: req.age });
      }),
    };
    const { url } = await startServer((s) => {
      s.group('/', (group) => {
        group.middleware(handlerResponse());
        group.bind(UserTagIn);
      });
    });
    const c = gfClient(url).header('Cookie', 'name=john').header('age', '18');
    assert.equal(await c.postContent('/user'), '{"Id":1,"Name":"john","Age":"18"}');
    assert.equal(await c.postContent('/user', 'name=&age='), '{"Id":1,"Name":"john","Age":"18"}');
  });
});
