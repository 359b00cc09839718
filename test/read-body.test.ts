import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { HttpError, SluiceError } from '../src/errors/index.js';
import { bodyStream, readBody, type BodySource } from '../src/wire/read-body.js';

type Handler = (req: IncomingMessage) => Promise<unknown>;

/** Node's request as the body source the wire gives read-body. */
const src = (req: IncomingMessage): BodySource => ({
  stream: req,
  headers: req.headers,
  complete: () => req.complete,
});

let server: Server;
let port: number;
let current:
  | {
      handler: Handler;
      resolve: (v: { req: IncomingMessage; result: PromiseSettledResult<unknown> }) => void;
    }
  | undefined;
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((req, res) => {
    const job = current;
    current = undefined;
    assert.ok(job, 'a request arrived with no test waiting for it');
    job.handler(req).then(
      (value) => {
        job.resolve({ req, result: { status: 'fulfilled', value } });
        res.end('ok');
      },
      (reason: unknown) => {
        job.resolve({ req, result: { status: 'rejected', reason } });
        res.statusCode = reason instanceof HttpError ? reason.status : 500;
        res.setHeader('Connection', 'close');
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  for (const s of sockets) s.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Opens a raw socket, writes `head`, runs `handler` on the request, and gives its outcome. */
async function exchange(
  head: string,
  handler: Handler,
  afterConnect?: (socket: Socket) => void | Promise<void>,
): Promise<{ req: IncomingMessage; result: PromiseSettledResult<unknown>; socket: Socket }> {
  const outcome = new Promise<{ req: IncomingMessage; result: PromiseSettledResult<unknown> }>(
    (resolve) => {
      current = { handler, resolve };
    },
  );
  const socket = connect(port, '127.0.0.1');
  sockets.add(socket);
  socket.on('error', () => {}); // the server may close on us; that is part of several tests
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(head);
  await afterConnect?.(socket);
  const { req, result } = await outcome;
  return { req, result, socket };
}

function post(headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return `POST /upload HTTP/1.1\r\nHost: localhost\r\n${lines.join('')}\r\n`;
}

const chunk = (s: string): string => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;

function assertRejected(
  result: PromiseSettledResult<unknown>,
  code: string,
  status: number,
): HttpError {
  assert.equal(result.status, 'rejected');
  const err = (result as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof HttpError, String(err));
  assert.equal(err.code, code);
  assert.equal(err.status, status);
  return err;
}

const fulfilled = (result: PromiseSettledResult<unknown>): unknown => {
  assert.equal(
    result.status,
    'fulfilled',
    result.status === 'rejected' ? String(result.reason) : '',
  );
  return (result as PromiseFulfilledResult<unknown>).value;
};

void describe('readBody', () => {
  void it('reads a Content-Length body', async () => {
    const { result } = await exchange(post({ 'Content-Length': 11 }) + 'hello world', (req) =>
      readBody(src(req), 1024),
    );
    assert.equal(String(fulfilled(result)), 'hello world');
  });

  void it('takes a body that came with the head without a data listener; end and close follow', async () => {
    let taken = false;
    let listeners = -1;
    const { req, result } = await exchange(post({ 'Content-Length': 11 }) + 'hello world', (req) => {
      const p = readBody({ ...src(req), takenWhole: () => (taken = true) }, 1024);
      return p.then((buf) => {
        listeners = req.listenerCount('data');
        return buf;
      });
    });
    assert.equal(String(fulfilled(result)), 'hello world');
    assert.equal(listeners, 0);
    // Taken before Node's parser said complete (the usual case on a real socket) or after it.
    assert.ok(taken || req.complete);
    if (!req.readableEnded) await new Promise((r) => req.once('end', r));
    assert.equal(req.complete, true);
  });

  void it('reads a body that arrives after the head through the listener path', async () => {
    let taken = false;
    const { result } = await exchange(
      post({ 'Content-Length': 11 }),
      (req) => readBody({ ...src(req), takenWhole: () => (taken = true) }, 1024),
      async (s) => {
        await new Promise((r) => setTimeout(r, 20));
        s.write('hello ');
        await new Promise((r) => setTimeout(r, 20));
        s.write('world');
      },
    );
    assert.equal(String(fulfilled(result)), 'hello world');
    assert.equal(taken, false);
  });

  void it('accepts a body of exactly the limit', async () => {
    const body = 'x'.repeat(100);
    const { result } = await exchange(post({ 'Content-Length': 100 }) + body, (req) =>
      readBody(src(req), 100),
    );
    assert.equal(String(fulfilled(result)), body);
  });

  void it('accepts a chunked body of exactly the limit, concatenating the chunks', async () => {
    const head = post({ 'Transfer-Encoding': 'chunked' });
    const { result } = await exchange(
      head,
      (req) => readBody(src(req), 10),
      async (s) => {
        for (const part of ['abc', 'defg', 'hij']) {
          s.write(chunk(part));
          await new Promise((r) => setImmediate(r));
        }
        s.write('0\r\n\r\n');
      },
    );
    assert.equal(String(fulfilled(result)), 'abcdefghij');
  });

  void it('resolves an empty buffer for a request without a body', async () => {
    const { result } = await exchange('GET / HTTP/1.1\r\nHost: x\r\n\r\n', (req) =>
      readBody(src(req), 10),
    );
    assert.equal((fulfilled(result) as Buffer).length, 0);
  });

  void it('rejects a declared Content-Length over the limit at once with 413, reading nothing', async () => {
    // The client sends headers only: the rejection must not wait for a body.
    let didRead: boolean | undefined;
    const { result, req } = await exchange(post({ 'Content-Length': 1_000_000 }), async (r) => {
      try {
        return await readBody(src(r), 1000);
      } finally {
        didRead = r.readableDidRead;
      }
    });
    assertRejected(result, 'SLUICE_BODY_TOO_LARGE', 413);
    assert.equal(didRead, false);
    assert.equal(req.listenerCount('data'), 0);
  });

  void it('rejects a chunked body at the first chunk past the limit and stops reading', async () => {
    const head = post({ 'Transfer-Encoding': 'chunked' });
    let sent = 0;
    const { result, req } = await exchange(
      head,
      (r) => readBody(src(r), 10),
      async (s) => {
        s.write(chunk('12345'));
        sent++;
        await new Promise((r) => setImmediate(r));
        s.write(chunk('678901'));
        sent++;
      },
    );
    assertRejected(result, 'SLUICE_BODY_TOO_LARGE', 413);
    assert.equal(sent, 2);
    assert.equal(req.listenerCount('data'), 0);
    assert.equal(req.isPaused(), true);
  });

  void it('rejects with 400 when the connection ends before Content-Length bytes arrive', async () => {
    const { result } = await exchange(
      post({ 'Content-Length': 10 }) + 'abcd',
      (r) => readBody(src(r), 100),
      async (s) => {
        await new Promise((r) => setTimeout(r, 20));
        s.end();
      },
    );
    const err = assertRejected(result, 'SLUICE_BAD_REQUEST', 400);
    assert.match(err.message, /ended after 4 of the 10 bytes/);
  });

  void it('rejects with 400 when a chunked body is aborted mid-way', async () => {
    const head = post({ 'Transfer-Encoding': 'chunked' }) + chunk('abc');
    const { result } = await exchange(
      head,
      (r) => readBody(src(r), 100),
      async (s) => {
        await new Promise((r) => setTimeout(r, 20));
        s.destroy();
      },
    );
    assertRejected(result, 'SLUICE_BAD_REQUEST', 400);
  });

  void it('refuses to read a body twice with SLUICE_BODY_CONSUMED', async () => {
    const { result } = await exchange(post({ 'Content-Length': 2 }) + 'hi', async (r) => {
      await readBody(src(r), 10);
      return readBody(src(r), 10);
    });
    assert.equal(result.status, 'rejected');
    const err = (result as PromiseRejectedResult).reason as unknown;
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_BODY_CONSUMED');
  });

  void it('refuses a negative or NaN limit as a programming error', async () => {
    const { result } = await exchange(post({ 'Content-Length': 0 }), (r) => readBody(src(r), -1));
    assert.equal(((result as PromiseRejectedResult).reason as SluiceError).code, 'SLUICE_CONFIG');
  });
});

async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let out = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out += Buffer.from(value).toString();
  }
}

void describe('bodyStream', () => {
  void it('streams a chunked body within the limit', async () => {
    const head = post({ 'Transfer-Encoding': 'chunked' });
    const { result } = await exchange(
      head,
      (r) => collect(bodyStream(src(r), 10)),
      async (s) => {
        s.write(chunk('hello'));
        await new Promise((r) => setImmediate(r));
        s.write(chunk('world') + '0\r\n\r\n');
      },
    );
    assert.equal(fulfilled(result), 'helloworld');
  });

  void it('errors with 413 before reading when Content-Length is over the limit', async () => {
    let didRead: boolean | undefined;
    const { result } = await exchange(post({ 'Content-Length': 50 }), async (r) => {
      try {
        return await collect(bodyStream(src(r), 10));
      } finally {
        didRead = r.readableDidRead;
      }
    });
    assertRejected(result, 'SLUICE_BODY_TOO_LARGE', 413);
    assert.equal(didRead, false);
  });

  void it('errors with 413 at the first chunk past the limit and stops reading', async () => {
    const head = post({ 'Transfer-Encoding': 'chunked' }) + chunk('123456');
    const { result, req } = await exchange(
      head,
      (r) => collect(bodyStream(src(r), 10)),
      async (s) => {
        await new Promise((r) => setTimeout(r, 10));
        s.write(chunk('78901'));
      },
    );
    assertRejected(result, 'SLUICE_BODY_TOO_LARGE', 413);
    assert.equal(req.listenerCount('data'), 0);
    assert.equal(req.isPaused(), true);
  });

  void it('errors with 400 when the body is cut short', async () => {
    const { result } = await exchange(
      post({ 'Content-Length': 10 }) + 'abc',
      (r) => collect(bodyStream(src(r), 100)),
      async (s) => {
        await new Promise((r) => setTimeout(r, 20));
        s.end();
      },
    );
    assertRejected(result, 'SLUICE_BAD_REQUEST', 400);
  });

  void it('stops reading the request when the stream is cancelled', async () => {
    const head = post({ 'Transfer-Encoding': 'chunked' }) + chunk('abc');
    const { result, req } = await exchange(head, async (r) => {
      const reader = bodyStream(src(r), 100).getReader();
      const first = await reader.read();
      await reader.cancel();
      return Buffer.from(first.value ?? []).toString();
    });
    assert.equal(fulfilled(result), 'abc');
    assert.equal(req.listenerCount('data'), 0);
    assert.equal(req.isPaused(), true);
  });

  void it('throws SLUICE_BODY_CONSUMED when the body was already read', async () => {
    const { result } = await exchange(post({ 'Content-Length': 2 }) + 'hi', async (r) => {
      await readBody(src(r), 10);
      return bodyStream(src(r), 10);
    });
    assert.equal(
      ((result as PromiseRejectedResult).reason as SluiceError).code,
      'SLUICE_BODY_CONSUMED',
    );
  });
});
