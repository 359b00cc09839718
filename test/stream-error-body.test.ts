// StreamError carries what the server said: the status, the headers and the start of the body
// (4 KiB at most, read for 1 s at most), so a page can show "token expired" instead of "HTTP 401".
// Also against the Sluice server itself (an HttpError's message reaches the client).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { scriptServer } from './client-support.js';
import { startServer } from './helpers/server.js';
import { HttpError } from '../src/index.js';
import {
  stream,
  StreamError,
  MAX_ERROR_BODY_BYTES,
  ERROR_BODY_WAIT_MS,
} from '../src/client/index.js';

async function failure(url: string, options = {}): Promise<StreamError> {
  try {
    for await (const _ of stream(url, { maxRetries: 0, ...options })) void _;
  } catch (err) {
    assert.ok(err instanceof StreamError, String(err));
    return err;
  }
  assert.fail('the stream did not throw');
}

describe('StreamError carries the response', () => {
  it('a 401 with a JSON body: status, headers and body text', async () => {
    const srv = await scriptServer([
      (_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
        res.end('{"error":"token expired"}');
      },
    ]);
    after(() => srv.close());
    const err = await failure(srv.url);
    assert.equal(err.code, 'SLUICE_CLIENT_STATUS');
    assert.equal(err.status, 401);
    assert.equal(err.headers.get('www-authenticate'), 'Bearer');
    assert.equal(err.body, '{"error":"token expired"}');
    assert.deepEqual(JSON.parse(err.body), { error: 'token expired' });
  });

  it('a huge body is cut at 4 KiB, on a whole character', async () => {
    // 'é' is two bytes: byte 4096 falls in the middle of one.
    const text = 'x' + 'é'.repeat(100_000);
    const srv = await scriptServer([
      (_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(text);
      },
    ]);
    after(() => srv.close());
    const err = await failure(srv.url);
    assert.equal(MAX_ERROR_BODY_BYTES, 4096);
    assert.equal(err.status, 500);
    assert.equal(Buffer.byteLength(err.body), 4095);
    assert.ok(text.startsWith(err.body));
    assert.doesNotMatch(err.body, /\uFFFD/);
  });

  it('a body that fits keeps its own last character, even U+FFFD', async () => {
    const srv = await scriptServer([
      (_req, res) => {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('bad byte: \uFFFD');
      },
    ]);
    after(() => srv.close());
    const err = await failure(srv.url);
    assert.equal(err.body, 'bad byte: \uFFFD');
  });

  it('a body that trickles without end: thrown after about a second with what came', async () => {
    const srv = await scriptServer([
      (_req, res) => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.write('overloaded, ');
        const timer = setInterval(() => res.write('.'), 100);
        res.on('close', () => clearInterval(timer));
      },
    ]);
    after(() => srv.close());
    const t0 = Date.now();
    const err = await failure(srv.url, { maxRetries: 0 });
    const took = Date.now() - t0;
    assert.equal(err.code, 'SLUICE_CLIENT_RETRIES');
    assert.equal(err.status, 503);
    assert.match(err.body, /^overloaded, \.*$/);
    assert.ok(took >= ERROR_BODY_WAIT_MS - 50 && took < ERROR_BODY_WAIT_MS + 1500, `took ${took}`);
    // The request was cancelled, not left open.
    await srv.requests[0]!.closed;
  });

  it('a 200 that is not an event stream (a proxy error page) keeps the page', async () => {
    const srv = await scriptServer([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<h1>Gateway says no</h1>');
      },
    ]);
    after(() => srv.close());
    const err = await failure(srv.url);
    assert.equal(err.code, 'SLUICE_CLIENT_CONTENT_TYPE');
    assert.equal(err.body, '<h1>Gateway says no</h1>');
    assert.equal(err.headers.get('content-type'), 'text/html');
  });

  it('retries exhausted: the last response is the one carried', async () => {
    let n = 0;
    const srv = await scriptServer([
      (_req, res) => {
        n++;
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'text/plain' });
        res.end(`slow down ${n}`);
      },
    ]);
    after(() => srv.close());
    const err = await failure(srv.url, { maxRetries: 2 });
    assert.equal(err.code, 'SLUICE_CLIENT_RETRIES');
    assert.equal(err.status, 429);
    assert.equal(err.body, 'slow down 3');
    assert.equal(err.headers.get('retry-after'), '0');
  });

  it('no response at all: empty headers and body', async () => {
    const err = await failure('http://127.0.0.1:1/', { maxRetries: 0 });
    assert.equal(err.status, 0);
    assert.equal(err.body, '');
    assert.equal([...err.headers].length, 0);
  });

  it("a Sluice route's HttpError message reaches the client", async () => {
    const { url } = await startServer((s) => {
      s.get('/events', () => {
        throw new HttpError(403, 'this room is closed');
      });
    });
    const err = await failure(`${url}/events`);
    assert.equal(err.status, 403);
    assert.match(err.body, /this room is closed/);
  });
});
