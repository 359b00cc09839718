// One error renderer (API §7, §14): every error answered before commit (HttpError, validation,
// body limits, 404, 405, a refused request head, a crash) goes through it. `auto` answers JSON
// on typed routes and to clients that ask for JSON, problem details to clients that ask for
// them, text otherwise; `errorFormat` forces one. A 5xx never shows its message.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { HttpError, defineRoute, handle, type Server, type ServerOptions } from '../src/index.js';
import { rawRequest, startServer } from './helpers/server.js';

const Typed = defineRoute({
  method: 'POST',
  path: '/typed',
  input: z.object({ name: z.string(), age: z.number().int() }),
});

function define(s: Server): void {
  s.get('/missing-user', () => {
    throw new HttpError(404, 'no such user');
  });
  s.get('/crash', () => {
    throw new Error('boom: db password in here');
  });
  s.post('/small', async (r) => r.body(), { bodyLimit: 8 });
  s.bind({ typed: handle(Typed, () => 'ok') });
}

async function serve(options: ServerOptions = {}) {
  return startServer(define, options);
}

async function answer(
  res: globalThis.Response,
): Promise<{ status: number; type: string; body: string }> {
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: await res.text(),
  };
}

describe("errorFormat 'auto' (the default)", () => {
  it('plain routes answer text to a client that does not ask for JSON (curl, browsers: */*)', async () => {
    const { url } = await serve();
    const a = await answer(await fetch(`${url}/missing-user`, { headers: { accept: '*/*' } }));
    assert.deepEqual(a, { status: 404, type: 'text/plain; charset=utf-8', body: 'no such user' });
  });

  it('a client whose Accept names JSON gets { code, message }', async () => {
    const { url } = await serve();
    const res = await fetch(`${url}/missing-user`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type')!, /^application\/json/);
    assert.deepEqual(await res.json(), { code: 404, message: 'no such user' });
  });

  it('a client that asks for application/problem+json gets RFC 9457 problem details', async () => {
    const { url } = await serve();
    const res = await fetch(`${url}/nowhere`, { headers: { accept: 'application/problem+json' } });
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(await res.json(), {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      code: 404,
    });
  });

  it('a typed route answers JSON whatever the client accepts, failing fields listed', async () => {
    const { url } = await serve();
    const res = await fetch(`${url}/typed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/html' },
      body: JSON.stringify({ name: 1 }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; errors: Array<{ path: string }> };
    assert.equal(body.code, 'SLUICE_VALIDATION');
    assert.deepEqual(
      body.errors.map((e) => e.path),
      ['name', 'age'],
    );
  });

  it('a crash shows only the status text: its message stays in the log', async () => {
    const { url } = await serve();
    const text = await answer(await fetch(`${url}/crash`));
    assert.deepEqual(text, {
      status: 500,
      type: 'text/plain; charset=utf-8',
      body: 'Internal Server Error',
    });
    const json = await (
      await fetch(`${url}/crash`, { headers: { accept: 'application/json' } })
    ).json();
    assert.deepEqual(json, { code: 500, message: 'Internal Server Error' });
  });
});

describe("errorFormat: 'problem'", () => {
  const problem = { errorFormat: 'problem' } as const;

  it('404, 405 (with Allow) and 413 are problem details, whatever the client accepts', async () => {
    const { url } = await serve(problem);
    const notFound = await fetch(`${url}/nowhere`);
    assert.equal(notFound.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(await notFound.json(), {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      code: 404,
    });

    const notAllowed = await fetch(`${url}/missing-user`, { method: 'DELETE' });
    assert.equal(notAllowed.status, 405);
    assert.match(notAllowed.headers.get('allow')!, /GET/);
    assert.equal(((await notAllowed.json()) as { title: string }).title, 'Method Not Allowed');

    const tooLarge = await fetch(`${url}/small`, { method: 'POST', body: 'x'.repeat(100) });
    assert.equal(tooLarge.status, 413);
    const body = (await tooLarge.json()) as { code: string; detail: string };
    assert.equal(body.code, 'SLUICE_BODY_TOO_LARGE');
    assert.match(body.detail, /larger than the limit/);
  });

  it('a validation failure keeps its fields as the errors extension', async () => {
    const { url } = await serve(problem);
    const res = await fetch(`${url}/typed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"a","age":"x"}',
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.status, 400);
    assert.equal(body.title, 'Bad Request');
    assert.equal(body.code, 'SLUICE_VALIDATION');
    assert.equal((body.errors as Array<{ path: string }>)[0]!.path, 'age');
  });

  it('a request refused before routing (two Host headers) is problem details too', async () => {
    const { s } = await serve(problem);
    const raw = await rawRequest(s.port!, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.match(raw, /content-type: application\/problem\+json/i);
    assert.match(raw, /"status":400/);
  });
});

describe('the other formats and status handlers', () => {
  it("errorFormat: 'text' answers text even for a validation failure", async () => {
    const { url } = await serve({ errorFormat: 'text' });
    const res = await fetch(`${url}/typed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const a = await answer(res);
    assert.equal(a.type, 'text/plain; charset=utf-8');
    assert.match(a.body, /did not pass validation: name, age/);
  });

  it("errorFormat: 'json' answers JSON to every client", async () => {
    const { url } = await serve({ errorFormat: 'json' });
    const res = await fetch(`${url}/nowhere`, { headers: { accept: 'text/html' } });
    assert.deepEqual(await res.json(), { code: 404, message: 'Not Found' });
  });

  it('a status handler replaces the body and its content type', async () => {
    const { url } = await startServer((s) => {
      define(s);
      s.bindStatusHandler(404, (r) => r.response.write('<h1>gone</h1>'));
    });
    const a = await answer(
      await fetch(`${url}/missing-user`, { headers: { accept: 'application/json' } }),
    );
    assert.equal(a.body, '<h1>gone</h1>');
    assert.equal(a.type, 'text/plain; charset=utf-8', 'not the JSON type of the body it replaced');
  });
});
