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

  // The same model on wide literal fan-outs (a node with many literal children, shared first
  // characters, non-ASCII text, chains of literals the trie merges) and with the 405 answer:
  // when no route serves the method, Allow lists the methods of every route matching the path.
  const wideLiteral = fc.constantFrom(
    ...['a', 'ab', 'abc', 'b', 'ba', 'c', 'cd', 'd', 'e', 'é', 'ü', 'ab.c', 'x', 'y', 'z'],
  );
  const widePattern = fc
    .tuple(
      fc.array(fc.oneof(wideLiteral, wideLiteral, fc.constantFrom(':p', '{q}', '{s}.c')), {
        maxLength: 4,
      }),
      fc.boolean(),
    )
    .map(([segs, wild]) => {
      const named = segs.map((s, i) => s.replace(/(:|\{)(\w)/g, `$1$2${i}`));
      return '/' + [...named, ...(wild ? ['*w'] : [])].join('/');
    });
  const wideRequest = fc
    .array(fc.oneof(wideLiteral, fc.constantFrom('', 'ab.c.c', 'q')), { maxLength: 5 })
    .map((segs) => '/' + segs.join('/'));

  test('the router agrees with a brute-force scan on wide fan-outs, 405 Allow included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ method: fc.constantFrom('GET', 'POST', 'ALL', 'PUT'), path: widePattern }),
          { maxLength: 40 },
        ),
        fc.array(fc.tuple(fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE'), wideRequest), {
          minLength: 1,
          maxLength: 12,
        }),
        (bindings, requests) => {
          const router = new Router<number>();
          const accepted: Array<(typeof bindings)[number] & { id: number; entryOrder: number }> =
            [];
          bindings.forEach((b, id) => {
            try {
              router.add(b.method, b.path, id);
            } catch {
              return;
            }
            const firstSame = accepted.find((a) => a.path === b.path);
            accepted.push({ ...b, id, entryOrder: firstSame?.entryOrder ?? id });
          });
          for (const [method, path] of requests) {
            const score = (m: string): number =>
              m === method ? 3 : method === 'HEAD' && m === 'GET' ? 2 : m === 'ALL' ? 1 : 0;
            const matching = accepted
              .map((b) => ({ b, params: createPathMatcher(b.path)(undefined, path) }))
              .filter((c) => c.params !== null);
            const candidates = matching
              .filter((c) => score(c.b.method) > 0)
              .sort(
                (x, y) =>
                  comparePriority(compilePattern(x.b.path), compilePattern(y.b.path)) ||
                  score(y.b.method) - score(x.b.method) ||
                  x.b.entryOrder - y.b.entryOrder,
              );
            const m = router.match(method, undefined, path);
            const best = candidates[0];
            if (best !== undefined) {
              assert.equal(m.kind, 'found', `${method} ${path}`);
              if (m.kind === 'found') {
                assert.equal(m.value, best.b.id, `${method} ${path}`);
                assert.deepEqual({ ...m.params }, { ...best.params });
              }
            } else if (matching.length === 0) {
              assert.equal(m.kind, 'not-found', `${method} ${path}`);
            } else {
              const allow = new Set<string>(matching.map((c) => c.b.method));
              if (allow.has('GET')) allow.add('HEAD');
              allow.add('OPTIONS');
              assert.deepEqual(m, { kind: 'method-not-allowed', allow: [...allow].sort() });
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

// GoFrame compiles a pattern to one RE2 expression: each `:name` / `{name}` is `([^/]+)`, greedy,
// leftmost first. JavaScript's backtracking engine picks the same match, so it is the reference
// (on short paths: it is polynomial in the path length, which is the defect this guards against).
function goFrameRegex(pattern: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern
    .slice(1)
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg
        .split(/(\{\w+\})/)
        .map((piece) => {
          const name = /^\{(\w+)\}$/.exec(piece)?.[1];
          if (name === undefined) return piece.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
          names.push(name);
          return '([^/]+)';
        })
        .join('');
    })
    .join('/');
  return { re: new RegExp(`^/${source}$`), names };
}

function referenceMatch(pattern: string, path: string): Record<string, string> | null {
  const { re, names } = goFrameRegex(pattern);
  const m = re.exec(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
  return m === null ? null : Object.fromEntries(names.map((n, i) => [n, m[i + 1]!]));
}

/** The worst shapes for a backtracking matcher, with adversarial request paths of `n` characters. */
function adversarialCases(n: number): Array<[string, string]> {
  const fill = (unit: string, tail = ''): string =>
    unit.repeat(Math.ceil(n / unit.length)).slice(0, n - tail.length) + tail;
  return [
    ['/{y}-{m}-{d}.html', '/' + fill('a-')],
    ['/{y}-{m}-{d}.html', '/' + fill('-')],
    ['/{y}-{m}-{d}.html', '/' + fill('a-', '.htm')],
    ['/{y}-{m}-{d}.html', '/' + fill('a-', 'a.html')],
    ['/{a}-{b}-{c}-{d}-{e}.x', '/' + fill('a-')],
    ['/{a}.{b}.{c}.{d}', '/' + fill('.')],
    ['/{a}aa{b}a{c}ab', '/' + fill('a')],
    ['/{a}--{b}--{c}', '/' + fill('-')],
    ['/x{a}-{b}-{c}.json', '/x' + fill('a-').slice(1)],
    ['/p/{a}-{b}/{c}.{d}.{e}', '/p/' + fill('a-').slice(3) + '/' + fill('.').slice(0, 20)],
    ['/{a}-{b}/{c}-{d}-{e}!', '/a-b/' + fill('a-').slice(4)],
  ];
}

describe('template segments match in linear time, with the results of GoFrame regexes', () => {
  // Templates of several parameters separated by short, repetitive literals.
  const literal = fc.constantFrom('-', '--', '.', 'a', 'aa', '-a', 'a-', 'ab', '.html', 'x');
  const template = fc
    .tuple(fc.boolean(), fc.array(literal, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([lead, lits, trail]) => {
      const rest = lead ? lits.slice(1) : lits;
      let s = (lead ? lits[0]! : '') + '{P}';
      for (const l of rest) s += l + '{P}';
      return trail ? s + '.html' : s;
    });
  const pattern = fc
    .array(fc.oneof(template, template, fc.constantFrom('a', ':P')), { minLength: 1, maxLength: 3 })
    .map((segs) => {
      let n = 0;
      return '/' + segs.join('/').replace(/P/g, () => `p${n++}`);
    });
  // Paths from the literals' own characters: runs of separators, suffixes that almost occur.
  const segmentText = fc.oneof(
    fc.string({ unit: fc.constantFrom('a', '-', '.', 'b', 'x'), maxLength: 24 }),
    fc
      .tuple(fc.constantFrom('a-', '-', '.', 'a', 'a.', 'ab'), fc.nat({ max: 20 }), literal)
      .map(([unit, times, tail]) => unit.repeat(times) + tail),
  );
  const requestPath = fc
    .array(segmentText, { minLength: 1, maxLength: 3 })
    .map((segs) => '/' + segs.join('/'));

  // The pattern itself with each parameter replaced by text rich in the literals' characters:
  // a path that matches, often in several ways, or barely misses.
  const instance = (p: string): fc.Arbitrary<string> => {
    const holes = p.split(/\{\w+\}|:\w+/);
    return fc
      .array(segmentText, { minLength: holes.length - 1, maxLength: holes.length - 1 })
      .map((fills) => holes.reduce((path, hole, i) => path + fills[i - 1]! + hole));
  };
  const cases = pattern.chain((p) =>
    fc.tuple(
      fc.constant(p),
      fc.array(fc.oneof(requestPath, instance(p)), { minLength: 1, maxLength: 12 }),
    ),
  );

  test('every match equals the reference regex match (captures included)', () => {
    fc.assert(
      fc.property(cases, ([p, paths]) => {
        const matcher = createPathMatcher(p);
        for (const path of paths) {
          const got = matcher(undefined, path);
          assert.deepEqual(got && { ...got }, referenceMatch(p, path), `${p} ${path}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('the worst shapes agree with the reference on short adversarial paths', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 21, 40]) {
      for (const [p, path] of adversarialCases(n)) {
        const got = createPathMatcher(p)(undefined, path);
        assert.deepEqual(got && { ...got }, referenceMatch(p, path), `${p} ${path}`);
      }
    }
  });

  test('a 16 KB adversarial path is settled in well under 50 ms, by a matcher and by a router', () => {
    // A budget linear in the path length (0.5 ms + 3 us a character: 49.6 ms at 16 KB), checked
    // at growing sizes so that a backtracking matcher fails early instead of freezing the run
    // (it took 40 ms at 1,000 characters for three parameters, cubic; worse with more). The
    // best of three runs discounts scheduling noise; the linear scan takes microseconds.
    for (const n of [256, 1024, 4096, 16 * 1024]) {
      const budget = 0.5 + n * 0.003;
      const cases = adversarialCases(n);
      const router = new Router<number>();
      cases.forEach(([p], i) => {
        if (router.routes().every((r) => r.path !== p)) router.add('GET', p, i);
      });
      for (const [p, path] of cases) {
        const matcher = createPathMatcher(p);
        let best = Infinity;
        for (let run = 0; run < 3; run++) {
          const start = performance.now();
          matcher(undefined, path);
          router.match('GET', undefined, path);
          best = Math.min(best, performance.now() - start);
        }
        const shown = `${p} on ${JSON.stringify(path.slice(0, 12))}... (${n} characters)`;
        assert.ok(best < budget, `${shown}: ${best.toFixed(2)} ms`);
      }
    }
  });
});
