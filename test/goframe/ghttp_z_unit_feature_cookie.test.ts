// GoFrame net/ghttp/ghttp_z_unit_feature_cookie_test.go, translated case by case.
// `r.Cookie.Get(k)` is `r.cookie(k)`; `r.Cookie.Set(k, v)` and `r.Cookie.SetHttpCookie(...)` are
// `r.response.setCookie(k, v)`; `r.Cookie.Remove(k)` is `r.response.removeCookie(k)`;
// `s.SetConfigWithMap({cookieSameSite, cookieSecure, cookieHttpOnly})` is
// `setConfig({ cookie: { sameSite, secure, httpOnly } })`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';

function bindCookieRoutes(s: Server): void {
  s.bindHandler('/set', (r) => r.response.setCookie(String(r.get('k')), String(r.get('v'))));
  s.bindHandler('/get', (r) => r.response.write(r.cookie(String(r.get('k')))));
  s.bindHandler('/remove', (r) => r.response.removeCookie(String(r.get('k'))));
}

describe('GoFrame cookies', () => {
  // Test_Cookie, Test_SetHttpCookie
  it('sets, reads and removes cookies', async () => {
    const { url } = await startServer(bindCookieRoutes);
    const c = gfClient(url).browserMode();
    assert.equal(await c.getContent('/set?k=key1&v=100'), '');
    assert.equal(await c.getContent('/set?k=key2&v=200'), '');
    assert.equal(await c.getContent('/get?k=key1'), '100');
    assert.equal(await c.getContent('/get?k=key2'), '200');
    assert.equal(await c.getContent('/get?k=key3'), '');
    assert.equal(await c.getContent('/remove?k=key1'), '');
    assert.equal(await c.getContent('/remove?k=key3'), '');
    assert.equal(await c.getContent('/remove?k=key4'), '');
    assert.equal(await c.getContent('/get?k=key1'), '');
    assert.equal(await c.getContent('/get?k=key2'), '200');
  });

  // Test_CookieOptionsDefault
  // DIFFERENCE: a cookie set without options is a session cookie (`key1=100; Path=/`); GoFrame's
  // default CookieMaxAge is 365 days, so it adds Expires. `setConfig({ cookie: { maxAge:
  // 31536000 } })` gives GoFrame's lifetime back.
  it('sets a session cookie by default', async () => {
    const { url } = await startServer(bindCookieRoutes);
    const res = await gfClient(url).get('/set?k=key1&v=100');
    assert.equal(res.body, '');
    assert.deepEqual(res.headers['set-cookie'], ['key1=100; Path=/']);
    const { url: yearly } = await startServer(bindCookieRoutes, { cookie: { maxAge: 31536000 } });
    const again = await gfClient(yearly).get('/set?k=key1&v=100');
    assert.deepEqual(again.headers['set-cookie'], ['key1=100; Max-Age=31536000; Path=/']);
  });

  // Test_CookieOptions
  // DIFFERENCE: the same attributes, without GoFrame's Expires (see above): 5 parts, not 6.
  it('applies the server-wide cookie options', async () => {
    const { url } = await startServer(bindCookieRoutes, {
      cookie: { sameSite: 'Lax', secure: true, httpOnly: true },
    });
    const res = await gfClient(url).get('/set?k=key1&v=100');
    assert.equal(res.body, '');
    const parts = (res.headers['set-cookie']?.[0] ?? '').split('; ');
    assert.deepEqual(parts, ['key1=100', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']);
  });
});
