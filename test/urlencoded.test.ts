import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpError } from '../src/errors/index.js';
import { parseQuery, parseUrlEncoded } from '../src/http/urlencoded.js';

const plain = (o: object): object => ({ ...o });

function throwsCode(fn: () => unknown, code: string, status = 400): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HttpError);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    return true;
  });
}

void describe('parseUrlEncoded', () => {
  void it('decodes fields (table)', () => {
    const table: [string, Record<string, string | string[]>][] = [
      ['', {}],
      ['a=1', { a: '1' }],
      ['a=1&b=2', { a: '1', b: '2' }],
      ['a=hello+world', { a: 'hello world' }],
      ['a=%2B%20%26%3D', { a: '+ &=' }],
      ['n=J%C3%BCrgen', { n: 'Jürgen' }],
      ['e=%F0%9F%98%80', { e: '😀' }],
      ['a+b=c+d', { 'a b': 'c d' }],
      ['a', { a: '' }],
      ['a=', { a: '' }],
      ['=x', { '': 'x' }],
      ['a=1=2', { a: '1=2' }],
      ['a=1&&b=2&', { a: '1', b: '2' }],
      ['&&&', {}],
      ['t=1&t=2&t=3', { t: ['1', '2', '3'] }],
      ['t=1&u=x&t=2', { t: ['1', '2'], u: 'x' }],
      ['a[]=1&a[]=2', { 'a[]': ['1', '2'] }],
      ['a%5B%5D=1', { 'a[]': '1' }],
      ['a[b]=1', { 'a[b]': '1' }],
    ];
    for (const [text, want] of table) assert.deepEqual(plain(parseUrlEncoded(text)), want, text);
  });

  void it('never pollutes prototypes: the result has a null prototype', () => {
    const got = parseUrlEncoded('__proto__=x&constructor=y&toString=z&hasOwnProperty=w');
    assert.equal(Object.getPrototypeOf(got), null);
    assert.equal(got['__proto__'], 'x');
    assert.equal(got['constructor'], 'y');
    assert.equal(got['toString'], 'z');
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
    const again = parseUrlEncoded('__proto__=a&__proto__=b');
    assert.deepEqual(again['__proto__'], ['a', 'b']);
  });

  void it('refuses malformed escapes and non-UTF-8 with SLUICE_FORM_INVALID 400', () => {
    for (const text of ['a=%zz', 'a=%4', 'a=%', '%zz=1', 'a=%ff', 'a=%C3', 'a=%ED%A0%80']) {
      throwsCode(() => parseUrlEncoded(text), 'SLUICE_FORM_INVALID');
    }
  });

  void it('counts pairs against maxKeys (default 1000) and answers 400 SLUICE_TOO_MANY_FIELDS', () => {
    const at = Array.from({ length: 1000 }, (_, i) => `k${i}=v`).join('&');
    assert.equal(Object.keys(parseUrlEncoded(at)).length, 1000);
    throwsCode(() => parseUrlEncoded(`${at}&x=1`), 'SLUICE_TOO_MANY_FIELDS');
    throwsCode(() => parseUrlEncoded('a=1&a=2&a=3', { maxKeys: 2 }), 'SLUICE_TOO_MANY_FIELDS');
    assert.deepEqual(plain(parseUrlEncoded('a=1&&&b=2', { maxKeys: 2 })), { a: '1', b: '2' });
  });

  void it('round-trips URLSearchParams output (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 8 }), (pairs) => {
        const text = new URLSearchParams(pairs).toString();
        const got = parseUrlEncoded(text);
        const want = Object.create(null) as Record<string, string | string[]>;
        for (const [k, v] of new URLSearchParams(text)) {
          const prev = want[k];
          want[k] = prev === undefined ? v : typeof prev === 'string' ? [prev, v] : [...prev, v];
        }
        assert.deepEqual(plain(got), plain(want));
      }),
      { numRuns: 300 },
    );
  });
});

void describe('parseQuery', () => {
  void it('follows the same rules and ignores a leading ?', () => {
    assert.deepEqual(plain(parseQuery('?a=1&a=2&b=x+y')), { a: ['1', '2'], b: 'x y' });
    assert.deepEqual(plain(parseQuery('a=1')), { a: '1' });
    assert.deepEqual(plain(parseQuery('?')), {});
    assert.equal(Object.getPrototypeOf(parseQuery('?__proto__=1')), null);
  });

  void it('keeps malformed escapes raw, decoding valid runs (table)', () => {
    const table: [string, Record<string, string>][] = [
      ['a=%zz', { a: '%zz' }],
      ['a=%', { a: '%' }],
      ['a=100%', { a: '100%' }],
      ['a=%ff', { a: '%ff' }],
      ['a=%zz%20b', { a: '%zz b' }],
      ['a=%C3%BC%ff', { a: '%C3%BC%ff' }],
      ['a=%C3%BC+%zz', { a: 'ü %zz' }],
      ['%zz=%41', { '%zz': 'A' }],
    ];
    for (const [text, want] of table) assert.deepEqual(plain(parseQuery(text)), want, text);
  });

  void it('enforces maxKeys too', () => {
    throwsCode(() => parseQuery('?a&b&c', { maxKeys: 2 }), 'SLUICE_TOO_MANY_FIELDS');
  });

  void it('never throws anything but the field limit on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        parseQuery(s);
      }),
    );
  });
});
