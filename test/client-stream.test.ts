// stream() and collectEvents() against real HTTP servers (node:http on port 0).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectTypeOf } from 'expect-type';
import {
  collectEvents,
  CollectTimeoutError,
  stream,
  StreamError,
  type StreamEvent,
  type TypedEvent,
} from '../src/client/index.js';
import { scriptServer, sse, sseOpen, status, within, type ScriptServer } from './client-support.js';
import { createHub } from '../src/index.js';
import { startServer } from './helpers/server.js';

const servers: ScriptServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
async function serve(...steps: Parameters<typeof scriptServer>[0]): Promise<ScriptServer> {
  const s = await scriptServer(steps);
  servers.push(s);
  return s;
}

const isCode = (code: string, statusCode?: number) => (err: unknown) =>
  err instanceof StreamError &&
  err.code === code &&
  (statusCode === undefined || err.status === statusCode);

void describe('stream(): reconnection', () => {
  void test('reconnects after a clean end, sending Last-Event-ID, and keeps the id', async () => {
    const s = await serve(sse('retry: 10\n\nid: 1\ndata: a\n\n'), sse('data: b\n\n'), status(204));
    const events = await collectEvents(s.url, { count: 3 });
    assert.deepEqual(events, [
      { id: '1', event: 'message', data: 'a' },
      { id: '1', event: 'message', data: 'b' },
    ]);
    assert.equal(s.requests.length, 3);
    assert.equal(s.requests[0]?.headers['last-event-id'], undefined);
    assert.equal(s.requests[1]?.headers['last-event-id'], '1');
    assert.equal(s.requests[2]?.headers['last-event-id'], '1', 'kept across reconnects');
  });

  void test('sends lastEventId on the first request; an id reset stops sending it', async () => {
    const s = await serve(sse('retry: 5\n\nid\ndata: a\n\n'), status(204));
    const events = await collectEvents(s.url, { lastEventId: 'resume-9' });
    assert.deepEqual(events, [{ id: '', event: 'message', data: 'a' }]);
    assert.equal(s.requests[0]?.headers['last-event-id'], 'resume-9');
    assert.equal(s.requests[1]?.headers['last-event-id'], undefined);
  });

  void test('an id in an event without data still counts for Last-Event-ID', async () => {
    const s = await serve(sse('retry: 5\n\ndata: a\n\nid: 42\n\n'), status(204));
    await collectEvents(s.url);
    assert.equal(s.requests[1]?.headers['last-event-id'], '42');
  });

  void test("the server's retry is the reconnect delay; options.retry is the default", async () => {
    const s = await serve(sse('retry: 150\ndata: a\n\n'), sse('data: b\n\n'), status(204));
    await collectEvents(s.url, { retry: 5000 });
    const gap = s.requests[1]!.at - s.requests[0]!.at;
    assert.ok(gap >= 140 && gap < 2000, `server retry 150 ms honoured (gap ${gap} ms)`);
    const gap2 = s.requests[2]!.at - s.requests[1]!.at;
    assert.ok(gap2 >= 140 && gap2 < 2000, `and kept for the next connection (gap ${gap2} ms)`);

    const t = await serve(sse('data: a\n\n'), status(204));
    await collectEvents(t.url, { retry: 60 });
    const gap3 = t.requests[1]!.at - t.requests[0]!.at;
    assert.ok(
      gap3 >= 50 && gap3 < 2000,
      `options.retry used before the server sets one (gap ${gap3} ms)`,
    );
  });

  void test('reconnects after a network error mid-stream with Last-Event-ID', async () => {
    const s = await serve(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('retry: 10\nid: 3\ndata: a\n\ndata: partial');
        setTimeout(() => res.destroy(), 20);
      },
      sse('data: b\n\n'),
      status(204),
    );
    const events = await collectEvents(s.url, {
      retry: 60_000,
      timeoutMs: 2000,
      strict: true,
      count: 2,
    });
    assert.deepEqual(
      events.map((e) => [e.id, e.data]),
      [
        ['3', 'a'],
        ['3', 'b'],
      ],
    );
    assert.equal(s.requests[1]?.headers['last-event-id'], '3');
    assert.ok(
      s.requests[1]!.at - s.requests[0]!.at < 1000,
      "the server's retry is the base of the backoff",
    );
  });

  void test('429, 502, 503 and 504 are retried, honouring Retry-After', async () => {
    const s = await serve(
      status(503, { 'retry-after': '0' }),
      status(429, { 'retry-after': '0' }),
      status(502),
      status(504),
      sse('data: ok\n\n'),
      status(204),
    );
    const events = await collectEvents(s.url, { retry: 5 });
    assert.deepEqual(
      events.map((e) => e.data),
      ['ok'],
    );
    assert.equal(s.requests.length, 6);

    const t = await serve(status(503, { 'retry-after': '1' }), sse('data: ok\n\n'), status(204));
    await collectEvents(t.url, { retry: 5 });
    const gap = t.requests[1]!.at - t.requests[0]!.at;
    assert.ok(gap >= 950, `Retry-After: 1 waited a second (gap ${gap} ms)`);
  });

  void test('consecutive failures back off, and maxRetries ends with SLUICE_CLIENT_RETRIES', async () => {
    const s = await serve(status(503));
    await assert.rejects(
      collectEvents(s.url, { retry: 20, maxRetries: 3 }),
      isCode('SLUICE_CLIENT_RETRIES', 503),
    );
    assert.equal(s.requests.length, 4);
    const gaps = s.requests.slice(1).map((r, i) => r.at - s.requests[i]!.at);
    // retry * 2^(n-1) with 50-100 % jitter: [10-20], [20-40], [40-80] ms (plus scheduling).
    assert.ok(gaps[2]! >= 38, `third backoff at least 40 ms minus slack: ${gaps.join(', ')}`);
  });

  void test('a network error before any response is retried too', async () => {
    const s = await serve(status(204));
    const url = s.url;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    await assert.rejects(
      collectEvents(url, { retry: 5, maxRetries: 2 }),
      (err: unknown) =>
        isCode('SLUICE_CLIENT_RETRIES', 0)(err) && (err as Error).cause instanceof Error,
    );
  });
});

// Every wait before a reconnect is capped (a server's 9999999999 ms used to overflow the timer to
// 1 ms: about 1,000 reconnects in 2 s). Counted on real connections, no fake timers.
// Timer-bound, not CPU-bound: the tests run side by side.
void describe('stream(): reconnect delays are capped', { concurrency: true }, () => {
  /** Iterates a stream for `windowMs`, then aborts it; returns how many requests the server saw. */
  async function connectsWithin(
    s: ScriptServer,
    options: Parameters<typeof stream>[1],
    windowMs: number,
  ): Promise<number> {
    const ac = new AbortController();
    const loop = (async () => {
      for await (const _ of stream(s.url, { ...options, signal: ac.signal }));
    })();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    ac.abort();
    await within(loop, 2000, 'the loop to end');
    return s.requests.length;
  }
  const farFuture = new Date(Date.now() + 10 * 365 * 86_400_000).toUTCString();
  const servers: Array<[string, () => Promise<ScriptServer>]> = [
    ['retry: 9999999999 then a clean end', () => serve(sse('retry: 9999999999\ndata: a\n\n'))],
    [
      'retry: 9999999999 then a network error',
      () =>
        serve((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('retry: 9999999999\ndata: a\n\n');
          setTimeout(() => res.destroy(), 5);
        }),
    ],
    ['503 with Retry-After: 99999999', () => serve(status(503, { 'retry-after': '99999999' }))],
    [`503 with Retry-After: ${farFuture}`, () => serve(status(503, { 'retry-after': farFuture }))],
  ];

  for (const [name, start] of servers) {
    void test(`${name}: waits the default cap (30 s), not 1 ms`, async () => {
      const n = await connectsWithin(await start(), {}, 500);
      assert.equal(n, 1, `${n} requests in 500 ms`);
    });

    void test(`${name}: waits maxRetryDelay`, async () => {
      const s = await start();
      const n = await connectsWithin(s, { maxRetryDelay: 150 }, 1000);
      // At most one request per 150 ms (the backoff's jitter waits 75-150 ms), and not none.
      assert.ok(n >= 2 && n <= 15, `${n} requests in 1 s`);
      const gaps = s.requests.slice(1).map((r, i) => r.at - s.requests[i]!.at);
      assert.ok(Math.min(...gaps) >= 60, `gaps ${gaps.join(', ')} ms`);
    });
  }

  void test('maxRetryDelay: Infinity still never overflows the timer', async () => {
    const n = await connectsWithin(
      await serve(status(503, { 'retry-after': '99999999' })),
      { maxRetryDelay: Infinity },
      300,
    );
    assert.equal(n, 1);
  });

  void test('a Retry-After date is honoured up to the cap; one in the past retries at once', async () => {
    const soon = new Date(Date.now() + 3_600_000).toUTCString();
    const s = await serve(status(503, { 'retry-after': soon }), sse('data: ok\n\n'), status(204));
    await collectEvents(s.url, { maxRetryDelay: 300 });
    const gap = s.requests[1]!.at - s.requests[0]!.at;
    assert.ok(gap >= 280 && gap < 2000, `an hour away: waited the 300 ms cap (gap ${gap} ms)`);

    const past = new Date(Date.now() - 3_600_000).toUTCString();
    const t = await serve(
      status(503, { 'retry-after': past }),
      sse('retry: 5\ndata: ok\n\n'),
      status(204),
    );
    await collectEvents(t.url, { retry: 5000 }); // the backoff alone would wait 2.5-5 s
    const gap2 = t.requests[1]!.at - t.requests[0]!.at;
    assert.ok(gap2 < 1000, `a past date: no wait (gap ${gap2} ms)`);
  });

  void test('a negative or NaN maxRetryDelay is refused at once', () => {
    assert.throws(() => stream('http://127.0.0.1:9/', { maxRetryDelay: -1 }), TypeError);
    assert.throws(() => stream('http://127.0.0.1:9/', { maxRetryDelay: NaN }), TypeError);
  });
});

void describe('stream(): status and content type', () => {
  void test('204 ends the iteration quietly', async () => {
    const s = await serve(status(204));
    const got: unknown[] = [];
    for await (const ev of stream(s.url)) got.push(ev);
    assert.deepEqual(got, []);
    assert.equal(s.requests.length, 1);
  });

  for (const code of [400, 401, 404, 500]) {
    void test(`${code} throws StreamError SLUICE_CLIENT_STATUS with the status`, async () => {
      const s = await serve(status(code, { 'content-type': 'text/event-stream' }, 'data: no\n\n'));
      await assert.rejects(
        async () => {
          for await (const _ of stream(s.url)) assert.fail('no event expected');
        },
        isCode('SLUICE_CLIENT_STATUS', code),
      );
      assert.equal(s.requests.length, 1, 'not retried');
    });
  }

  void test('a content type other than text/event-stream throws SLUICE_CLIENT_CONTENT_TYPE', async () => {
    const s = await serve(status(200, { 'content-type': 'application/json' }, 'data: x\n\n'));
    await assert.rejects(collectEvents(s.url), isCode('SLUICE_CLIENT_CONTENT_TYPE', 200));
    const t = await serve(
      sse('data: x\n\n', { 'content-type': 'Text/Event-Stream; charset=utf-8' }),
      status(204),
    );
    assert.equal(
      (await collectEvents(t.url, { retry: 5 })).length,
      1,
      'parameters and case are fine',
    );
  });

  void test('sends Accept: text/event-stream and Cache-Control: no-cache', async () => {
    const s = await serve(status(204));
    await collectEvents(s.url, { headers: { accept: 'text/html', 'x-extra': '1' } });
    assert.equal(s.requests[0]?.headers.accept, 'text/event-stream');
    assert.equal(s.requests[0]?.headers['cache-control'], 'no-cache');
    assert.equal(s.requests[0]?.headers['x-extra'], '1');
  });

  void test('a GET with a body is refused at once', () => {
    assert.throws(() => stream('http://127.0.0.1:1/', { body: 'x' }), TypeError);
  });
});

void describe('stream(): POST, JSON, typed events', () => {
  void test('POST with a JSON body and Authorization is re-sent on reconnect', async () => {
    const s = await serve(
      sse('retry: 5\nid: t1\nevent: token\ndata: {"text":"Hel"}\n\n'),
      sse('event: done\ndata: {}\n\n'),
    );
    let made = 0;
    const events = await collectEvents(s.url, {
      method: 'POST',
      headers: { Authorization: 'Bearer secret', 'Content-Type': 'application/json' },
      body: () => JSON.stringify({ prompt: 'hi', attempt: made++ }),
      json: true,
      until: 'done',
    });
    assert.deepEqual(events, [
      { id: 't1', event: 'token', data: { text: 'Hel' } },
      { id: 't1', event: 'done', data: {} },
    ]);
    for (const [i, r] of s.requests.entries()) {
      assert.equal(r.method, 'POST');
      assert.equal(r.headers.authorization, 'Bearer secret');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(r.body), { prompt: 'hi', attempt: i });
    }
    assert.equal(s.requests[1]?.headers['last-event-id'], 't1');
  });

  void test('bytes and strings are re-sendable bodies', async () => {
    const s = await serve(sse('retry: 5\ndata: a\n\n'), status(204));
    await collectEvents(s.url, { method: 'PUT', body: new TextEncoder().encode('bytes!') });
    assert.deepEqual(
      s.requests.map((r) => r.body),
      ['bytes!', 'bytes!'],
    );
  });

  void test('typed events narrow by name', async () => {
    const s = await serve(
      sse('event: token\ndata: {"text":"a"}\n\nevent: done\ndata: {"reason":"stop"}\n\n'),
    );
    const seen: string[] = [];
    for await (const ev of stream<{ token: { text: string }; done: { reason: string } }>(s.url, {
      json: true,
    })) {
      if (ev.event === 'token') seen.push(ev.data.text);
      else {
        seen.push(ev.data.reason);
        break;
      }
    }
    assert.deepEqual(seen, ['a', 'stop']);
  });

  void test('types: string data by default, unknown with json, a union with an event map', () => {
    const url = 'http://127.0.0.1:1/';
    expectTypeOf(stream(url)).toEqualTypeOf<AsyncIterable<StreamEvent<string>>>();
    expectTypeOf(stream(url, { json: true })).toEqualTypeOf<AsyncIterable<StreamEvent<unknown>>>();
    type Chat = TypedEvent<{ token: { text: string }; done: object }>;
    expectTypeOf<Chat>().toEqualTypeOf<
      | { id: string; event: 'token'; data: { text: string } }
      | { id: string; event: 'done'; data: object }
    >();
    expectTypeOf(collectEvents<Chat>(url, { json: true })).toEqualTypeOf<Promise<Chat[]>>();
  });

  void test('with json: true, data that is not JSON throws SLUICE_CLIENT_JSON', async () => {
    const s = await serve(sse('data: [DONE\n\n'));
    await assert.rejects(collectEvents(s.url, { json: true }), isCode('SLUICE_CLIENT_JSON', 200));
  });

  void test('a line over maxLineLength throws SLUICE_CLIENT_LINE_TOO_LONG with the status', async () => {
    const s = await serve(sseOpen(`data: ${'x'.repeat(5000)}`));
    await assert.rejects(
      collectEvents(s.url, { maxLineLength: 1000 }),
      isCode('SLUICE_CLIENT_LINE_TOO_LONG', 200),
    );
    await within(s.requests[0]!.closed, 2000, 'the request to be closed');
  });
});

// Events are bounded like lines: a server streaming short data lines without a blank line used
// to build one event of any size (64 MiB of lines made a 63.7 MiB event).
void describe('stream(): maxEventSize', () => {
  /**
   * Streams `data:` lines of 64 bytes, honouring backpressure, until `total` bytes or the client
   * leaves; then ends the event and the response. `sent()` is how many bytes it wrote.
   */
  function shortLines(total: number): {
    step: Parameters<typeof scriptServer>[0][number];
    sent: () => number;
  } {
    let sent = 0;
    const line = `data: ${'x'.repeat(57)}\n`;
    const chunk = line.repeat(256); // 16 KiB
    return {
      sent: () => sent,
      step: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let gone = false;
        res.on('close', () => (gone = true));
        while (!gone && sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            await new Promise((resolve) => {
              res.once('drain', resolve);
              res.once('close', resolve);
            });
          }
        }
        if (!gone) res.end('\n');
      },
    };
  }

  void test('64 MiB of short data lines: SLUICE_CLIENT_EVENT_TOO_LARGE at the default 1 MiB, request cancelled', async () => {
    const server = shortLines(64 * 1024 * 1024);
    const s = await serve(server.step);
    await assert.rejects(
      collectEvents(s.url, { count: 1, timeoutMs: 20_000 }),
      isCode('SLUICE_CLIENT_EVENT_TOO_LARGE', 200),
    );
    await within(s.requests[0]!.closed, 2000, 'the request to be closed');
    assert.equal(s.requests.length, 1, 'no reconnect');
    assert.ok(server.sent() < 16 * 1024 * 1024, `the server stopped early: ${server.sent()} bytes`);
  });

  void test('maxEventSize sets the limit; events under it pass', async () => {
    const server = shortLines(4 * 1024 * 1024);
    const s = await serve(server.step);
    const big = `data: ${'y'.repeat(1000)}\n`.repeat(10) + '\n'; // 10,009 bytes of data
    const t = await serve(sse(big + big), status(204));
    const events = await collectEvents(t.url, { maxEventSize: 10_009, retry: 5 });
    assert.deepEqual(
      events.map((e) => e.data.length),
      [10_009, 10_009],
    );
    const u = await serve(sse(big));
    await assert.rejects(
      collectEvents(u.url, { maxEventSize: 10_008, retry: 5 }),
      isCode('SLUICE_CLIENT_EVENT_TOO_LARGE', 200),
    );
    await assert.rejects(
      collectEvents(s.url, { maxEventSize: 64 * 1024 }),
      isCode('SLUICE_CLIENT_EVENT_TOO_LARGE', 200),
    );
    await within(s.requests[0]!.closed, 2000, 'the request to be closed');
    assert.ok(server.sent() < 4 * 1024 * 1024, `the server stopped early: ${server.sent()} bytes`);
  });

  void test('a negative or NaN maxEventSize is refused at once', () => {
    assert.throws(() => stream('http://127.0.0.1:9/', { maxEventSize: -1 }), TypeError);
    assert.throws(() => stream('http://127.0.0.1:9/', { maxEventSize: NaN }), TypeError);
  });
});

void describe('stream(): ending the loop ends the request', () => {
  void test('break cancels the request: the server sees the socket close', async () => {
    const s = await serve(sseOpen('data: a\n\ndata: b\n\n'));
    for await (const ev of stream(s.url)) {
      assert.equal(ev.data, 'a');
      break;
    }
    await within(s.requests[0]!.closed, 2000, 'the server to see the close');
    assert.equal(s.requests.length, 1, 'no reconnect after break');
  });

  void test('aborting the signal ends the iteration quietly and closes the request', async () => {
    const s = await serve(sseOpen('data: a\n\n'));
    const ac = new AbortController();
    const got: string[] = [];
    const loop = (async () => {
      for await (const ev of stream(s.url, { signal: ac.signal })) {
        got.push(ev.data);
        setTimeout(() => ac.abort(), 20); // abort while the loop waits for the next event
      }
    })();
    await within(loop, 2000, 'the loop to end');
    assert.deepEqual(got, ['a']);
    await within(s.requests[0]!.closed, 2000, 'the server to see the close');
  });

  void test('aborting during the reconnect delay ends the iteration at once', async () => {
    const s = await serve(sse('data: a\n\n'));
    const ac = new AbortController();
    const started = Date.now();
    const loop = (async () => {
      for await (const _ of stream(s.url, { signal: ac.signal, retry: 60_000 }))
        setTimeout(() => ac.abort(), 20);
    })();
    await within(loop, 2000, 'the loop to end');
    assert.ok(Date.now() - started < 2000);
    assert.equal(s.requests.length, 1);
  });

  void test('an already aborted signal makes no request', async () => {
    const s = await serve(status(204));
    const got: unknown[] = [];
    for await (const ev of stream(s.url, { signal: AbortSignal.abort() })) got.push(ev);
    assert.deepEqual(got, []);
    assert.equal(s.requests.length, 0);
  });
});

void describe('collectEvents()', () => {
  void test('stops at a count and closes the stream', async () => {
    const s = await serve(sseOpen('data: 1\n\ndata: 2\n\ndata: 3\n\n'));
    const events = await collectEvents(s.url, { count: 2 });
    assert.deepEqual(
      events.map((e) => e.data),
      ['1', '2'],
    );
    await within(s.requests[0]!.closed, 2000, 'the close');
  });

  void test('stops at a named event, inclusive', async () => {
    const s = await serve(
      sseOpen('event: token\ndata: a\n\nevent: done\ndata: \n\ndata: after\n\n'),
    );
    const events = await collectEvents(s.url, { until: 'done' });
    assert.deepEqual(
      events.map((e) => e.event),
      ['token', 'done'],
    );
    await within(s.requests[0]!.closed, 2000, 'the close');
  });

  void test('on the deadline it returns what it has, and closes the stream', async () => {
    const s = await serve(sseOpen('data: 1\n\n'));
    const started = Date.now();
    const events = await collectEvents(s.url, { count: 5, timeoutMs: 150 });
    assert.ok(Date.now() - started >= 140);
    assert.deepEqual(
      events.map((e) => e.data),
      ['1'],
    );
    await within(s.requests[0]!.closed, 2000, 'the close');
  });

  void test('strict: the deadline rejects with the events so far', async () => {
    const s = await serve(sseOpen('data: 1\n\n'));
    await assert.rejects(
      collectEvents(s.url, { until: 'done', timeoutMs: 100, strict: true }),
      (err: unknown) =>
        err instanceof CollectTimeoutError &&
        err.code === 'SLUICE_CLIENT_TIMEOUT' &&
        (err.events as StreamEvent[]).length === 1,
    );
    await within(s.requests[0]!.closed, 2000, 'the close');
  });

  void test('strict: a stream that ends (204) before the count rejects too', async () => {
    const s = await serve(sse('retry: 5\ndata: 1\n\n'), status(204));
    await assert.rejects(collectEvents(s.url, { count: 2, strict: true }), CollectTimeoutError);
  });

  void test('accepts an existing stream and returns it cancelled', async () => {
    const s = await serve(sseOpen('data: 1\n\ndata: 2\n\n'));
    const events = await collectEvents(stream(s.url), { count: 1 });
    assert.deepEqual(
      events.map((e) => e.data),
      ['1'],
    );
    await within(s.requests[0]!.closed, 2000, 'the close');
  });

  void test('an existing stream is cancelled on the deadline too', async () => {
    const s = await serve(sseOpen('data: 1\n\n'));
    const events = await collectEvents(stream(s.url), { count: 2, timeoutMs: 100 });
    assert.equal(events.length, 1);
    await within(s.requests[0]!.closed, 2000, 'the close');
  });
});

// The same client against Sluice's own server (issue 5: the testing helper is what the project's
// tests use): scenarios that need no byte-exact script.
void describe('stream() and collectEvents() against a Sluice server', () => {
  const tokens = ['Hel', 'lo', ', ', 'wor', 'ld'];

  void test('a POST token stream cut mid-way resumes with the same request and Last-Event-ID', async () => {
    const seen: Array<{ auth: string | undefined; body: unknown; last: string | undefined }> = [];
    const { url } = await startServer((s) =>
      s.post('/api/chat', async (r) => {
        seen.push({
          auth: r.header('authorization'),
          body: await r.json(),
          last: r.header('last-event-id'),
        });
        const last = r.header('last-event-id');
        const start = last === undefined ? 0 : Number(last) + 1;
        const es = r.response.sse({ heartbeat: 0 });
        await es.retry(5);
        // The first connection ends after 2 tokens, as a dropped connection would.
        const stop = start === 0 ? 2 : tokens.length;
        for (let i = start; i < stop; i++) {
          await es.send({ id: String(i), event: 'token', data: { text: tokens[i] } });
        }
        if (stop === tokens.length) await es.send({ event: 'done', data: { reason: 'stop' } });
      }),
    );
    const events = await collectEvents<
      TypedEvent<{ token: { text: string }; done: { reason: string } }>
    >(
      stream<{ token: { text: string }; done: { reason: string } }>(`${url}/api/chat`, {
        method: 'POST',
        headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: 'hi' }),
        json: true,
      }),
      { until: 'done', strict: true },
    );
    const text = events.map((e) => (e.event === 'token' ? e.data.text : '')).join('');
    assert.equal(text, 'Hello, world');
    assert.deepEqual(events.at(-1), { id: '4', event: 'done', data: { reason: 'stop' } });
    assert.deepEqual(seen, [
      { auth: 'Bearer t', body: { prompt: 'hi' }, last: undefined },
      { auth: 'Bearer t', body: { prompt: 'hi' }, last: '1' },
    ]);
  });

  void test('a 204 from a Sluice route ends the iteration quietly', async () => {
    const { url } = await startServer((s) =>
      s.get('/gone', (r) => {
        r.response.status = 204;
      }),
    );
    assert.deepEqual(await collectEvents(`${url}/gone`), []);
  });

  void test('es.subscribe: a client resuming with lastEventId gets exactly what it missed', async () => {
    const hub = createHub();
    after(() => hub.close());
    const { url } = await startServer((s) =>
      s.get('/room', async (r) => {
        await r.response.sse({ heartbeat: 0 }).subscribe(hub, 'room');
      }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await hub.publish('room', { data: `m${i}` }));
    const events = await collectEvents(`${url}/room`, {
      lastEventId: ids[1],
      count: 3,
      strict: true,
    });
    assert.deepEqual(
      events.map((e) => [e.id, e.data]),
      [2, 3, 4].map((i) => [ids[i], `m${i}`]),
    );
  });
});
