// r: params, query, bodies with their limits and JSON safety, merged get(), signal, context.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { g, type Request } from '../src/index.js';
import { rawRequest, startServer, waitFor } from './helpers/server.js';

describe('request', () => {
  it('reads params, query and headers', async () => {
    const { url } = await startServer((s) =>
      s.get('/u/{id}', (r) => ({
        id: r.getRouter('id'),
        q: r.getQuery('q'),
        tags: r.getQueryAll('tag'),
        last: r.query.tag,
        ua: r.header('x-ua'),
        none: r.header('x-none'),
      })),
    );
    const res = await fetch(`${url}/u/7?q=hi&tag=a&tag=b`, { headers: { 'x-ua': 'test' } });
    assert.deepEqual(await res.json(), {
      id: '7',
      q: 'hi',
      tags: ['a', 'b'],
      last: 'b',
      ua: 'test',
    });
  });

  it('parses JSON, urlencoded and text bodies; r.get() prefers body over query over route (GoFrame order)', async () => {
    const { url } = await startServer((s) => {
      s.post('/p/{name}', async (r) => {
        await r.parse();
        return {
          name: r.get('name'),
          page: r.get('page'),
          only: r.get('only'),
          missing: r.get('missing', 'def'),
        };
      });
      s.post('/text', async (r) => (await r.text()).toUpperCase());
    });
    const a = await fetch(`${url}/p/route?name=query&page=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'body', only: true }),
    });
    assert.deepEqual(await a.json(), { name: 'body', page: '2', only: true, missing: 'def' });
    const b = await fetch(`${url}/p/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'page=9&only=x+y',
    });
    assert.deepEqual(await b.json(), { name: 'route', page: '9', only: 'x y', missing: 'def' });
    const c = await fetch(`${url}/text`, { method: 'POST', body: 'abc' });
    assert.equal(await c.text(), 'ABC');
  });

  it('refuses hostile JSON with 400 and a message that says what is wrong', async () => {
    const { url } = await startServer((s) => s.post('/j', async (r) => ({ ok: await r.json() })));
    const post = (body: string | Uint8Array<ArrayBuffer>) =>
      fetch(`${url}/j`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (const [body, fragment] of [
      ['{"__proto__": {"admin": true}}', '__proto__'],
      ['{"a": {"\\u005f_proto__": {"x": 1}}}', '__proto__'],
      ['{"constructor": {"prototype": {"x": 1}}}', 'constructor'],
      ['['.repeat(65) + ']'.repeat(65), '64'],
      ['{"a": ', 'JSON'],
    ] as const) {
      const res = await post(body);
      assert.equal(res.status, 400, body);
      assert.match(await res.text(), new RegExp(fragment.replace(/[_]/g, '.')), body);
    }
    const bad = await post(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]));
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /UTF-8/);
    const ok = await post('['.repeat(64) + ']'.repeat(64));
    assert.equal(ok.status, 200);
  });

  it('answers 413 for a declared Content-Length over the limit before reading, and for a chunked body at the limit', async () => {
    let handlerRan = false;
    const { s, url } = await startServer(
      (s) => {
        s.post('/b', async (r) => {
          handlerRan = true;
          return (await r.body()).length;
        });
        s.post('/big', async (r) => (await r.body()).length, { bodyLimit: 4096 });
      },
      { bodyLimit: 1024 },
    );
    const head = await rawRequest(
      s.port,
      'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n',
    );
    assert.match(head, /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(head, /100 Continue/);
    assert.match(head, /Connection: close/i);
    assert.equal(handlerRan, false);
    const chunked = await fetch(`${url}/b`, {
      method: 'POST',
      body: new ReadableStream({
        start(c) {
          c.enqueue(new Uint8Array(800));
          c.enqueue(new Uint8Array(800));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    const perRoute = await fetch(`${url}/big`, { method: 'POST', body: 'x'.repeat(3000) });
    assert.equal(await perRoute.text(), '3000');
  });

  it('sends 100 Continue only when the handler reads the body', async () => {
    const { s } = await startServer((s) => s.post('/c', async (r) => (await r.text()).length));
    const out = await new Promise<string>((resolve) => {
      const sock = net.connect(s.port, '127.0.0.1');
      let data = '';
      sock.on('data', (c: Buffer) => {
        data += c.toString();
        if (data.includes('100 Continue') && !data.includes('200 OK')) sock.write('hello');
        if (data.includes('\r\n\r\n5')) sock.end();
      });
      sock.on('close', () => resolve(data));
      sock.write(
        'POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
      );
    });
    assert.match(out, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  });

  it('r.signal aborts when the client disconnects', async () => {
    let seen: Request | undefined;
    let aborted = false;
    const { url } = await startServer((s) =>
      s.get('/wait', async (r) => {
        seen = r;
        await new Promise<void>((resolve) => r.signal.addEventListener('abort', () => resolve()));
        aborted = true;
      }),
    );
    const ac = new AbortController();
    const p = fetch(`${url}/wait`, { signal: ac.signal }).catch(() => undefined);
    await waitFor(() => seen !== undefined, 2000, 'handler');
    ac.abort();
    await p;
    await waitFor(() => aborted, 2000, 'abort');
    assert.equal(seen!.signal.reason?.name, 'ClientClosedError');
  });

  it('g.requestFromCtx(ctx) gives r back; a foreign context gives undefined', async () => {
    const { url } = await startServer((s) =>
      s.get('/ctx', (r) => {
        const ctx = r.context();
        ctx.set('k', 'v');
        return {
          same: g.requestFromCtx(ctx) === r,
          value: ctx.get('k'),
          foreign: g.requestFromCtx({}) === undefined,
        };
      }),
    );
    assert.deepEqual(await (await fetch(`${url}/ctx`)).json(), {
      same: true,
      value: 'v',
      foreign: true,
    });
  });

  it('g.currentRequest() finds the request from nested async calls when requestContext is on', async () => {
    const deep = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return g.currentRequest()?.path;
    };
    const { url } = await startServer((s) => s.get('/deep', async () => ({ path: await deep() })), {
      requestContext: true,
    });
    assert.deepEqual(await (await fetch(`${url}/deep`)).json(), { path: '/deep' });
  });

  it('trusts X-Forwarded-For only with trustProxy', async () => {
    const plain = await startServer((s) => s.get('/ip', (r) => r.ip));
    const proxied = await startServer((s) => s.get('/ip', (r) => r.ip), { trustProxy: 1 });
    const h = { 'x-forwarded-for': '203.0.113.9' };
    assert.equal(await (await fetch(`${plain.url}/ip`, { headers: h })).text(), '127.0.0.1');
    assert.equal(await (await fetch(`${proxied.url}/ip`, { headers: h })).text(), '203.0.113.9');
  });
});
