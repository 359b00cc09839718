// Mount anywhere: s.handler() as a Node listener and as Express middleware (routes that no Sluice
// route claims fall through to Express), and inside an http2 compat server with allowHTTP1.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Server, createHub } from '../src/index.js';
import { collectEvents } from '../src/testing/index.js';
import { memoryLogger, readBody } from './helpers/server.js';
import { testCert } from './helpers/tls.js';

function listen(server: http.Server | http2.Http2SecureServer): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

describe('s.handler()', () => {
  it('as Express 5 middleware: Sluice serves its routes (an SSE stream included) and the rest falls through to Express', async () => {
    const hub = createHub();
    const s = new Server({ logger: memoryLogger() });
    s.get('/sluice/hello', (r) => ({ from: 'sluice', path: r.path }));
    s.get('/sluice/events', (r) => r.response.sse({ heartbeat: 0 }).subscribe(hub, 'room'));
    s.post('/sluice/echo', async (r) => ({ got: await r.json() }), { bodyLimit: 64 });
    const app = express();
    app.use(s.handler());
    app.get('/express', (_req, res) => {
      res.send('from express');
    });
    app.use((_req, res) => {
      res.status(404).send('express 404');
    });
    const server = http.createServer(app);
    const port = await listen(server);
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    const base = `http://127.0.0.1:${port}`;
    assert.deepEqual(await (await fetch(`${base}/sluice/hello`)).json(), {
      from: 'sluice',
      path: '/sluice/hello',
    });
    assert.equal(await (await fetch(`${base}/express`)).text(), 'from express');
    const missing = await fetch(`${base}/nowhere`);
    assert.equal(missing.status, 404);
    assert.equal(
      await missing.text(),
      'express 404',
      'a request no Sluice route claims falls through',
    );
    const echo = await fetch(`${base}/sluice/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 'x'.repeat(100) }),
    });
    assert.equal(echo.status, 413, "Sluice's body limit applies when mounted");
    const events = collectEvents(`${base}/sluice/events`, { count: 2, timeoutMs: 3000 });
    await new Promise((f) => setTimeout(f, 100));
    await hub.publish('room', { data: 'one' });
    await hub.publish('room', { data: 'two' });
    assert.deepEqual(
      (await events).map((e) => e.data),
      ['one', 'two'],
    );
    await hub.close();
  });

  it('as the listener of a plain http.createServer: no next, so an unclaimed path answers 404', async () => {
    const s = new Server({ logger: memoryLogger() });
    s.get('/x', () => 'x');
    const server = http.createServer(s.handler());
    const port = await listen(server);
    after(() => server.close());
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/x`)).text(), 'x');
    assert.equal((await fetch(`http://127.0.0.1:${port}/y`)).status, 404);
  });

  it('inside http2.createSecureServer({ allowHTTP1: true }): h2 streams and HTTP/1.1 both served, Sluice frames each', async () => {
    const cert = testCert();
    const s = new Server({ logger: memoryLogger() });
    s.get('/v', (r) => r.httpVersion);
    s.get('/sse', async (r) => {
      r.response.header().set('Connection', 'keep-alive'); // dropped on h2
      const es = r.response.sse({ heartbeat: 0 });
      await es.send('a');
      await es.send('b');
    });
    const server = http2.createSecureServer(
      { cert: cert.cert, key: cert.key, allowHTTP1: true },
      s.handler(),
    );
    const port = await listen(server);
    after(() => server.close());
    const client = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    after(() => client.destroy());
    const get = (path: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = client.request({ ':path': path });
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => resolve(body));
        req.on('error', reject);
        req.end();
      });
    assert.equal(await get('/v'), '2.0');
    assert.equal(await get('/sse'), 'data: a\n\ndata: b\n\n');
    const h1 = await new Promise<string>((resolve, reject) => {
      const req = httpsGet(port, '/v');
      req.then(resolve, reject);
    });
    assert.equal(h1, '1.1');
  });

  it('a stream served through a mounted handler is truncated, never completed, when its handler fails', async () => {
    const s = new Server({ logger: memoryLogger() });
    s.get('/fail', async (r) => {
      r.response.write('part');
      await r.response.flush();
      throw new Error('boom');
    });
    const server = http.createServer(s.handler());
    const port = await listen(server);
    after(() => server.close());
    const { text, complete } = await readBody(await fetch(`http://127.0.0.1:${port}/fail`));
    assert.equal(text, 'part');
    assert.equal(complete, false);
  });
});

/** GET over HTTPS/1.1 with a self-signed certificate. */
async function httpsGet(port: number, path: string): Promise<string> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}
