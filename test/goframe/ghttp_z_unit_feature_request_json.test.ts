// GoFrame net/ghttp/ghttp_z_unit_feature_request_json_test.go, translated case by case.
// GoFrame's `r.Parse(&user)` with `v` rules becomes a zod schema over `await r.all()`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

/** GoFrame's `password3` rule: upper and lower case letters, digits and special characters. */
const password3 = (s: string): boolean =>
  /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s) && /[^a-zA-Z\d]/.test(s);

const User = z
  .object({
    id: z.coerce.number(),
    name: z.string(),
    password1: z.string(),
    password2: z.string().min(2, '').max(20, '').refine(password3, { message: '密码强度不足' }),
  })
  .refine((u) => u.password1 === u.password2, { message: '两次密码不一致' });

const BODY = { id: 1, name: 'john', password1: '123Abc!@#', password2: '123Abc!@#' };

describe('GoFrame request JSON', () => {
  // Test_Params_Json_Request
  it('sees nothing of JSON data a GET sends in its query string', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/get', (r) => r.response.writeExit(r.get('id'), r.get('name')));
      s.bindHandler('/map', async (r) => {
        const m = await r.all();
        if (m.id !== undefined) r.response.writeExit(m.id, m.name, m.password1, m.password2);
      });
    });
    const c = gfClient(url);
    // The GoFrame client appends GET data to the URL, JSON or not.
    assert.equal(await c.getContent('/get', JSON.stringify(BODY)), '');
    assert.equal(await c.getContent('/map', JSON.stringify(BODY)), '');
  });

  // Test_Params_Json_Request
  it('parses and validates a JSON body', async () => {
    const { url } = await startServer((s) => {
      s.bindHandler('/parse', async (r) => {
        const out = User.safeParse(await r.all());
        if (!out.success) return r.response.writeExit(out.error.issues[0]?.message);
        const u = out.data;
        r.response.writeExit(u.id, u.name, u.password1, u.password2);
      });
    });
    const c = gfClient(url);
    assert.equal(await c.postContent('/parse', JSON.stringify(BODY)), '1john123Abc!@#123Abc!@#');
    assert.equal(
      await c.postContent('/parse', JSON.stringify({ ...BODY, password2: '123' })),
      '密码强度不足',
    );
  });

  // Test_Params_Json_Response
  it('writes JSON without the fields a Go struct tag leaves out', async () => {
    const { url } = await startServer((s) => {
      // `json:"-"` and an empty `omitempty` field are simply absent from the JS object.
      const user = { Uid: 100, Name: 'john', password1: '123', password2: '456' };
      s.bindHandler('/json1', (r) => r.response.writeJson(user));
      s.bindHandler('/json2', (r) => r.response.writeJson({ ...user }));
      const message = { code: 3, body: '测试', error: 'error' };
      s.bindHandler('/json3', (r) =>
        r.response.writeJson({ success: true, data: undefined, ext_data: undefined, message }),
      );
      s.bindHandler('/json4', (r) =>
        r.response.writeJson({ success: true, data: undefined, ext_data: undefined, message }),
      );
    });
    const c = gfClient(url);
    for (const path of ['/json1', '/json2']) {
      const m = JSON.parse(await c.getContent(path)) as Record<string, unknown>;
      assert.equal(Object.keys(m).length, 4);
      assert.equal(m.Name, 'john');
      assert.equal(m.Uid, 100);
      assert.equal(m.password1, '123');
      assert.equal(m.password2, '456');
    }
    for (const path of ['/json3', '/json4']) {
      const m = JSON.parse(await c.getContent(path)) as Record<string, unknown>;
      assert.equal(Object.keys(m).length, 2);
      assert.equal(m.success, true);
      assert.deepEqual(m.message, { body: '测试', code: 3, error: 'error' });
    }
  });
});
