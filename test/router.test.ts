import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { SluiceError } from '../src/errors/index.js';
import {
  createPathMatcher,
  parseBindPattern,
  Router,
  type RouteMatch,
} from '../src/router/index.js';
import { inheritsNothing } from './helpers/server.js';

/** Binds `GET:/x`-style strings (value = the binding string) and returns the router. */
function routerOf(...bindings: string[]): Router<string> {
  const router = new Router<string>();
  for (const b of bindings) {
    const { methods, path, domain } = parseBindPattern(b);
    router.add(methods.join(','), path, b, domain);
  }
  return router;
}

function winner(m: RouteMatch<string>): string | undefined {
  return m.kind === 'found' ? m.value : undefined;
}

function plain(params: Record<string, string>): Record<string, string> {
  return { ...params };
}

describe('parseBindPattern', () => {
  const rows: Array<[string, ReturnType<typeof parseBindPattern>]> = [
    ['/p', { methods: ['ALL'], path: '/p', domain: undefined }],
    ['GET:/p', { methods: ['GET'], path: '/p', domain: undefined }],
    ['get,Post:/p', { methods: ['GET', 'POST'], path: '/p', domain: undefined }],
    ['/p@Example.COM', { methods: ['ALL'], path: '/p', domain: 'example.com' }],
    ['/p@example.com:8080', { methods: ['ALL'], path: '/p', domain: 'example.com' }],
    [
      'PUT:/user/:id@api.example.com',
      { methods: ['PUT'], path: '/user/:id', domain: 'api.example.com' },
    ],
    ['/users/@me/x', { methods: ['ALL'], path: '/users/@me/x', domain: undefined }],
    ['GET,GET:/dup', { methods: ['GET'], path: '/dup', domain: undefined }],
  ];
  for (const [input, expected] of rows) {
    test(`parses ${input}`, () => assert.deepEqual(parseBindPattern(input), expected));
  }
  for (const bad of ['p', ':/p', 'G T:/p', ',GET:/p', '/p@']) {
    test(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseBindPattern(bad), { code: 'SLUICE_ROUTE_PATTERN' });
    });
  }
});

describe('pattern syntax', () => {
  const rows: Array<{
    name: string;
    bind: string;
    path: string;
    params: Record<string, string> | null;
  }> = [
    { name: 'literal', bind: '/a/b', path: '/a/b', params: {} },
    { name: 'literal does not match a prefix', bind: '/a/b', path: '/a/bc', params: null },
    {
      name: ':name is one whole segment',
      bind: '/user/:id',
      path: '/user/42',
      params: { id: '42' },
    },
    { name: ':name is never empty', bind: '/user/:id', path: '/user//', params: null },
    { name: ':name does not cross /', bind: '/user/:id', path: '/user/4/2', params: null },
    {
      name: '{name} as a whole segment',
      bind: '/user/{id}',
      path: '/user/42',
      params: { id: '42' },
    },
    {
      name: '{name} inside a segment',
      bind: '/order/{id}.html',
      path: '/order/7.html',
      params: { id: '7' },
    },
    {
      name: '{name} inside a segment needs its literal',
      bind: '/order/{id}.html',
      path: '/order/7.htm',
      params: null,
    },
    {
      name: '{name} with a literal prefix',
      bind: '/admin-{page}',
      path: '/admin-3',
      params: { page: '3' },
    },
    {
      name: 'two {} in a segment (greedy like a regexp)',
      bind: '/{hash}.{type}',
      path: '/a.b.c',
      params: { hash: 'a.b', type: 'c' },
    },
    { name: 'two {} need both sides non-empty', bind: '/{hash}.{type}', path: '/.c', params: null },
    {
      name: '*name takes the rest',
      bind: '/file/*path',
      path: '/file/a/b/c.txt',
      params: { path: 'a/b/c.txt' },
    },
    {
      name: '*name also matches its parent',
      bind: '/file/*path',
      path: '/file',
      params: { path: '' },
    },
    {
      name: '*name with a trailing slash',
      bind: '/file/*path',
      path: '/file/',
      params: { path: '' },
    },
    { name: '*name does not match a sibling', bind: '/file/*path', path: '/files/a', params: null },
    {
      name: 'bare * captures into "any"',
      bind: '/api/*',
      path: '/api/v1/x',
      params: { any: 'v1/x' },
    },
    { name: 'root wildcard matches /', bind: '/*all', path: '/', params: { all: '' } },
    {
      name: 'a mid-segment ":" is literal',
      bind: '/v1/users:batch',
      path: '/v1/users:batch',
      params: {},
    },
    { name: 'trailing slash of the pattern is ignored', bind: '/a/', path: '/a', params: {} },
    { name: 'trailing slash of the request is ignored', bind: '/a', path: '/a/', params: {} },
    { name: 'root is root', bind: '/', path: '/', params: {} },
    { name: 'root does not match /a', bind: '/', path: '/a', params: null },
    {
      name: 'values are percent-decoded',
      bind: '/q/:v',
      path: '/q/caf%C3%A9%20x',
      params: { v: 'café x' },
    },
    {
      name: 'malformed escapes stay raw',
      bind: '/q/:v',
      path: '/q/100%zz',
      params: { v: '100%zz' },
    },
    {
      name: 'matching is on the raw path (literals are not decoded)',
      bind: '/café',
      path: '/caf%C3%A9',
      params: null,
    },
    {
      name: 'an encoded literal matches its raw form',
      bind: '/caf%C3%A9',
      path: '/caf%C3%A9',
      params: {},
    },
    { name: 'literals are case-sensitive', bind: '/About', path: '/about', params: null },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const m = routerOf(row.bind).match('GET', undefined, row.path);
      if (row.params === null) assert.equal(m.kind, 'not-found');
      else {
        assert.equal(m.kind, 'found');
        if (m.kind === 'found') assert.deepEqual(plain(m.params), row.params);
      }
      // createPathMatcher follows the same rules.
      const p = createPathMatcher(row.bind)(undefined, row.path);
      assert.deepEqual(p === null ? null : plain(p), row.params);
    });
  }

  const malformed: Array<[string, string]> = [
    ['no leading slash', 'a/b'],
    ['empty pattern', ''],
    ['empty :name', '/a/:'],
    ['empty {name}', '/a/{}'],
    ['{ without }', '/a/{id'],
    ['} without {', '/a/id}'],
    ['* not last', '/a/*rest/b'],
    ['* inside a segment', '/a/x*'],
    [':name not a whole segment', '/a/:id.html'],
    ['non-word name', '/a/{i-d}'],
    ['adjacent params', '/a/{x}{y}'],
    ['repeated name', '/a/:id/{id}'],
    ['empty segment', '/a//b'],
    ['query string', '/a?b=1'],
  ];
  for (const [name, pattern] of malformed) {
    test(`refuses a malformed pattern: ${name}`, () => {
      assert.throws(
        () => new Router().add('GET', pattern, 1),
        (err: unknown) => {
          assert.ok(err instanceof SluiceError);
          assert.equal(err.code, 'SLUICE_ROUTE_PATTERN');
          return true;
        },
      );
    });
  }
});

describe('priority (each row: two competing routes, both orders of binding)', () => {
  const rows: Array<{
    rule: string;
    winner: string;
    loser: string;
    method?: string;
    host?: string;
    path: string;
  }> = [
    { rule: 'deeper path wins', winner: '/a/:b/:c', loser: '/a/*rest', path: '/a/x/y' },
    {
      rule: 'deeper path wins, even a wildcard over a static parent',
      winner: '/file/*path',
      loser: '/file',
      path: '/file',
    },
    {
      rule: 'more literal text wins',
      winner: '/user/profile',
      loser: '/user/:id',
      path: '/user/profile',
    },
    {
      rule: 'more literal text wins inside a segment',
      winner: '/admin-goods-{page}',
      loser: '/admin-{page}',
      path: '/admin-goods-2',
    },
    {
      rule: 'more literal text wins (template vs param)',
      winner: '/order/{id}.html',
      loser: '/order/:id',
      path: '/order/1.html',
    },
    { rule: 'fewer fuzzy tokens win', winner: '/{hash}.x', loser: '/{a}.{b}', path: '/h.x' },
    { rule: '{} beats :', winner: '/name/{user}', loser: '/name/:user', path: '/name/bob' },
    { rule: ': beats *', winner: '/name/:user', loser: '/name/*user', path: '/name/bob' },
    { rule: '{} beats *', winner: '/name/{user}', loser: '/name/*user', path: '/name/bob' },
    { rule: 'a specific method beats ALL', winner: 'GET:/m/:id', loser: '/m/:x', path: '/m/1' },
    {
      rule: 'a specific method beats ALL on a static path',
      winner: 'GET:/m',
      loser: '/m',
      path: '/m',
    },
    {
      rule: 'a domain-bound route beats a domain-less one',
      winner: '/d/:x@example.com',
      loser: '/d/one',
      host: 'EXAMPLE.com:8080',
      path: '/d/one',
    },
    {
      rule: 'a domain-bound route beats a deeper domain-less one',
      winner: '/*any@example.com',
      loser: '/d/one',
      host: 'example.com',
      path: '/d/one',
    },
    { rule: 'GET serves HEAD over ALL', winner: 'GET:/h', loser: '/h', method: 'HEAD', path: '/h' },
    {
      rule: 'a HEAD route beats GET for HEAD',
      winner: 'HEAD:/h',
      loser: 'GET:/h',
      method: 'HEAD',
      path: '/h',
    },
  ];
  for (const row of rows) {
    for (const order of ['winner first', 'loser first']) {
      test(`${row.rule} (${order})`, () => {
        const r =
          order === 'winner first'
            ? routerOf(row.winner, row.loser)
            : routerOf(row.loser, row.winner);
        assert.equal(winner(r.match(row.method ?? 'GET', row.host, row.path)), row.winner);
      });
    }
  }

  test('a route for another method does not win: the next pattern serves', () => {
    const r = routerOf('POST:/user/profile', '/user/:id');
    assert.equal(winner(r.match('GET', undefined, '/user/profile')), '/user/:id');
    assert.equal(winner(r.match('POST', undefined, '/user/profile')), 'POST:/user/profile');
  });

  test('a domain-bound route does not serve other hosts', () => {
    const r = routerOf('/d/:x@example.com', '/d/one');
    assert.equal(winner(r.match('GET', 'other.com', '/d/one')), '/d/one');
    assert.equal(winner(r.match('GET', undefined, '/d/one')), '/d/one');
    assert.equal(r.match('GET', 'other.com', '/d/two').kind, 'not-found');
    assert.equal(winner(r.match('GET', 'example.com.', '/d/two')), '/d/:x@example.com');
  });

  test('equal priority keeps binding order', () => {
    const r = routerOf('/a/:x', '/:y/b');
    assert.equal(winner(r.match('GET', undefined, '/a/b')), '/a/:x');
    const r2 = routerOf('/:y/b', '/a/:x');
    assert.equal(winner(r2.match('GET', undefined, '/a/b')), '/:y/b');
  });

  test('adding a route after matching rebuilds the indexes', () => {
    const r = routerOf('/user/:id');
    assert.equal(winner(r.match('GET', undefined, '/user/me')), '/user/:id');
    r.add('GET', '/user/me', 'GET:/user/me');
    assert.equal(winner(r.match('GET', undefined, '/user/me')), 'GET:/user/me');
  });

  test('the match carries the pattern as bound', () => {
    const m = routerOf('GET:/user/{id}/').match('GET', undefined, '/user/1');
    assert.deepEqual(m.kind === 'found' && [m.pattern, plain(m.params)], [
      '/user/{id}/',
      { id: '1' },
    ]);
  });
});

describe('methods: 405, OPTIONS, HEAD', () => {
  const r = routerOf(
    'GET:/a',
    'POST:/a',
    'PUT:/item/:id',
    'DELETE:/item/{id}',
    'OPTIONS:/opt',
    'GET:/opt',
    '/any',
  );
  const rows: Array<{ name: string; method: string; path: string; expect: RouteMatch<string> }> = [
    {
      name: 'a path under other methods answers 405 with a sorted Allow',
      method: 'DELETE',
      path: '/a',
      expect: { kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'OPTIONS', 'POST'] },
    },
    {
      name: 'Allow merges every matching pattern',
      method: 'GET',
      path: '/item/1',
      expect: { kind: 'method-not-allowed', allow: ['DELETE', 'OPTIONS', 'PUT'] },
    },
    {
      name: 'OPTIONS without a route answers options',
      method: 'OPTIONS',
      path: '/a',
      expect: { kind: 'options', allow: ['GET', 'HEAD', 'OPTIONS', 'POST'] },
    },
    {
      name: 'OPTIONS with a route is found',
      method: 'OPTIONS',
      path: '/opt',
      expect: { kind: 'found', value: 'OPTIONS:/opt', params: {}, pattern: '/opt' },
    },
    {
      name: 'OPTIONS on an unknown path is not found',
      method: 'OPTIONS',
      path: '/nope',
      expect: { kind: 'not-found' },
    },
    {
      name: 'HEAD falls back to GET',
      method: 'HEAD',
      path: '/a',
      expect: { kind: 'found', value: 'GET:/a', params: {}, pattern: '/a' },
    },
    {
      name: 'HEAD without GET answers 405',
      method: 'HEAD',
      path: '/item/1',
      expect: { kind: 'method-not-allowed', allow: ['DELETE', 'OPTIONS', 'PUT'] },
    },
    {
      name: 'ALL allows every method',
      method: 'PATCH',
      path: '/any',
      expect: { kind: 'found', value: '/any', params: {}, pattern: '/any' },
    },
    {
      name: 'ALL serves OPTIONS too',
      method: 'OPTIONS',
      path: '/any',
      expect: { kind: 'found', value: '/any', params: {}, pattern: '/any' },
    },
    {
      name: 'an unknown path is not found',
      method: 'GET',
      path: '/zzz',
      expect: { kind: 'not-found' },
    },
    {
      name: 'a path not starting with / is not found',
      method: 'GET',
      path: '*',
      expect: { kind: 'not-found' },
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const m = r.match(row.method, undefined, row.path);
      assert.deepEqual(m.kind === 'found' ? { ...m, params: plain(m.params) } : m, row.expect);
    });
  }

  test('Allow counts domain routes only for their host', () => {
    const d = routerOf('GET:/x', 'POST:/x@example.com');
    assert.deepEqual(d.match('PUT', 'example.com', '/x'), {
      kind: 'method-not-allowed',
      allow: ['GET', 'HEAD', 'OPTIONS', 'POST'],
    });
    assert.deepEqual(d.match('PUT', 'other.com', '/x'), {
      kind: 'method-not-allowed',
      allow: ['GET', 'HEAD', 'OPTIONS'],
    });
    assert.equal(winner(d.match('GET', 'example.com', '/x')), 'GET:/x');
  });
});

describe('duplicates', () => {
  const dup: Array<[string, string, string]> = [
    ['same method and path', 'GET:/a', 'GET:/a'],
    ['trailing slash is the same path', 'GET:/a', 'GET:/a/'],
    ['param names do not matter', 'GET:/u/:id', 'GET:/u/:name'],
    ['overlapping method lists', 'GET,POST:/a', 'PUT,POST:/a'],
    ['ALL twice', '/a', '/a'],
    ['same domain, any case and port', 'GET:/a@Example.com', 'GET:/a@example.com:80'],
  ];
  for (const [name, a, b] of dup) {
    test(`refuses a duplicate: ${name}`, () => {
      const r = routerOf(a);
      assert.throws(() => routerOf.call(null, a, b), { code: 'SLUICE_ROUTE_DUPLICATE' });
      const { methods, path, domain } = parseBindPattern(b);
      assert.throws(
        () => r.add(methods.join(','), path, b, domain),
        (err: unknown) => {
          assert.ok(err instanceof SluiceError && err.code === 'SLUICE_ROUTE_DUPLICATE');
          return true;
        },
      );
    });
  }
  const distinct: Array<[string, string, string]> = [
    ['different methods', 'GET:/a', 'POST:/a'],
    ['a method and ALL', 'GET:/a', '/a'],
    ['{} and :', '/u/{id}', '/u/:id'],
    ['different domains', '/a@x.com', '/a@y.com'],
    ['a domain and none', '/a@x.com', '/a'],
  ];
  for (const [name, a, b] of distinct) {
    test(`accepts: ${name}`, () => assert.doesNotThrow(() => routerOf(a, b)));
  }
  test('a refused binding adds nothing', () => {
    const r = routerOf('GET:/a');
    assert.throws(() => r.add('POST,GET', '/a', 'x'));
    assert.equal(r.match('POST', undefined, '/a').kind, 'method-not-allowed');
    assert.equal(r.routes().length, 1);
  });
});

describe('params and routes()', () => {
  test('a param named __proto__ is an own key and pollutes nothing', () => {
    const m = routerOf('/p/:__proto__').match('GET', undefined, '/p/polluted');
    assert.equal(m.kind, 'found');
    if (m.kind !== 'found') return;
    assert.ok(Object.hasOwn(m.params, '__proto__'));
    assert.equal(m.params['__proto__'], 'polluted');
    assert.ok(inheritsNothing(m.params), 'nothing inherited');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('each match gets its own params object', () => {
    const r = routerOf('/file', '/file/*path');
    const a = r.match('GET', undefined, '/file');
    const b = r.match('GET', undefined, '/file');
    assert.ok(a.kind === 'found' && b.kind === 'found');
    if (a.kind === 'found' && b.kind === 'found') {
      a.params['path'] = 'changed';
      assert.equal(b.params['path'], '');
    }
  });

  test('routes() lists every binding, one row per method', () => {
    const r = new Router<number>();
    r.add('GET,POST', '/a', 1);
    r.add('ALL', '/b/:id', 2, 'Example.com');
    assert.deepEqual(r.routes(), [
      { method: 'GET', path: '/a', value: 1 },
      { method: 'POST', path: '/a', value: 1 },
      { method: 'ALL', path: '/b/:id', domain: 'example.com', value: 2 },
    ]);
  });

  test('createPathMatcher honours the domain', () => {
    const m = createPathMatcher('/api/*rest', 'API.example.com');
    assert.deepEqual(plain(m('api.example.com:443', '/api/x')!), { rest: 'x' });
    assert.equal(m('example.com', '/api/x'), null);
    assert.equal(m(undefined, '/api/x'), null);
  });
});

describe('the segment trie behind dynamic routes', () => {
  test('a wide literal fan-out (shared first characters, non-ASCII) finds each child', () => {
    const r = new Router<string>();
    const words = ['a', 'ab', 'abc', 'b', 'ba', 'c', 'é', 'éa', 'ü', 'x.y', '日本'];
    for (const w of words) r.add('GET', `/${w}/:id`, w);
    for (const w of words) {
      const m = r.match('GET', undefined, `/${w}/7`);
      assert.equal(m.kind, 'found', w);
      if (m.kind === 'found') {
        assert.equal(m.value, w);
        assert.deepEqual(plain(m.params), { id: '7' });
      }
    }
    for (const miss of ['/abcd/7', '/é/', '/ébb/7', '/日/7', '/a', '/x/7']) {
      assert.equal(r.match('GET', undefined, miss).kind, 'not-found', miss);
    }
  });

  test('merged literal chains still branch where routes diverge', () => {
    const r = new Router<number>();
    r.add('GET', '/a/b/c/:x', 1);
    r.add('GET', '/a/b/:y/d', 2);
    r.add('GET', '/a/bc/:z', 3);
    const value = (path: string): number | string => {
      const m = r.match('GET', undefined, path);
      return m.kind === 'found' ? m.value : m.kind;
    };
    assert.equal(value('/a/b/c/1'), 1);
    assert.equal(value('/a/b/c/d'), 1); // more literal text wins
    assert.equal(value('/a/b/q/d'), 2);
    assert.equal(value('/a/bc/1'), 3);
    assert.equal(value('/a/b/c'), 'not-found');
    assert.equal(value('/a//c/1'), 'not-found');
  });

  test('a path matched for no method is a 404, one matched for other methods a 405', () => {
    const r = new Router<number>();
    r.add('POST', '/u/:id', 1);
    r.add('GET', '/files/*rest', 2, 'example.com');
    assert.deepEqual(r.match('GET', undefined, '/u/1'), {
      kind: 'method-not-allowed',
      allow: ['OPTIONS', 'POST'],
    });
    assert.equal(r.match('GET', undefined, '/v/1').kind, 'not-found');
    assert.deepEqual(r.match('DELETE', 'example.com', '/files'), {
      kind: 'method-not-allowed',
      allow: ['GET', 'HEAD', 'OPTIONS'],
    });
    assert.equal(r.match('DELETE', 'other.com', '/files').kind, 'not-found');
  });
});

describe('params without code generation', () => {
  test('with --disallow-code-generation-from-strings the router builds the same params (decoded, __proto__ an own key, no prototype)', () => {
    const script = `
      import { Router } from './src/router/index.js';
      const r = new Router();
      r.add('GET', '/u/{id}/p/{__proto__}', 'a');
      r.add('GET', '/f/*rest', 'b');
      const m = r.match('GET', undefined, '/u/caf%C3%A9/p/x%2Fy');
      const w = r.match('GET', undefined, '/f/a/b');
      console.log(JSON.stringify({
        id: m.params.id, proto: Object.hasOwn(m.params, '__proto__') ? m.params['__proto__'] : null,
        inherits: Object.getPrototypeOf(Object.getPrototypeOf(m.params)), rest: w.params.rest,
      }));`;
    const out = execFileSync(
      process.execPath,
      [
        '--disallow-code-generation-from-strings',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ],
      { encoding: 'utf8' },
    );
    assert.deepEqual(JSON.parse(out), { id: 'café', proto: 'x/y', inherits: null, rest: 'a/b' });
  });
});
