// GoFrame net/ghttp/ghttp_z_unit_feature_session_test.go, translated case by case.
// `r.Session.Get/Set/Remove/RemoveAll` are awaited (`await r.session.get(k)`...). GoFrame's
// file storage (Test_Session_StorageFile) is Sluice's RedisSessionStorage (a storage outside
// the process; real Redis at REDIS_URL). `r.Cookie.SetSessionId` in Test_Session_New_Id has no
// Sluice twin (`r.session.setId` is the way), so that step is not translated.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { RedisSessionStorage, type Request, type Server } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { cookieOf, gfClient } from './gf-client.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function bindSessionRoutes(s: Server): void {
  const k = (r: Request): string => String(r.get('k'));
  s.bindHandler('/set', async (r) => {
    await r.session.set(k(r), String(r.get('v')));
  });
  s.bindHandler('/get', async (r) => r.response.write(await r.session.get(k(r))));
  s.bindHandler('/remove', async (r) => {
    await r.session.remove(k(r));
  });
  s.bindHandler('/clear', async (r) => {
    await r.session.removeAll();
  });
}

describe('GoFrame sessions', () => {
  // Test_Session_Cookie
  it('keeps a session through its cookie', async () => {
    const { url } = await startServer(bindSessionRoutes);
    const c = gfClient(url).browserMode();
    const first = await c.get('/set?k=key1&v=100');
    assert.equal(first.body, '');
    assert.match(
      first.headers['set-cookie']?.[0] ?? '',
      /^gfsessionid=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    assert.equal(await c.getContent('/set?k=key2&v=200'), '');
    assert.equal(await c.getContent('/get?k=key1'), '100');
    assert.equal(await c.getContent('/get?k=key2'), '200');
    assert.equal(await c.getContent('/get?k=key3'), '');
    assert.equal(await c.getContent('/remove?k=key1'), '');
    assert.equal(await c.getContent('/remove?k=key3'), '');
    assert.equal(await c.getContent('/remove?k=key4'), '');
    assert.equal(await c.getContent('/get?k=key1'), '');
    assert.equal(await c.getContent('/get?k=key2'), '200');
    assert.equal(await c.getContent('/clear'), '');
    assert.equal(await c.getContent('/get?k=key2'), '');
  });

  // Test_Session_Header
  it('keeps a session through a header of the cookie name', async () => {
    const { url } = await startServer(bindSessionRoutes);
    const res = await gfClient(url).get('/set?k=key1&v=100');
    const sessionId = cookieOf(res, 'gfsessionid');
    assert.ok(sessionId);
    assert.equal(res.body, '');
    const c = gfClient(url).header('gfsessionid', sessionId);
    assert.equal(await c.getContent('/set?k=key2&v=200'), '');
    assert.equal(await c.getContent('/get?k=key1'), '100');
    assert.equal(await c.getContent('/get?k=key2'), '200');
    assert.equal(await c.getContent('/get?k=key3'), '');
    assert.equal(await c.getContent('/remove?k=key1'), '');
    assert.equal(await c.getContent('/remove?k=key3'), '');
    assert.equal(await c.getContent('/remove?k=key4'), '');
    assert.equal(await c.getContent('/get?k=key1'), '');
    assert.equal(await c.getContent('/get?k=key2'), '200');
    assert.equal(await c.getContent('/clear'), '');
    assert.equal(await c.getContent('/get?k=key2'), '');
  });

  // Test_Session_StorageFile
  it('keeps a session in a storage outside the process, across servers', async () => {
    const client = await createClient({ url: REDIS_URL }).connect();
    after(() => client.close());
    const prefix = `sluice-test:${process.pid}:${Date.now()}:`;
    const storage = new RedisSessionStorage({ client, prefix });
    const define = (s: Server): void => {
      s.setSessionStorage(storage);
      s.bindHandler('/set', async (r) => {
        await r.session.set(String(r.get('k')), String(r.get('v')));
        r.response.write(r.get('k'), '=', r.get('v'));
      });
      s.bindHandler('/get', async (r) => r.response.write(await r.session.get(String(r.get('k')))));
    };
    const one = await startServer(define);
    const res = await gfClient(one.url).get('/set?k=key&v=100');
    const sessionId = cookieOf(res, 'gfsessionid');
    assert.ok(sessionId);
    assert.equal(res.body, 'key=100');
    await one.s.shutdown();
    // Another server (another process, as far as the storage knows) reads the same session.
    const two = await startServer(define);
    const c = gfClient(two.url).header('gfsessionid', sessionId);
    assert.equal(await c.getContent('/get?k=key'), '100');
    assert.equal(await c.getContent('/get?k=key1'), '');
    const ttl = (await client.sendCommand(['PTTL', prefix + sessionId])) as number;
    assert.ok(ttl > 23 * 3600 * 1000, `a day's lifetime, renewed: ${ttl}`);
    await client.sendCommand(['DEL', prefix + sessionId]);
  });

  // Test_Session_Custom_Id, Test_Session_New_Id
  it('uses an id the handler chose', async () => {
    const sessionId = '1234567890';
    const newSessionId = '0987654321';
    const { url } = await startServer((s) => {
      s.bindHandler('/id', async (r) => {
        r.session.setId(sessionId);
        await r.session.set('key', 'value');
        r.response.writeExit(r.session.id);
      });
      s.bindHandler('/newIdBySession', async (r) => {
        r.session.setId(newSessionId);
        await r.session.set('key', 'value');
        r.response.writeExit(r.session.id);
      });
      s.bindHandler('/value', async (r) => r.response.writeExit(await r.session.get('key')));
    });
    const res = await gfClient(url).get('/id');
    assert.equal(res.body, sessionId);
    assert.equal(cookieOf(res, 'gfsessionid'), sessionId);
    const c = gfClient(url).header('gfsessionid', sessionId);
    assert.equal(await c.getContent('/value'), 'value');
    const renewed = await c.get('/newIdBySession');
    assert.equal(renewed.body, newSessionId);
    assert.equal(cookieOf(renewed, 'gfsessionid'), newSessionId);
  });
});
