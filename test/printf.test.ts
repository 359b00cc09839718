import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { formatPrintf, formatValue } from '../src/http/printf.js';

void describe('formatPrintf', () => {
  void it('formats each verb (table)', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular['self'] = circular;
    const table: [string, unknown[], string][] = [
      ['plain text', [], 'plain text'],
      ['%s', ['x'], 'x'],
      ['%s|%s|%s', [1, true, null], '1|true|null'],
      ['%s', [undefined], 'undefined'],
      ['%s', [{ a: 1 }], '{"a":1}'],
      ['%d', [42], '42'],
      ['%d', [-7], '-7'],
      ['%d', [1.5], '1.5'],
      ['%d', ['12'], '12'],
      ['%d', [12n], '12'],
      ['%d', [-0], '0'],
      ['%d', ['x'], 'NaN'],
      ['%d', [Symbol('s')], 'NaN'],
      ['%i', [1.9], '1'],
      ['%i', [-1.9], '-1'],
      ['%i', [-0.5], '0'],
      ['%i', ['42'], '42'],
      ['%i', [2n ** 70n], '1180591620717411303424'],
      ['%f', [3.14], '3.140000'],
      ['%f', [1], '1.000000'],
      ['%.2f', [3.14159], '3.14'],
      ['%.0f', [2.5], '3'],
      ['%f', [Infinity], 'Infinity'],
      ['%f', [NaN], 'NaN'],
      ['%v', ['s'], 's'],
      ['%v', [[1, 'a']], '[1,"a"]'],
      ['%v', [{ a: { b: 2 } }], '{"a":{"b":2}}'],
      ['%v', [new Error('boom')], 'Error: boom'],
      ['%v', [new TypeError('bad')], 'TypeError: bad'],
      ['%v', [new Date(0)], '1970-01-01T00:00:00.000Z'],
      ['%v', [new Map([['k', 1]])], "Map(1) { 'k' => 1 }"],
      ['%v', [new Set([1])], 'Set(1) { 1 }'],
      ['%v', [new Uint8Array([1, 2])], 'Uint8Array(2) [ 1, 2 ]'],
      ['%v', [circular], inspect(circular)],
      ['%v', [{ n: 1n }], inspect({ n: 1n })],
      ['%v', [10n], '10'],
      ['%j', [{ a: [1, 'b'] }], '{"a":[1,"b"]}'],
      ['%j', ['s'], '"s"'],
      ['%j', [undefined], 'undefined'],
      ['%j', [circular], '[Circular]'],
      ['%o', [{ a: 1 }], inspect({ a: 1 }, { showHidden: true, showProxy: true, depth: 4 })],
      ['%o', [[1]], '[ 1, [length]: 1 ]'],
      ['100%%', [], '100%'],
      ['%%s', ['x'], '%s x'],
      ['%d%%', [50], '50%'],
    ];
    for (const [format, args, want] of table) {
      assert.equal(formatPrintf(format, args), want, `${format} ${inspect(args)}`);
    }
  });

  void it('supports Go width, precision and flags (table)', () => {
    const table: [string, unknown[], string][] = [
      ['%5d', [42], '   42'],
      ['%-5d|', [42], '42   |'],
      ['%05d', [42], '00042'],
      ['%05d', [-42], '-0042'],
      ['%+d', [5], '+5'],
      ['%+d', [-5], '-5'],
      ['% d', [5], ' 5'],
      ['%+05d', [5], '+0005'],
      ['%-05d|', [5], '5    |'],
      ['%.3d', [7], '007'],
      ['%6.3d', [-7], '  -007'],
      ['%06.3d', [7], '   007'],
      ['%2d', [12345], '12345'],
      ['%8.3f', [3.14159], '   3.142'],
      ['%-8.2f|', [3.14159], '3.14    |'],
      ['%08.2f', [-3.14159], '-0003.14'],
      ['%+.1f', [2], '+2.0'],
      ['%05d', [NaN], '  NaN'],
      ['%5s', ['ab'], '   ab'],
      ['%-5s|', ['ab'], 'ab   |'],
      ['%.2s', ['abcdef'], 'ab'],
      ['%5.1s|', ['xyz'], '    x|'],
      ['%3s|', ['😀'], '  😀|'],
      ['%.1s', ['😀x'], '😀'],
      ['%05s', ['ab'], '   ab'],
      ['%6v', [true], '  true'],
      ['%-4j|', [1], '1   |'],
      ['%.200f', [1], (1).toFixed(100)],
    ];
    for (const [format, args, want] of table) {
      assert.equal(formatPrintf(format, args), want, `${format} ${inspect(args)}`);
    }
  });

  void it('prints a directive with no argument left as written, like util.format', () => {
    assert.equal(formatPrintf('%d and %s', [1]), '1 and %s');
    assert.equal(formatPrintf('%5.2f', []), '%5.2f');
    assert.equal(formatPrintf('%-05d!', []), '%-05d!');
  });

  void it('prints unknown verbs and a trailing % as written, consuming no argument', () => {
    assert.equal(formatPrintf('%z %s', ['a']), '%z a');
    assert.equal(formatPrintf('%5q %d', [1]), '%5q 1');
    assert.equal(formatPrintf('50%', []), '50%');
    assert.equal(formatPrintf('50%', [1]), '50% 1');
    assert.equal(formatPrintf('%-', ['x']), '%- x');
  });

  void it('appends extra arguments separated by spaces, formatted as %v', () => {
    assert.equal(formatPrintf('a', [1, 'b', { c: 2 }]), 'a 1 b {"c":2}');
    assert.equal(formatPrintf('%s', ['x', 'y', null]), 'x y null');
    assert.equal(formatPrintf('', ['x']), ' x');
  });

  void it('formatValue covers functions and symbols', () => {
    assert.equal(
      formatValue(function named() {}),
      '[Function: named]',
    );
    assert.equal(formatValue(Symbol('s')), 'Symbol(s)');
    assert.equal(formatValue(new Date(NaN)), 'Invalid Date');
    assert.equal(formatValue({ toJSON: () => 'j' }), '"j"');
  });
});
