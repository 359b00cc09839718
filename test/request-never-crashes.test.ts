// No request can take the process down: every listener Sluice installs (the request listener,
// response finish/close listeners, abort callbacks on a client that leaves) runs with the user's
// logger and sources inside it, and none of them may throw uncaught. Each test collects
// uncaughtException/unhandledRejection while it runs, asserts there was none, and checks that
// the server still answers afterwards.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { middleware, type Logger, type Request, type Server } from '../src/index.js';
import { memoryLogger, startServer, waitFor } from './helpers/server.js';
import { connectRaw, exchange, whenClosed } from './helpers/raw-http.js';

/** Collects what would have been uncaught while a test runs. */
function trapUncaught(): { errors: unknown[]; release: () => void } {
  const errors: unknown[] = [];
  const collect = (err: unknown): void => void errors.push(err);
  process.on('uncaughtException', collect);
  process.on('unhandledRejection', collect);
  return {
    errors,
    release: () => {
      process.off('uncaughtException', collect);
      process.off('unhandledRejection', collect);
    },
  };
}

/** Runs `body` with the trap set, then asserts nothing escaped. */
async function withoutUncaught(body: () => Promise<void>): Promise<void> {
  const trap = trapUncaught();
  try {
    await body();
    // Listeners that run after the exchange (finish, close) have had their turn.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    trap.release();
  }
  assert.deepEqual(
    trap.errors.map((e) => String((e as Error)?.stack ?? e)),
    [],
    'nothing may escape as an uncaught exception or rejection',
  );
}

async function stillServes(url: string): Promise<void> {
  const res = await fetch(`${url}/`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
}

/** Opens a raw GET, waits for the first body bytes holding `marker`, then leaves. */
async function leaveMidStream(
  s: Server,
  path: string,
  marker: string,
  headers = '',
): Promise<void> {
  const sock = await connectRaw(s.port);
  const seen = new Promise<void>((resolve) => {
    let text = '';
    sock.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.includes(marker)) resolve();
    });
  });
  sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
  await seen;
  sock.destroy();
  await whenClosed(sock, 1000);
  await waitFor(
    () => s.stats().inflight === 0,
    3000,
    'the handler to finish after the client left',
  );
}

describe('Host values the URL parser refuses', () => {
  it('a Host with a port above 65535 is refused 400 by the request guard (accessLog on, no handler) and the server keeps serving', async () => {
    await withoutUncaught(async () => {
      let handled = 0;
      const { s, url } = await startServer(
        (s) => {
          s.use(middleware.accessLog());
          s.get('/', () => {
            handled++;
            return 'ok';
          });
        },
        { logger: memoryLogger() },
      );
      const x = await exchange(
        s.port,
        Buffer.from('GET / HTTP/1.1\r\nHost: example.com:99999\r\n\r\n', 'latin1'),
        { timeout: 2000 },
      );
      assert.equal(x.responses.length, 1, x.raw.toString('latin1'));
      assert.equal(x.responses[0]!.status, 400);
      assert.ok(x.responses[0]!.complete);
      assert.ok(x.closed, 'a refusal closes the connection');
      assert.equal(handled, 0, 'no handler runs for a refused Host');
      await stillServes(url);
      assert.equal(handled, 1);
    });
  });

  it('r.url keeps the request Host when the path looks like a network-path reference (//evil.example/x)', async () => {
    const seen: string[] = [];
    const { s } = await startServer((s) =>
      s.use(async (r: Request) => {
        seen.push(`${r.url.protocol}//${r.url.host}${r.url.pathname}`);
        await r.middleware.next();
      }),
    );
    const x = await exchange(
      s.port,
      Buffer.from('GET //evil.example/x HTTP/1.1\r\nHost: good.example\r\n\r\n', 'latin1'),
      { responses: 1 },
    );
    assert.equal(x.responses.length, 1);
    assert.equal(seen.length, 1);
    assert.equal(new URL(seen[0]!).host, 'good.example', `r.url was ${seen[0]}`);
    assert.ok(!seen[0]!.startsWith('http://evil.example'), `r.url was ${seen[0]}`);
  });
  it('r.url never loses the path and query, whatever Host the guard lets through', async () => {
    const seen: string[] = [];
    const { s } = await startServer((s) =>
      s.use(async (r: Request) => {
        seen.push(r.url.pathname + r.url.search);
        await r.middleware.next();
      }),
    );
    const x = await exchange(
      s.port,
      Buffer.from('GET /p?q=1 HTTP/1.1\r\nHost: foo.0x1F\r\n\r\n', 'latin1'),
      { responses: 1, timeout: 2000 },
    );
    // Either the guard refuses the Host (400, no handler) or r.url keeps the target.
    if (x.responses[0]?.status === 400) assert.deepEqual(seen, []);
    else assert.deepEqual(seen, ['/p?q=1']);
  });
});

describe('a logger that throws', () => {
  const boom = (): never => {
    throw new Error('the logger is broken');
  };
  const loggers: Array<[string, () => Logger]> = [
    [
      'methods throw',
      () => {
        const l: Logger = { debug: boom, info: boom, warn: boom, error: boom, child: () => l };
        return l;
      },
    ],
    [
      'methods and child() throw',
      () => ({ debug: boom, info: boom, warn: boom, error: boom, child: boom }),
    ],
  ];
  for (const [kind, make] of loggers) {
    it(`accessLog with a logger whose ${kind} never throws uncaught, on a normal request or a client that leaves mid-stream`, async () => {
      await withoutUncaught(async () => {
        const { s, url } = await startServer((s) => {
          s.setConfig({ logger: make() });
          s.use(middleware.accessLog());
          s.get('/', () => 'ok');
          s.get('/stream', async (r) => {
            for (let i = 0; i < 200 && !r.signal.aborted; i++) {
              r.response.writefln('data: %d', i);
              if (!(await r.response.flush())) break;
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
          });
        });
        await stillServes(url);
        await leaveMidStream(s, '/stream', 'data: 0');
        await stillServes(url);
      });
    });
  }
});

describe('a source whose return() throws synchronously when the client leaves', () => {
  /** Yields an item every few ms (at most 300); its return() throws instead of stopping. */
  function stubbornSource(kind: 'text' | 'json'): AsyncIterable<unknown> {
    let i = 0;
    const iterator: AsyncIterableIterator<unknown> = {
      next: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (i >= 300) return { done: true, value: undefined };
        const n = i++;
        return { done: false, value: kind === 'text' ? `item ${n}\n` : { item: n } };
      },
      return: () => {
        throw new Error('return() refuses to stop');
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  const routes: Array<[string, string, string, (r: Request) => unknown]> = [
    ['r.response.stream()', '/stream', 'item 0', (r) => r.response.stream(stubbornSource('text'))],
    [
      'r.response.ndjson()',
      '/ndjson',
      '"item":0',
      (r) => r.response.ndjson(stubbornSource('json')),
    ],
    [
      'es.pipe()',
      '/pipe',
      'data: item 0',
      (r) => r.response.sse({ heartbeat: 0 }).pipe(stubbornSource('text')),
    ],
    [
      'a returned async iterable (SSE)',
      '/returned',
      'data: {"item":0}',
      () => stubbornSource('json'),
    ],
  ];
  for (const [via, path, marker, handler] of routes) {
    it(`via ${via}: no uncaught exception, and the server still answers`, async () => {
      await withoutUncaught(async () => {
        const { s, url } = await startServer((s) => {
          s.get('/', () => 'ok');
          s.get(path, handler);
        });
        await leaveMidStream(s, path, marker, 'Accept: text/event-stream\r\n');
        await stillServes(url);
      });
    });
  }
});

describe('a hook that throws synchronously after an async handler', () => {
  for (const hook of ['afterServe', 'beforeOutput', 'afterOutput'] as const) {
    it(`${hook}: the error is logged like an async hook's, the client gets its answer, and the process stays up`, async () => {
      await withoutUncaught(async () => {
        const log = memoryLogger();
        const { url } = await startServer(
          (s) => {
            s.get('/', () => 'ok');
            s.bindHookHandler('/x', hook, () => {
              throw new Error(`${hook} hook failed`);
            });
            s.get('/x', async () => {
              await new Promise((resolve) => setImmediate(resolve));
              return 'x';
            });
          },
          { logger: log },
        );
        const res = await fetch(`${url}/x`);
        assert.ok(res.status === 200 || res.status === 500, String(res.status));
        await res.arrayBuffer();
        await waitFor(
          () => log.records.some((rec) => rec.level === 'error'),
          1000,
          'the hook error to be logged',
        );
        await stillServes(url);
      });
    });
  }
});
