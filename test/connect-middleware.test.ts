// fromConnect(): Connect/Express middleware (helmet, morgan, cors) unchanged in Sluice's
// chain over real HTTP/1.1; a clear coded 500 on HTTP/2 (h2c) and s.fetch, never a crash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import helmet from 'helmet';
import morgan from 'morgan';
import cors from 'cors';
import { HttpError, fromConnect, Server } from '../src/index.js';
import { startServer, waitFor } from './helpers/server.js';

void describe('fromConnect: Connect middleware unchanged', () => {
  void it('helmet sets its headers; Sluice keeps its own and the handler runs after it', async () => {
    const { url } = await startServer((s) => {
      s.use(fromConnect(helmet()));
      s.get('/', (r) => {
        // The headers helmet set are visible to the rest of the chain.
        r.response
          .header()
          .set('X-Saw-Csp', String(r.response.header().has('content-security-policy')));
        return { ok: true };
      });
    });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(res.headers.get('strict-transport-security')?.startsWith('max-age='), true);
    assert.equal(res.headers.get('x-powered-by'), null);
    assert.equal(res.headers.get('x-saw-csp'), 'true');
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
  });

  void it('helmet headers reach a stream too', async () => {
    const { url } = await startServer((s) => {
      s.use(fromConnect(helmet()));
      s.get('/events', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('one');
        await es.close();
      });
    });
    const res = await fetch(`${url}/events`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await res.text(), /data: one/);
  });

  void it('morgan logs method, url, status and length once the response finished', async () => {
    const lines: string[] = [];
    const { url } = await startServer((s) => {
      s.use(
        fromConnect(
          morgan(':method :url :status :res[content-length]', {
            stream: { write: (line: string) => void lines.push(line.trim()) },
          }),
        ),
      );
      s.get('/hello/:name', (r) => `hi ${r.params.name}`);
      s.get('/missing', () => {
        throw new HttpError(404, 'nope');
      });
    });
    await (await fetch(`${url}/hello/ann?x=1`)).text();
    await (await fetch(`${url}/missing`)).text();
    await waitFor(() => lines.length === 2, 2000, 'two log lines');
    assert.equal(lines[0], 'GET /hello/ann?x=1 200 6');
    assert.match(lines[1]!, /^GET \/missing 404 \d+$/);
  });

  void it('cors answers a preflight itself (Sluice writes nothing more) and decorates a real request', async () => {
    let handlerRuns = 0;
    const { url } = await startServer((s) => {
      s.use(fromConnect(cors({ origin: 'https://app.example', credentials: true })));
      s.put('/thing', () => {
        handlerRuns++;
        return 'put';
      });
    });
    const pre = await fetch(`${url}/thing`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'PUT',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /PUT/);
    assert.equal(await pre.text(), '');
    assert.equal(handlerRuns, 0);
    const res = await fetch(`${url}/thing`, {
      method: 'PUT',
      headers: { origin: 'https://app.example' },
    });
    assert.equal(await res.text(), 'put');
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    // The connection is still good for the next request after a middleware-written answer.
    assert.equal((await fetch(`${url}/thing`, { method: 'PUT' })).status, 200);
  });

  void it('next(err) with a status answers that status', async () => {
    const { url } = await startServer((s) => {
      s.use(
        fromConnect((_req, _res, next) => {
          next(Object.assign(new Error('no token'), { status: 401 }));
        }),
      );
      s.get('/', () => 'secret');
    });
    const res = await fetch(url);
    assert.equal(res.status, 401);
    assert.match(await res.text(), /no token/);
  });

  void it('on HTTP/2 and s.fetch: a 500 SLUICE_CONNECT_UNSUPPORTED, the server keeps serving', async () => {
    const { s, url } = await startServer(
      (s) => {
        s.use(fromConnect(helmet()));
        s.get('/', () => 'ok');
      },
      { h2c: true },
    );
    const session = http2.connect(url);
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        const req = session.request({ ':path': '/', accept: 'application/json' });
        let status = 0;
        let body = '';
        req.on('response', (h) => (status = Number(h[':status'])));
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
      },
    );
    session.close();
    assert.equal(status, 500);
    assert.equal(JSON.parse(body).code, 'SLUICE_CONNECT_UNSUPPORTED');
    const viaFetch = await s.fetch(
      new Request('http://x/', { headers: { accept: 'application/json' } }),
    );
    assert.equal(viaFetch.status, 500);
    assert.equal(((await viaFetch.json()) as { code: string }).code, 'SLUICE_CONNECT_UNSUPPORTED');
    assert.equal((await fetch(url)).status, 200, 'HTTP/1.1 still works');
  });

  void it('refuses a non-function at bind time', () => {
    assert.throws(() => fromConnect('helmet' as never), TypeError);
    assert.ok(new Server());
  });
});
