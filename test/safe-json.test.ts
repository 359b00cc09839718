import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpError } from '../src/errors/index.js';
import { MAX_JSON_DEPTH, parseJsonBody } from '../src/http/safe-json.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

function rejects(input: Uint8Array | string, code: string): HttpError {
  const buf = typeof input === 'string' ? bytes(input) : input;
  try {
    parseJsonBody(buf);
  } catch (err) {
    assert.ok(err instanceof HttpError, `expected HttpError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected ${code} for ${JSON.stringify(String(input))}`);
}

const nest = (depth: number, open = '[', close = ']'): string =>
  open.repeat(depth) + close.repeat(depth);
const nestObj = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

void describe('parseJsonBody', () => {
  void it('parses valid JSON values of every kind', () => {
    const table: [string, unknown][] = [
      ['{"a":[1,2,{"b":null}],"c":"x"}', { a: [1, 2, { b: null }], c: 'x' }],
      ['[]', []],
      ['"str"', 'str'],
      ['  42 ', 42],
      ['true', true],
      ['null', null],
      ['{"s":"\\"}\\\\"}', { s: '"}\\' }],
      ['{"u":"\\u00e9\u00e9"}', { u: 'éé' }],
    ];
    for (const [text, want] of table) assert.deepEqual(parseJsonBody(bytes(text)), want, text);
  });

  void it('returns undefined for an empty body', () => {
    assert.equal(parseJsonBody(new Uint8Array(0)), undefined);
  });

  void it('ignores one leading UTF-8 BOM (RFC 8259 §8.1 allows it) but not two', () => {
    const bom = [0xef, 0xbb, 0xbf];
    assert.deepEqual(parseJsonBody(new Uint8Array([...bom, ...bytes('{"a":1}')])), { a: 1 });
    assert.equal(parseJsonBody(new Uint8Array(bom)), undefined);
    rejects(new Uint8Array([...bom, ...bom, ...bytes('{}')]), 'SLUICE_JSON_INVALID');
  });

  void it('refuses invalid UTF-8 with SLUICE_INVALID_UTF8', () => {
    for (const bad of [[0xff], [0x22, 0xc3, 0x22], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      rejects(new Uint8Array(bad), 'SLUICE_INVALID_UTF8');
    }
  });

  void it(`accepts nesting of exactly ${MAX_JSON_DEPTH} and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    assert.ok(Array.isArray(parseJsonBody(bytes(nest(64)))));
    assert.equal(typeof parseJsonBody(bytes(nestObj(64))), 'object');
    rejects(nest(65), 'SLUICE_JSON_TOO_DEEP');
    rejects(nestObj(65), 'SLUICE_JSON_TOO_DEEP');
    rejects('[{"a":' + nest(64) + '}]', 'SLUICE_JSON_TOO_DEEP');
  });

  void it('accepts many shallow brackets (more opening brackets than the depth limit, depth 3)', () => {
    // More than MAX_JSON_DEPTH opening brackets in all: the bracket count cannot rule the body
    // in, so the exact scan runs and must accept it.
    const wide = `[${Array.from({ length: 200 }, () => '{"a":[1]}').join(',')}]`;
    assert.equal((parseJsonBody(bytes(wide)) as unknown[]).length, 200);
    // And a deep one hidden behind as many shallow ones is still found.
    rejects(
      `[${Array.from({ length: 200 }, () => '[]').join(',')},${nest(64)}]`,
      'SLUICE_JSON_TOO_DEEP',
    );
  });

  void it('refuses very deep input before JSON.parse could overflow the stack', () => {
    rejects(nest(1_000_000), 'SLUICE_JSON_TOO_DEEP');
    rejects('['.repeat(1_000_000), 'SLUICE_JSON_TOO_DEEP');
  });

  void it('does not count brackets inside strings, escaped quotes included', () => {
    const s = JSON.stringify('['.repeat(200) + '"\\' + '{'.repeat(200));
    assert.deepEqual(parseJsonBody(bytes(`[${s}]`)), [JSON.parse(s)]);
    assert.deepEqual(parseJsonBody(bytes(`{"k\\\\":${s}}`)), { 'k\\': JSON.parse(s) });
    // An escaped backslash before the closing quote ends the string: the brackets after count.
    rejects('["\\\\",' + nest(64) + ']', 'SLUICE_JSON_TOO_DEEP');
  });

  void it('refuses __proto__ keys at any depth and in any spelling', () => {
    const table = [
      '{"__proto__":{"x":1}}',
      '{"__proto__":1}',
      '{"a":[{"b":{"__proto__":null}}]}',
      '{"\\u005f_proto__":{}}',
      '{"\\u005F\\u005Fproto\\u005f\\u005f":{}}',
      '{"__pro\\u0074o__":{}}',
      '[1,{"__proto__":[]}]',
    ];
    for (const text of table) rejects(text, 'SLUICE_JSON_FORBIDDEN_KEY');
  });

  void it('refuses constructor.prototype in any spelling but allows other constructor values', () => {
    rejects('{"constructor":{"prototype":{"x":1}}}', 'SLUICE_JSON_FORBIDDEN_KEY');
    rejects('{"a":{"constructor":{"prototype":null}}}', 'SLUICE_JSON_FORBIDDEN_KEY');
    rejects('{"\\u0063onstructor":{"pro\\u0074otype":1}}', 'SLUICE_JSON_FORBIDDEN_KEY');
    assert.deepEqual(parseJsonBody(bytes('{"constructor":"x"}')), { constructor: 'x' });
    assert.deepEqual(parseJsonBody(bytes('{"constructor":{"name":"x"}}')), {
      constructor: { name: 'x' },
    });
    assert.deepEqual(parseJsonBody(bytes('{"prototype":{},"proto":1}')), {
      prototype: {},
      proto: 1,
    });
    assert.deepEqual(parseJsonBody(bytes('{"v":"__proto__"}')), { v: '__proto__' });
  });

  void it('reports malformed JSON with a position and without echoing the input', () => {
    const table: [string, RegExp][] = [
      ['{"secret":x}', /unexpected character at line 1, column 11/],
      ['{"a":1,}', /expected a double-quoted property name at line 1, column 8/],
      ['[1', /unexpected end of input at line 1, column 3/],
      ['{\n  "a": 1\n  "b": 2}', /expected ',' or '}' after property value at line 3, column 3/],
      ['"tab\there"', /control character in string at line 1, column 5/],
      ['"bad \\x"', /bad escape in string/],
      ['01', /unexpected data after the JSON value at line 1, column 2/],
      ['{} {}', /unexpected data after the JSON value at line 1, column 4/],
      ['   ', /unexpected end of input/],
      ['tru', /unexpected character at line 1, column 1/],
    ];
    for (const [text, re] of table) {
      const err = rejects(text, 'SLUICE_JSON_INVALID');
      assert.match(err.message, re, text);
      assert.ok(!err.message.includes('secret'), 'input must not be echoed');
    }
  });

  void it('agrees with JSON.parse on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'small' }), (text) => {
        const want: unknown = JSON.parse(text);
        let got: unknown;
        try {
          got = parseJsonBody(bytes(text));
        } catch (err) {
          // Only the forbidden keys may be refused; fc.json can generate "__proto__".
          assert.equal((err as HttpError).code, 'SLUICE_JSON_FORBIDDEN_KEY');
          return;
        }
        assert.deepEqual(got, want);
      }),
      { numRuns: 300 },
    );
  });

  void it('only ever throws coded 400s on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        try {
          parseJsonBody(bytes(text));
        } catch (err) {
          assert.ok(err instanceof HttpError);
          assert.equal(err.status, 400);
        }
      }),
      { numRuns: 500 },
    );
  });

  void it('parses a typical 1 KB body quickly', () => {
    const body = bytes(
      JSON.stringify({
        items: Array.from({ length: 20 }, (_, i) => ({
          id: i,
          name: `item ${i}`,
          tags: ['a', 'b'],
        })),
      }),
    );
    assert.ok(body.length > 700 && body.length < 1500, String(body.length));
    const start = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) parseJsonBody(body);
    const perCallUs = Number(process.hrtime.bigint() - start) / 10_000 / 1000;
    assert.ok(perCallUs < 250, `took ${perCallUs.toFixed(1)} µs per call`);
  });
});
