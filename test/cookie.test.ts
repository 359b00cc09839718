import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SluiceError } from '../src/errors/index.js';
import { parseCookieHeader, serializeCookie, type CookieOptions } from '../src/http/cookie.js';
import { inheritsNothing } from './helpers/server.js';

function throwsConfig(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_CONFIG');
    assert.match(err.message, re);
    return true;
  });
}

void describe('serializeCookie', () => {
  void it('builds Set-Cookie values (table)', () => {
    const expires = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
    const table: [string, string, CookieOptions, string][] = [
      ['sid', 'abc123', {}, 'sid=abc123'],
      ['sid', '', {}, 'sid='],
      ['sid', 'a b', {}, 'sid=a%20b'],
      ['sid', 'a;b,c"d\\e', {}, 'sid=a%3Bb%2Cc%22d%5Ce'],
      ['sid', 'é', {}, 'sid=%C3%A9'],
      ['sid', "a-b_c.d~e!f'g(h)i*", {}, "sid=a-b_c.d~e!f'g(h)i*"],
      ['tok', 'x+y/z=', {}, 'tok=x%2By%2Fz%3D'],
      ['sid', 'v', { maxAge: 3600 }, 'sid=v; Max-Age=3600'],
      ['sid', 'v', { maxAge: 0 }, 'sid=v; Max-Age=0'],
      ['sid', 'v', { maxAge: -1 }, 'sid=v; Max-Age=0'],
      ['sid', 'v', { expires }, 'sid=v; Expires=Wed, 02 Jan 2030 03:04:05 GMT'],
      ['sid', 'v', { path: '/', domain: 'example.com' }, 'sid=v; Domain=example.com; Path=/'],
      ['sid', 'v', { domain: '.sub.example.com' }, 'sid=v; Domain=.sub.example.com'],
      ['sid', 'v', { httpOnly: true, secure: true }, 'sid=v; HttpOnly; Secure'],
      ['sid', 'v', { sameSite: 'Lax' }, 'sid=v; SameSite=Lax'],
      ['sid', 'v', { sameSite: 'Strict' }, 'sid=v; SameSite=Strict'],
      ['sid', 'v', { sameSite: 'None', secure: true }, 'sid=v; Secure; SameSite=None'],
      [
        'sid',
        'v',
        { partitioned: true, secure: true, sameSite: 'None' },
        'sid=v; Secure; Partitioned; SameSite=None',
      ],
      ['sid', 'v', { httpOnly: false, secure: false }, 'sid=v'],
      ['__Secure-id', 'v', { secure: true }, '__Secure-id=v; Secure'],
      ['__Host-id', 'v', { secure: true, path: '/' }, '__Host-id=v; Path=/; Secure'],
      [
        'sid',
        'v',
        {
          maxAge: 60,
          domain: 'a.io',
          path: '/x',
          expires,
          httpOnly: true,
          secure: true,
          sameSite: 'Lax',
        },
        'sid=v; Max-Age=60; Domain=a.io; Path=/x; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Secure; SameSite=Lax',
      ],
    ];
    for (const [name, value, opts, want] of table) {
      assert.equal(serializeCookie(name, value, opts), want, want);
    }
    assert.equal(serializeCookie('a', 'b'), 'a=b');
  });

  void it('throws SLUICE_CONFIG for invalid names and attributes (table)', () => {
    const table: [string, string, CookieOptions, RegExp][] = [
      ['', 'v', {}, /not a token/],
      ['a b', 'v', {}, /not a token/],
      ['a;b', 'v', {}, /not a token/],
      ['a=b', 'v', {}, /not a token/],
      ['na\u00efve', 'v', {}, /not a token/],
      ['sid', '\ud800', {}, /lone surrogate/],
      ['sid', 'v', { maxAge: 1.5 }, /maxAge/],
      ['sid', 'v', { maxAge: Infinity }, /maxAge/],
      ['sid', 'v', { maxAge: NaN }, /maxAge/],
      ['sid', 'v', { expires: new Date(NaN) }, /expires/],
      ['sid', 'v', { path: '/a;b' }, /path/],
      ['sid', 'v', { path: '/a\nb' }, /path/],
      ['sid', 'v', { domain: 'ex ample.com' }, /domain/],
      ['sid', 'v', { domain: 'a.com;x' }, /domain/],
      ['sid', 'v', { domain: '-a.com' }, /domain/],
      ['sid', 'v', { sameSite: 'lax' as 'Lax' }, /sameSite/],
      ['sid', 'v', { sameSite: 'None' }, /needs secure/],
      ['sid', 'v', { partitioned: true }, /needs secure/],
      ['__Secure-id', 'v', {}, /__Secure-/],
      ['__Host-id', 'v', { secure: true }, /__Host-/],
      ['__Host-id', 'v', { secure: true, path: '/', domain: 'a.com' }, /__Host-/],
    ];
    for (const [name, value, opts, re] of table)
      throwsConfig(() => serializeCookie(name, value, opts), re);
  });
});

void describe('parseCookieHeader', () => {
  void it('parses Cookie headers (table)', () => {
    const table: [string | undefined, Record<string, string>][] = [
      [undefined, {}],
      ['', {}],
      ['a=1', { a: '1' }],
      ['a=1; b=2', { a: '1', b: '2' }],
      ['a=1;b=2;  c=3 ', { a: '1', b: '2', c: '3' }],
      ['a=1; a=2', { a: '1' }],
      ['a="quoted"', { a: 'quoted' }],
      ['a="', { a: '"' }],
      ['a=x%20y', { a: 'x y' }],
      ['a=%E0%A4%A', { a: '%E0%A4%A' }],
      ['a=100%', { a: '100%' }],
      ['a=b=c', { a: 'b=c' }],
      ['flag; a=1', { a: '1' }],
      ['=v; a=1', { a: '1' }],
      ['a=', { a: '' }],
      [';;; a=1 ;;', { a: '1' }],
      ['\ta\t=\t1\t', { a: '1' }],
    ];
    for (const [header, want] of table)
      assert.deepEqual({ ...parseCookieHeader(header) }, want, header);
  });

  void it('returns a map with nothing inherited, so __proto__ is an ordinary name', () => {
    const got = parseCookieHeader('__proto__=x; constructor=y');
    // The `cookie` package's map has a prototype with no keys at all (not Object.prototype).
    assert.ok(inheritsNothing(got), 'nothing inherited');
    assert.equal('toString' in parseCookieHeader('a=1'), false);
    assert.deepEqual(Object.keys(got), ['__proto__', 'constructor']);
    assert.equal(got['__proto__'], 'x');
    assert.equal(got['constructor'], 'y');
  });

  void it('is linear on long runs of spaces', () => {
    const header = 'a=' + ' '.repeat(200_000) + 'x' + ' '.repeat(200_000) + ';b=1';
    const start = Date.now();
    assert.equal(parseCookieHeader(header)['b'], '1');
    assert.ok(Date.now() - start < 500);
  });

  void it('round-trips any value through serializeCookie (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        const set = serializeCookie('k', value);
        assert.equal(parseCookieHeader(set)['k'], value);
      }),
      { numRuns: 300 },
    );
  });
});
