// What a handler puts in a response is checked where it is set, so a bad value fails as a
// complete 500 naming it (never a half-written head, a reset, or a client left waiting):
// header values with CR/LF/NUL or characters above U+00FF, a non-numeric Content-Length,
// 1xx final statuses; a redirect to a non-ASCII URL is percent-encoded; printf widths are capped
// as in Go; and SSE data with no JSON form rejects without writing anything.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError, type Request } from '../src/index.js';
import { memoryLogger, startServer, type LogRecord } from './helpers/server.js';
import { exchange, headerOf, type RawExchange } from './helpers/raw-http.js';

const NEXT = 'NEXT-RESPONSE-BODY';

function pipelined(port: number, path: string): Promise<RawExchange> {
  return exchange(
    port,
    Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n`,
      'latin1',
    ),
    { timeout: 2000, responses: 2, grace: 50 },
  );
}

function show(x: RawExchange): string {
  return `closed=${x.closed} raw=${JSON.stringify(x.raw.toString('latin1', 0, 600))}`;
}

function errorCodes(records: LogRecord[]): string[] {
  return records
    .filter((rec) => rec.level === 'error')
    .map((rec) => {
      const err = rec.obj.err as { code?: string; name?: string } | undefined;
      return err?.code ?? err?.name ?? String(rec.msg);
    });
}

/** A complete 500 (status line, headers, body) followed by the pipelined request's answer. */
function assertComplete500(x: RawExchange): void {
  assert.equal(x.responses.length, 2, show(x));
  const first = x.responses[0]!;
  assert.equal(first.status, 500, show(x));
  assert.ok(first.complete, show(x));
  assert.equal(first.body.toString('latin1'), 'Internal Server Error');
  assert.equal(x.garbage.length, 0, show(x));
  assert.equal(x.responses[1]!.body.toString('latin1'), NEXT, show(x));
}

describe('header values', () => {
  const bad: Array<[string, string, string, (r: Request) => unknown]> = [
    [
      'a snowman in a Content-Disposition filename',
      '/snowman',
      'Content-Disposition',
      (r) => {
        r.response.header().set('Content-Disposition', 'attachment; filename="☃.txt"');
        return 'file';
      },
    ],
    [
      'CRLF in a Content-Type',
      '/crlf',
      'Content-Type',
      (r) => {
        r.response.header().set('Content-Type', 'text/plain\r\nX-Injected: 1');
        return 'text';
      },
    ],
    [
      'NUL in a header value',
      '/nul',
      'X-Note',
      (r) => {
        r.response.header().set('X-Note', 'a\0b');
        return 'text';
      },
    ],
    [
      'a snowman, then flush()',
      '/snowman-flush',
      'Content-Disposition',
      async (r) => {
        r.response.header().set('Content-Disposition', 'attachment; filename="☃.txt"');
        r.response.write('file');
        await r.response.flush();
      },
    ],
    [
      'CRLF in a Content-Type, then flush()',
      '/crlf-flush',
      'Content-Type',
      async (r) => {
        r.response.header().set('Content-Type', 'text/plain\r\nX-Injected: 1');
        r.response.write('text');
        await r.response.flush();
      },
    ],
    [
      'a snowman, then sse()',
      '/snowman-sse',
      'Content-Disposition',
      async (r) => {
        r.response.header().set('Content-Disposition', 'attachment; filename="☃.txt"');
        await r.response.sse({ heartbeat: 0 }).send('event');
      },
    ],
  ];
  for (const [what, path, name, handler] of bad) {
    it(`${what}: a complete 500, SLUICE_HEADER_INVALID naming ${name} logged, no TypeError, the connection still usable`, async () => {
      const log = memoryLogger();
      const { s } = await startServer(
        (s) => {
          s.get(path, handler);
          s.get('/next', () => NEXT);
        },
        { logger: log },
      );
      const x = await pipelined(s.port, path);
      assertComplete500(x);
      assert.ok(!x.raw.includes('X-Injected'), show(x));
      const codes = errorCodes(log.records);
      assert.deepEqual(codes, ['SLUICE_HEADER_INVALID'], `logged: ${JSON.stringify(codes)}`);
      const err = log.records.find((rec) => rec.level === 'error')!.obj.err as Error;
      assert.ok(err.message.includes(name), `the error names the header: ${err.message}`);
    });
  }

  it('a non-numeric Content-Length is refused (SLUICE_HEADER_INVALID), buffered or flushed', async () => {
    const log = memoryLogger();
    const { s } = await startServer(
      (s) => {
        s.get('/flushed', async (r) => {
          r.response.header().set('Content-Length', 'abc');
          r.response.write('hi');
          await r.response.flush();
        });
        s.get('/buffered', (r) => {
          r.response.header().set('Content-Length', 'abc');
          return 'hi';
        });
        s.get('/next', () => NEXT);
      },
      { logger: log },
    );
    for (const path of ['/flushed', '/buffered']) {
      log.records.length = 0;
      const x = await pipelined(s.port, path);
      assertComplete500(x);
      assert.deepEqual(errorCodes(log.records), ['SLUICE_HEADER_INVALID'], path);
    }
  });

  it("redirectTo('/ünï?q=☃') sends a percent-encoded Location", async () => {
    const { s } = await startServer((s) => {
      s.get('/go', (r) => r.response.redirectTo('/ünï?q=☃'));
      s.get('/next', () => NEXT);
    });
    const x = await pipelined(s.port, '/go');
    assert.equal(x.responses.length, 2, show(x));
    assert.equal(x.responses[0]!.status, 302);
    assert.equal(headerOf(x.responses[0]!, 'location'), '/%C3%BCn%C3%AF?q=%E2%98%83');
  });
});

describe('statuses', () => {
  const informational: Array<[string, string, (r: Request) => unknown]> = [
    [
      'r.response.status = 103',
      '/103',
      (r) => {
        r.response.status = 103;
        return 'early';
      },
    ],
    ['writeStatus(101)', '/101', (r) => r.response.writeStatus(101)],
  ];
  for (const [what, path, handler] of informational) {
    it(`${what} is refused with SLUICE_STATUS_INVALID: the client gets a complete 500, never a hang`, async () => {
      const log = memoryLogger();
      let thrown: unknown;
      const { s } = await startServer(
        (s) => {
          s.get(path, (r) => {
            try {
              return handler(r);
            } catch (err) {
              thrown = err;
              throw err;
            }
          });
          s.get('/next', () => NEXT);
        },
        { logger: log },
      );
      const x = await pipelined(s.port, path);
      assert.deepEqual(x.informational, [], show(x));
      assertComplete500(x);
      assert.ok(thrown instanceof SluiceError, `the setter threw ${String(thrown)}`);
      assert.equal(thrown.code, 'SLUICE_STATUS_INVALID');
      assert.deepEqual(errorCodes(log.records), ['SLUICE_STATUS_INVALID']);
    });
  }
});

describe('printf widths as in Go', () => {
  it("writef('%20000000d', 1) prints %!(BADWIDTH)1 and '%.20000000s' %!(BADPREC): small bodies", async () => {
    const { url } = await startServer((s) => {
      s.get('/width', (r) => r.response.writef('%20000000d', 1));
      s.get('/prec', (r) => r.response.writef('%.20000000s', 'abc'));
      s.get('/prec-d', (r) => r.response.writef('%.20000000d', 7));
    });
    for (const [path, expected] of [
      ['/width', '%!(BADWIDTH)1'],
      ['/prec', '%!(BADPREC)abc'],
      ['/prec-d', '%!(BADPREC)7'],
    ] as const) {
      const res = await fetch(`${url}${path}`);
      assert.ok(
        Number(res.headers.get('content-length')) < 100,
        `${path}: ${res.headers.get('content-length')} bytes`,
      );
      assert.equal(await res.text(), expected, path);
    }
  });
});

describe('SSE data without a JSON form', () => {
  it('sendData(1n), a cyclic object, a throwing getter and send({ data: undefined }) reject with SLUICE_SSE_DATA, write nothing, and the stream goes on', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const throwing = {
      get x(): never {
        throw new Error('getter');
      },
    };
    const outcomes: string[] = [];
    const { url } = await startServer((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        const attempts: Array<() => Promise<boolean>> = [
          () => es.sendData(1n),
          () => es.sendData(cyclic),
          () => es.sendData(throwing),
          () => es.send({ data: undefined }),
        ];
        for (const [i, attempt] of attempts.entries()) {
          let pending: Promise<boolean>;
          try {
            pending = attempt();
          } catch (err) {
            outcomes.push(`threw synchronously: ${String(err)}`);
            await es.send(`ok ${i}`);
            continue;
          }
          await pending.then(
            () => outcomes.push('resolved'),
            (err: unknown) => outcomes.push(err instanceof SluiceError ? err.code : String(err)),
          );
          await es.send(`ok ${i}`);
        }
      }),
    );
    const body = await (await fetch(`${url}/e`)).text();
    assert.deepEqual(outcomes, [
      'SLUICE_SSE_DATA',
      'SLUICE_SSE_DATA',
      'SLUICE_SSE_DATA',
      'SLUICE_SSE_DATA',
    ]);
    assert.equal(body, 'data: ok 0\n\ndata: ok 1\n\ndata: ok 2\n\ndata: ok 3\n\n');
  });

  it("send({ event: 'x' }) without a data key writes only the event line", async () => {
    const { url } = await startServer((s) =>
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send({ event: 'x' });
        await es.send('after');
      }),
    );
    const body = await (await fetch(`${url}/e`)).text();
    assert.equal(body, 'event: x\n\ndata: after\n\n');
  });
});
