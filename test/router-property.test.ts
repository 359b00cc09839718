import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compilePattern, comparePriority, createPathMatcher, Router } from '../src/router/index.js';

const segmentChars = fc.constantFrom(...'abcxyz019-._~%:@!$'.split(''));
const literalSegment = fc
  .string({ unit: segmentChars, minLength: 1, maxLength: 6 })
  .filter((s) => !s.startsWith(':'));
const staticPath = fc
  .array(literalSegment, { minLength: 0, maxLength: 5 })
  .map((segs) => '/' + segs.join('/'));

describe('router properties', () => {
  test('a static route always matches itself exactly, with or without a trailing slash', () => {
    fc.assert(
      fc.property(fc.uniqueArray(staticPath, { minLength: 1, maxLength: 12 }), (paths) => {
        const router = new Router<string>();
        for (const p of paths) router.add('GET', p, p);
        for (const p of paths) {
          for (const request of p === '/' ? [p] : [p, p + '/']) {
            const m = router.match('GET', undefined, request);
            assert.equal(m.kind, 'found');
            if (m.kind === 'found') {
              assert.equal(m.value, p);
              assert.deepEqual(Object.keys(m.params), []);
            }
          }
        }
      }),
    );
  });

  test('matching never throws, whatever the method, host and path', () => {
    const router = new Router<number>();
    const patterns = ['/', '/a', '/a/:b', '/a/{c}.{d}', '/x-{y}', '/f/*rest', '/*any', '/p/{q}/:r'];
    patterns.forEach((p, i) => router.add(i % 2 ? 'GET' : 'ALL', p, i));
    router.add('POST', '/d/:x', 99, 'example.com');
    const matchers = patterns.map((p) => createPathMatcher(p));
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.string(), { nil: undefined }),
        fc.string(),
        (method, host, path) => {
          router.match(method, host, path);
          router.match('GET', host, '/' + path);
          for (const m of matchers) m(host, '/' + path);
        },
      ),
    );
  });

  test('a :param captures any segment text, percent-decoded', () => {
    const router = new Router<string>();
    router.add('GET', '/u/:id/tail', 'u');
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), (text) => {
        const m = router.match('GET', undefined, `/u/${encodeURIComponent(text)}/tail`);
        assert.equal(m.kind, 'found');
        if (m.kind === 'found') assert.equal(m.params['id'], text);
      }),
    );
  });

  // Model check: the indexed router picks the same route as a brute-force scan of every route.
  const patternSegment = fc.constantFrom('a', 'b', 'ab', ':p', '{q}', 'a{r}', '{s}b', '{t}.{u}');
  const pattern = fc
    .tuple(fc.array(patternSegment, { maxLength: 3 }), fc.boolean())
    .map(([segs, wild]) => {
      // Parameter names must be unique within a pattern: suffix them with their position.
      const named = segs.map((s, i) => s.replace(/(:|\{)(\w)/g, `$1$2${i}`));
      return '/' + [...named, ...(wild ? ['*w'] : [])].join('/');
    });
  const binding = fc.record({
    method: fc.constantFrom('GET', 'POST', 'ALL', 'HEAD'),
    path: pattern,
    domain: fc.constantFrom(undefined, 'example.com'),
  });
  const requestPath = fc
    .array(fc.constantFrom('a', 'b', 'ab', 'aab', 'x.y', 'b.b', 'ax', ''), { maxLength: 5 })
    .map((segs) => '/' + segs.join('/'));

  test('the router agrees with a brute-force scan of every route', () => {
    fc.assert(
      fc.property(
        fc.array(binding, { maxLength: 14 }),
        fc.array(
          fc.tuple(
            fc.constantFrom('GET', 'POST', 'HEAD', 'PUT'),
            fc.constantFrom(undefined, 'example.com'),
            requestPath,
          ),
          { minLength: 1, maxLength: 10 },
        ),
        (bindings, requests) => {
          const router = new Router<number>();
          const accepted: Array<(typeof bindings)[number] & { id: number; entryOrder: number }> =
            [];
          bindings.forEach((b, id) => {
            try {
              router.add(b.method, b.path, id, b.domain);
            } catch {
              return; // a duplicate: refused, and the model skips it too
            }
            const firstSame = accepted.find((a) => a.path === b.path && a.domain === b.domain);
            accepted.push({ ...b, id, entryOrder: firstSame?.entryOrder ?? id });
          });
          for (const [method, host, path] of requests) {
            const score = (m: string): number =>
              m === method ? 3 : method === 'HEAD' && m === 'GET' ? 2 : m === 'ALL' ? 1 : 0;
            const candidates = accepted
              .map((b) => ({ b, params: createPathMatcher(b.path, b.domain)(host, path) }))
              .filter((c) => c.params !== null && score(c.b.method) > 0)
              .sort(
                (x, y) =>
                  Number(y.b.domain !== undefined) - Number(x.b.domain !== undefined) ||
                  comparePriority(compilePattern(x.b.path), compilePattern(y.b.path)) ||
                  score(y.b.method) - score(x.b.method) ||
                  x.b.entryOrder - y.b.entryOrder,
              );
            const m = router.match(method, host, path);
            const best = candidates[0];
            if (best === undefined) assert.notEqual(m.kind, 'found', `${method} ${path}`);
            else {
              assert.equal(m.kind, 'found', `${method} ${path}`);
              if (m.kind === 'found') {
                assert.equal(m.value, best.b.id, `${method} ${host} ${path}`);
                assert.deepEqual({ ...m.params }, { ...best.params });
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
