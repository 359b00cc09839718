// The SSE encoder, rule by rule, and a property test against an SSE parser someone else wrote
// (eventsource-parser): every random event either round-trips exactly or is refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  dataText,
  encodeComment,
  encodeEvent,
  encodeRetry,
  isEventShape,
  type SseEvent,
} from '../src/codec/sse.js';
import { SluiceError } from '../src/errors/index.js';

function refusedWith(code: string): (err: unknown) => boolean {
  return (err) => err instanceof SluiceError && err.code === code;
}

void describe('encodeEvent', () => {
  const cases: Array<[string, SseEvent, string]> = [
    ['plain data', { data: 'hello' }, 'data: hello\n\n'],
    ['LF splits data lines', { data: 'a\nb' }, 'data: a\ndata: b\n\n'],
    ['CRLF splits data lines', { data: 'a\r\nb' }, 'data: a\ndata: b\n\n'],
    ['lone CR splits data lines', { data: 'a\rb' }, 'data: a\ndata: b\n\n'],
    ['CR then LF in a row is one break', { data: 'a\r\n\nb' }, 'data: a\ndata: \ndata: b\n\n'],
    ['LF then CR is two breaks', { data: 'a\n\rb' }, 'data: a\ndata: \ndata: b\n\n'],
    ['trailing line break gives an empty last line', { data: 'a\n' }, 'data: a\ndata: \n\n'],
    ['empty string data', { data: '' }, 'data: \n\n'],
    ['leading space kept (the parser strips only one)', { data: ' x' }, 'data:  x\n\n'],
    ['object data as JSON', { data: { a: 1, b: 'x\ny' } }, 'data: {"a":1,"b":"x\\ny"}\n\n'],
    ['number data as JSON', { data: 42 }, 'data: 42\n\n'],
    ['null data as JSON', { data: null }, 'data: null\n\n'],
    ['array data as JSON', { data: [1, 'two'] }, 'data: [1,"two"]\n\n'],
    ['boolean data as JSON', { data: false }, 'data: false\n\n'],
    [
      'event, id, retry, data in that order',
      { data: 'd', event: 'e', id: '1', retry: 5 },
      'event: e\nid: 1\nretry: 5\ndata: d\n\n',
    ],
    ['empty id resets the last event id', { id: '' }, 'id\n\n'],
    ['empty id with data', { id: '', data: 'x' }, 'id\ndata: x\n\n'],
    ['event without data sends no data line', { event: 'ping' }, 'event: ping\n\n'],
    ['retry alone', { retry: 0 }, 'retry: 0\n\n'],
    ['no field at all is an empty data event', {}, 'data: \n\n'],
    ['astral characters pass as they are', { data: '😀𝄞', id: '🆔' }, 'id: 🆔\ndata: 😀𝄞\n\n'],
    ['a BOM inside data passes as it is', { data: '\uFEFFx' }, 'data: \uFEFFx\n\n'],
    ['NUL in data passes (only id/event refuse it)', { data: 'a\0b' }, 'data: a\0b\n\n'],
    ['a colon in an id is fine', { id: 'a:b', data: '' }, 'id: a:b\ndata: \n\n'],
  ];
  for (const [name, ev, wire] of cases) {
    void test(name, () => assert.equal(encodeEvent(ev), wire));
  }

  for (const field of ['id', 'event'] as const) {
    for (const bad of ['a\nb', 'a\rb', 'a\r\nb', 'a\0b', '\n', '\0']) {
      void test(`${field} ${JSON.stringify(bad)} is refused with SLUICE_SSE_FIELD`, () => {
        let out: string | undefined;
        assert.throws(() => {
          out = encodeEvent({ [field]: bad, data: 'x' });
        }, refusedWith('SLUICE_SSE_FIELD'));
        assert.equal(out, undefined, 'nothing produced');
      });
    }
  }

  for (const bad of [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, -0.1]) {
    void test(`retry ${bad} is refused with SLUICE_SSE_RETRY`, () => {
      assert.throws(() => encodeEvent({ retry: bad, data: 'x' }), refusedWith('SLUICE_SSE_RETRY'));
      assert.throws(() => encodeRetry(bad), refusedWith('SLUICE_SSE_RETRY'));
    });
  }

  void test('a refused field after a valid one still produces nothing', () => {
    assert.throws(
      () => encodeEvent({ event: 'ok', id: 'bad\n', data: 'x' }),
      refusedWith('SLUICE_SSE_FIELD'),
    );
    assert.throws(
      () => encodeEvent({ event: 'ok', id: '1', retry: -1 }),
      refusedWith('SLUICE_SSE_RETRY'),
    );
  });

  void test('every event ends with exactly one blank line', () => {
    for (const ev of [
      { data: 'a\n' },
      { data: '' },
      { id: '' },
      { retry: 1 },
      { event: 'x', data: '\r' },
    ]) {
      const wire = encodeEvent(ev);
      assert.ok(wire.endsWith('\n\n'), JSON.stringify(wire));
      assert.ok(!wire.endsWith('\n\n\n'), JSON.stringify(wire));
    }
  });
});

void describe('encodeComment, encodeRetry, dataText, isEventShape', () => {
  const comments: Array<[string | undefined, string]> = [
    [undefined, ':\n\n'],
    ['', ':\n\n'],
    ['hi', ': hi\n\n'],
    ['a\nb', ': a\n: b\n\n'],
    ['a\r\nb\rc', ': a\n: b\n: c\n\n'],
    ['x\ndata: injected', ': x\n: data: injected\n\n'],
    ['a\n', ': a\n:\n\n'],
  ];
  for (const [text, wire] of comments) {
    void test(`comment ${JSON.stringify(text)} is split per line`, () =>
      assert.equal(encodeComment(text), wire));
  }
  void test('encodeRetry writes a bare retry event', () => {
    assert.equal(encodeRetry(0), 'retry: 0\n\n');
    assert.equal(encodeRetry(2500), 'retry: 2500\n\n');
  });
  void test('dataText: strings as they are, others as JSON, SLUICE_SSE_DATA for values without a JSON form', () => {
    assert.equal(dataText('a'), 'a');
    assert.equal(dataText({ a: [1] }), '{"a":[1]}');
    assert.equal(dataText(null), 'null');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const throwing = {
      get x(): never {
        throw new Error('getter');
      },
    };
    for (const value of [undefined, () => 1, Symbol('s'), 1n, cyclic, throwing]) {
      assert.throws(
        () => dataText(value),
        (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_SSE_DATA',
        String(typeof value),
      );
    }
  });
  void test('a data key holding undefined is refused; no data key sends the other fields only', () => {
    assert.throws(() => encodeEvent({ data: undefined }), /no JSON form/);
    assert.throws(() => encodeEvent({ event: 'x', data: undefined }), /no JSON form/);
    assert.equal(encodeEvent({ event: 'x' }), 'event: x\n\n');
  });
  void test('isEventShape: plain objects whose keys are all SSE fields', () => {
    assert.equal(isEventShape({ data: 1 }), true);
    assert.equal(isEventShape({ event: 'x', id: '1', retry: 1, data: 'y' }), true);
    assert.equal(isEventShape({}), false);
    assert.equal(isEventShape({ data: 1, other: 2 }), false);
    assert.equal(isEventShape([]), false);
    assert.equal(isEventShape('data'), false);
    assert.equal(isEventShape(null), false);
    assert.equal(
      isEventShape(
        new (class {
          data = 1;
        })(),
      ),
      false,
    );
  });
});

// ---- property test -------------------------------------------------------------------------

interface OracleResult {
  events: EventSourceMessage[];
  retries: number[];
  comments: string[];
}

/** Feeds bytes to eventsource-parser the way the `eventsource` package does: UTF-8 decoded in stream mode. */
function oracle(bytes: Uint8Array, cuts: number[]): OracleResult {
  const result: OracleResult = { events: [], retries: [], comments: [] };
  const parser = createParser({
    onEvent: (ev) => result.events.push(ev),
    onRetry: (ms) => result.retries.push(ms),
    onComment: (c) => result.comments.push(c),
  });
  const decoder = new TextDecoder(); // strips one leading BOM, as EventSource does
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.feed(decoder.decode(bytes.subarray(at, cut), { stream: true }));
    at = cut;
  }
  parser.feed(decoder.decode());
  return result;
}

const PIECES = [
  '\r',
  '\n',
  '\r\n',
  '\0',
  '\uFEFF',
  '😀',
  '𝄞',
  ' ',
  '  ',
  ':',
  'é',
  'data: x',
  'id',
  '€',
];
const text = fc
  .array(
    fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'grapheme-ascii', maxLength: 4 })),
    {
      maxLength: 6,
    },
  )
  .map((parts) => parts.join(''));
const dataValue = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const sseEvent: fc.Arbitrary<SseEvent> = fc.record(
  {
    data: dataValue,
    event: text,
    id: text,
    retry: fc.oneof(
      fc.nat({ max: 100_000 }),
      fc.integer({ min: -3, max: -1 }),
      fc.double({ noNaN: false }),
    ),
  },
  { requiredKeys: [] },
);

/** What an SSE parser must report for the events that were accepted (eventsource-parser's shape). */
function expected(accepted: SseEvent[]): { events: EventSourceMessage[]; retries: number[] } {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  for (const ev of accepted) {
    if (ev.retry !== undefined) retries.push(ev.retry + 0); // -0 goes out as "0"
    const hasData =
      'data' in ev || (ev.event === undefined && ev.id === undefined && ev.retry === undefined);
    if (!hasData) continue;
    events.push({
      id: ev.id,
      event: ev.event === '' ? undefined : ev.event,
      data: ('data' in ev ? dataText(ev.data) : '').replace(/\r\n|\r/g, '\n'),
    });
  }
  return { events, retries };
}

function encodeAll(events: SseEvent[]): { wire: string; accepted: SseEvent[] } {
  let wire = '';
  const accepted: SseEvent[] = [];
  for (const ev of events) {
    let chunk: string;
    try {
      chunk = encodeEvent(ev);
    } catch (err) {
      // Refused: it must be for a reason the rules name.
      assert.ok(err instanceof SluiceError, String(err));
      if (err.code === 'SLUICE_SSE_FIELD') {
        assert.ok(/[\r\n\0]/.test(ev.id ?? '') || /[\r\n\0]/.test(ev.event ?? ''));
      } else if (err.code === 'SLUICE_SSE_DATA') {
        assert.ok('data' in ev && JSON.stringify(ev.data) === undefined);
      } else {
        assert.equal(err.code, 'SLUICE_SSE_RETRY');
        assert.ok(!(Number.isSafeInteger(ev.retry) && (ev.retry ?? -1) >= 0));
      }
      continue;
    }
    assert.ok(chunk.endsWith('\n\n'));
    wire += chunk;
    accepted.push(ev);
  }
  return { wire, accepted };
}

void describe('encoder round trip through eventsource-parser (property)', () => {
  const scenario = fc.record({
    events: fc.array(sseEvent, { maxLength: 6 }),
    bom: fc.boolean(),
    comment: fc.option(text, { nil: undefined }),
  });

  void test('random events, fed one byte at a time, round-trip exactly or are refused', () => {
    fc.assert(
      fc.property(scenario, ({ events, bom, comment }) => {
        const { wire, accepted } = encodeAll(events);
        const full =
          (bom ? '\uFEFF' : '') + (comment === undefined ? '' : encodeComment(comment)) + wire;
        const bytes = new TextEncoder().encode(full);
        const cuts = Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1);
        const got = oracle(bytes, cuts);
        const want = expected(accepted);
        assert.deepEqual(got.events, want.events);
        assert.deepEqual(got.retries, want.retries);
      }),
      { numRuns: 300 },
    );
  });

  void test('random events, split at random points, round-trip exactly or are refused', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.nat(), { maxLength: 8 }),
        ({ events, bom, comment }, rawCuts) => {
          const { wire, accepted } = encodeAll(events);
          const full =
            (bom ? '\uFEFF' : '') + (comment === undefined ? '' : encodeComment(comment)) + wire;
          const bytes = new TextEncoder().encode(full);
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const got = oracle(bytes, cuts);
          const want = expected(accepted);
          assert.deepEqual(got.events, want.events);
          assert.deepEqual(got.retries, want.retries);
        },
      ),
      { numRuns: 500 },
    );
  });

  void test('a comment never yields an event and comes back line by line', () => {
    fc.assert(
      fc.property(text, (c) => {
        const got = oracle(new TextEncoder().encode(encodeComment(c)), []);
        assert.deepEqual(got.events, []);
        assert.deepEqual(got.comments, c.split(/\r\n|\r|\n/));
      }),
    );
  });

  void test('a BOM at stream start is not part of the first field', () => {
    const got = oracle(
      new TextEncoder().encode('\uFEFF' + encodeEvent({ event: 'e', data: 'x' })),
      [1, 2],
    );
    assert.deepEqual(got.events, [{ id: undefined, event: 'e', data: 'x' }]);
  });
});
