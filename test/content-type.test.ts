import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isJsonType, parseContentType, parseContentTypeStrict } from '../src/http/content-type.js';
import { inheritsNothing } from './helpers/server.js';

const plain = (v: ReturnType<typeof parseContentType>) =>
  v ? { type: v.type, params: { ...v.params } } : v;

void describe('parseContentType', () => {
  void it('parses valid media types (table)', () => {
    const table: [string, string, Record<string, string>][] = [
      ['application/json', 'application/json', {}],
      ['Application/JSON', 'application/json', {}],
      ['text/plain; charset=utf-8', 'text/plain', { charset: 'utf-8' }],
      ['text/plain;charset=UTF-8', 'text/plain', { charset: 'UTF-8' }],
      ['text/plain ; CharSet=utf-8', 'text/plain', { charset: 'utf-8' }],
      ['text/plain;\tcharset=utf-8', 'text/plain', { charset: 'utf-8' }],
      ['multipart/form-data; boundary="a b;c=d"', 'multipart/form-data', { boundary: 'a b;c=d' }],
      ['a/b; q="x\\"y\\\\z"', 'a/b', { q: 'x"y\\z' }],
      ['a/b; q=""', 'a/b', { q: '' }],
      ['a/b;', 'a/b', {}],
      ['a/b;;c=d', 'a/b', { c: 'd' }],
      ['application/vnd.api+json', 'application/vnd.api+json', {}],
      ['  application/json  ', 'application/json', {}],
      // Trailing HTAB is OWS around the field value (Node trims it too), so it is dropped.
      ['application/json\t', 'application/json', {}],
      ['a/b; __proto__=x', 'a/b', { ['__proto__']: 'x' }],
    ];
    for (const [header, type, params] of table) {
      const got = parseContentType(header);
      assert.ok(got, header);
      assert.equal(got.type, type, header);
      assert.deepEqual({ ...got.params }, params, header);
    }
  });

  void it('gives the params nothing inherited, so __proto__ is an ordinary name', () => {
    const got = parseContentType('a/b; __proto__=x');
    // fast-content-type-parse's map has a prototype with no keys at all (not Object.prototype).
    assert.ok(inheritsNothing(got!.params), 'nothing inherited');
    assert.equal('toString' in (parseContentType('a/b; c=d')?.params ?? {}), false);
    assert.equal(got?.params['__proto__'], 'x');
  });

  void it('returns null for malformed values (table)', () => {
    const table: (string | undefined)[] = [
      undefined,
      '',
      '   ',
      'application',
      'application/',
      '/json',
      'application/json\tfoo',
      'application/json foo',
      'application /json',
      'application/ json',
      'app lication/json',
      'text/plain; charset = utf-8',
      'text/plain; charset= utf-8',
      'text/plain; charset',
      'text/plain; charset=',
      'text/plain; charset="utf-8',
      'text/plain; charset="a"b',
      'text/plain; charset=utf-8; charset=latin1',
      'text/plain; Charset=a; charset=b',
      'text/plain, text/html',
      'text/plain; a=b c',
      'text/plain; a="\u0001"',
      'text/plain; a="é€"',
      'téxt/plain',
      'text/pl@in',
      'text/plain\u0000',
    ];
    for (const header of table)
      assert.equal(plain(parseContentType(header)), null, JSON.stringify(header));
  });

  void it('keeps the strict rules the library lacks: a repeated parameter, VT, Unicode spaces', () => {
    assert.equal(parseContentType('a/b; c=1; c=2'), null);
    assert.equal(parseContentType('a/b; c="x\u000by"'), null);
    assert.equal(parseContentType('\u00a0application/json'), null);
    assert.equal(parseContentType('application/json\u2028'), null);
    assert.deepEqual({ ...parseContentType('a/b; c="x=y"; d=1')?.params }, { c: 'x=y', d: '1' });
  });

  void it("gives exactly the strict parser's answer on any input (differential, property)", () => {
    const norm = (v: ReturnType<typeof parseContentType>) =>
      v ? { type: v.type, params: { ...v.params } } : null;
    const piece = fc.constantFrom(
      'text',
      'a',
      'B',
      '/',
      '+json',
      ';',
      '; ',
      ' ;',
      ';;',
      '=',
      '"',
      '\\',
      ' ',
      '\t',
      'charset',
      'utf-8',
      'x=1',
      'x=2',
      '"q;=r"',
      ',',
      '\u000b',
      '\u00a0',
      '\u2028',
      'é',
      '\u007f',
      '\u0000',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(piece, { maxLength: 12 }).map((xs) => xs.join('')),
          fc.string(),
        ),
        (header) => {
          assert.deepEqual(
            norm(parseContentType(header)),
            norm(parseContentTypeStrict(header)),
            JSON.stringify(header),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  void it('allows obs-text (0x80-0xFF) in quoted strings', () => {
    assert.equal(parseContentType('a/b; n="caf\u00e9"')?.params['n'], 'café');
  });
});

void describe('isJsonType', () => {
  void it('is true for application/json and application/*+json only (table)', () => {
    const table: [string | undefined, boolean][] = [
      ['application/json', true],
      ['APPLICATION/JSON; charset=utf-8', true],
      ['application/problem+json', true],
      ['application/vnd.api+json', true],
      ['application/merge-patch+json', true],
      ['application/+json', false],
      ['application/json-seq', false],
      ['application/jsonx', false],
      ['text/json', false],
      ['text/plain', false],
      ['application/x-www-form-urlencoded', false],
      ['application/json foo', false],
      [undefined, false],
    ];
    for (const [ct, want] of table) assert.equal(isJsonType(ct), want, String(ct));
  });

  void it('accepts an already-parsed value or null', () => {
    assert.equal(isJsonType(parseContentType('application/ld+json')), true);
    assert.equal(isJsonType(null), false);
  });
});
