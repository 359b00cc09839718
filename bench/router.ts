/**
 * Router micro-benchmark: Sluice's Router against find-my-way (Fastify's router) on the same
 * route set and the same request paths, in interleaved rounds so that both see the same machine
 * state. Run: `node --import tsx bench/router.ts [rounds] [lookupsPerRound]`.
 *
 * Then Sluice alone on single paths: a plain `:param` route, an in-segment template route, and a
 * 16 KB adversarial path against a template of three parameters (`/{y}-{m}-{d}.html` asked for
 * `/a-a-a-...`, no `.html`), the shape that made a backtracking matcher take seconds.
 */
import { pathToFileURL } from 'node:url';
import FindMyWay from 'find-my-way';
import { Router } from '../src/router/index.js';

/** [method, Sluice pattern, find-my-way pattern]. */
const ROUTES: Array<[string, string, string]> = [
  ['GET', '/', '/'],
  ['GET', '/health', '/health'],
  ['GET', '/metrics', '/metrics'],
  ['GET', '/favicon.ico', '/favicon.ico'],
  ['GET', '/robots.txt', '/robots.txt'],
  ['GET', '/about', '/about'],
  ['GET', '/docs', '/docs'],
  ['POST', '/login', '/login'],
  ['POST', '/logout', '/logout'],
  ['GET', '/api/v1/users', '/api/v1/users'],
  ['POST', '/api/v1/users', '/api/v1/users'],
  ['GET', '/api/v1/users/me', '/api/v1/users/me'],
  ['GET', '/api/v1/users/:id', '/api/v1/users/:id'],
  ['PUT', '/api/v1/users/:id', '/api/v1/users/:id'],
  ['DELETE', '/api/v1/users/:id', '/api/v1/users/:id'],
  ['GET', '/api/v1/users/:id/posts', '/api/v1/users/:id/posts'],
  ['GET', '/api/v1/users/:id/posts/:postId', '/api/v1/users/:id/posts/:postId'],
  ['GET', '/api/v1/users/:id/followers', '/api/v1/users/:id/followers'],
  ['GET', '/api/v1/orders', '/api/v1/orders'],
  ['GET', '/api/v1/orders/:orderId', '/api/v1/orders/:orderId'],
  ['GET', '/api/v1/orders/:orderId/items', '/api/v1/orders/:orderId/items'],
  ['GET', '/api/v1/orders/:orderId/items/:itemId', '/api/v1/orders/:orderId/items/:itemId'],
  ['GET', '/api/v1/products', '/api/v1/products'],
  ['GET', '/api/v1/products/:sku', '/api/v1/products/:sku'],
  ['GET', '/api/v1/products/:sku/reviews', '/api/v1/products/:sku/reviews'],
  ['GET', '/api/v1/stats/daily', '/api/v1/stats/daily'],
  ['GET', '/api/v1/stats/monthly', '/api/v1/stats/monthly'],
  ['GET', '/api/v2/events', '/api/v2/events'],
  ['GET', '/api/v2/events/{topic}', '/api/v2/events/:topic'],
  ['GET', '/api/v2/events/{topic}/history', '/api/v2/events/:topic/history'],
  ['GET', '/blog', '/blog'],
  ['GET', '/blog/:year/:month/:slug', '/blog/:year/:month/:slug'],
  ['GET', '/blog/tag/:tag', '/blog/tag/:tag'],
  ['GET', '/order/{id}.html', '/order/:id.html'],
  ['GET', '/img/{name}.{ext}', '/img/:name.:ext'],
  ['GET', '/stream/:topic', '/stream/:topic'],
  ['GET', '/sse/:channel/events', '/sse/:channel/events'],
  ['GET', '/static/*path', '/static/*'],
  ['GET', '/assets/*path', '/assets/*'],
  ['GET', '/files/*path', '/files/*'],
  ['GET', '/admin', '/admin'],
  ['GET', '/admin/users', '/admin/users'],
  ['GET', '/admin/users/:id', '/admin/users/:id'],
  ['GET', '/admin/settings', '/admin/settings'],
];

/** Requests (all GET), a mix of static, parametric, in-segment, wildcard and missing paths. */
const REQUESTS = [
  '/',
  '/health',
  '/api/v1/users',
  '/api/v1/users/me',
  '/api/v1/users/12345',
  '/api/v1/users/12345/posts',
  '/api/v1/users/12345/posts/987',
  '/api/v1/orders/A-778/items/3',
  '/api/v1/products/sku-42/reviews',
  '/api/v1/stats/daily',
  '/api/v2/events/news',
  '/blog/2024/05/hello-world',
  '/blog/tag/typescript',
  '/order/778.html',
  '/img/cat.png',
  '/stream/prices',
  '/sse/room-1/events',
  '/static/css/site.css',
  '/assets/js/app/main.js',
  '/admin/users/7',
  '/nope/not/here',
  '/api/v1/unknown',
];

/** The request paths of each kind, for the per-kind rows (issue 18: static AND parameter). */
const KINDS: Array<[string, readonly string[]]> = [
  ['static', ['/', '/health', '/api/v1/users', '/api/v1/users/me', '/api/v1/stats/daily']],
  [
    'parameter',
    [
      '/api/v1/users/12345',
      '/api/v1/users/12345/posts',
      '/api/v1/users/12345/posts/987',
      '/api/v1/orders/A-778/items/3',
      '/api/v1/products/sku-42/reviews',
      '/api/v2/events/news',
      '/blog/2024/05/hello-world',
      '/blog/tag/typescript',
      '/stream/prices',
      '/sse/room-1/events',
      '/admin/users/7',
    ],
  ],
  ['wildcard', ['/static/css/site.css', '/assets/js/app/main.js']],
  ['missing', ['/nope/not/here', '/api/v1/unknown']],
];

/** One kind of path through both routers. */
export interface KindResult {
  kind: string;
  sluiceOpsPerSec: number;
  findMyWayOpsPerSec: number;
  ratio: number;
}

/** Cost by path length through both routers (a `:param` value of growing length). */
export interface LengthResult {
  pathLength: number;
  sluiceNsPerLookup: number;
  findMyWayNsPerLookup: number;
}

/** One path timed alone through Sluice's router. */
export interface SinglePathResult {
  name: string;
  pathLength: number;
  /** Median microseconds per lookup. */
  microsPerLookup: number;
}

/** Medians of a run: lookups per second for each router and their ratio. */
export interface RouterBenchResult {
  sluiceOpsPerSec: number;
  findMyWayOpsPerSec: number;
  /** sluice / find-my-way: above 1 means Sluice is faster. */
  ratio: number;
  rounds: number;
  lookupsPerRound: number;
  routes: number;
  /** Single-path rows (Sluice only). */
  single: SinglePathResult[];
  /** Per kind of path (static, parameter, wildcard, missing), both routers. */
  kinds: KindResult[];
  /** Parameter route by path length, both routers: linear means ns grows with the length. */
  lengths: LengthResult[];
}

/** A path of exactly `n` characters that the template route can never match (no `.html`). */
export function adversarialPath(n: number): string {
  return ('/' + 'a-'.repeat(n >> 1)).slice(0, n);
}

/** [row name, path]: timed one path at a time; the adversarial row is what the matcher risks. */
const SINGLE: Array<[string, string]> = [
  ['`:param` route', '/api/v1/users/12345'],
  ['template route', '/order/778.html'],
  ['adversarial 16 KB path', adversarialPath(16 * 1024)],
];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Times `lookups` calls of `find` over the request list; returns lookups per second. */
function timeRun(
  find: (path: string) => unknown,
  lookups: number,
  requests: readonly string[] = REQUESTS,
): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0, j = 0; i < lookups; i++) {
    if (find(requests[j]!) !== undefined) sink++;
    if (++j === requests.length) j = 0;
  }
  const ns = Number(process.hrtime.bigint() - start);
  if (sink < 0) console.log(sink); // keeps the work observable
  return lookups / (ns / 1e9);
}

/**
 * Runs the router benchmark: both routers, interleaved rounds (alternating which goes first),
 * after a warm-up. Returns the medians.
 */
export function runRouterBench(
  options: { rounds?: number; lookupsPerRound?: number } = {},
): RouterBenchResult {
  const rounds = options.rounds ?? 7;
  const lookupsPerRound = options.lookupsPerRound ?? 300_000;
  const sluice = new Router<number>();
  const fmw = FindMyWay();
  ROUTES.forEach(([method, ours, theirs], i) => {
    sluice.add(method, ours, i);
    fmw.on(method as 'GET', theirs, () => i);
  });
  // Both must agree on what exists, or the comparison is meaningless.
  for (const path of REQUESTS) {
    const a = sluice.match('GET', undefined, path).kind === 'found';
    const b = fmw.find('GET', path) !== null;
    if (a !== b) throw new Error(`routers disagree on ${path}: sluice ${a}, find-my-way ${b}`);
  }
  const runSluice = (path: string): unknown => {
    const m = sluice.match('GET', undefined, path);
    return m.kind === 'found' ? m.params : undefined;
  };
  const runFmw = (path: string): unknown => fmw.find('GET', path)?.params;
  timeRun(runSluice, lookupsPerRound);
  timeRun(runFmw, lookupsPerRound);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      ours.push(timeRun(runSluice, lookupsPerRound));
      theirs.push(timeRun(runFmw, lookupsPerRound));
    } else {
      theirs.push(timeRun(runFmw, lookupsPerRound));
      ours.push(timeRun(runSluice, lookupsPerRound));
    }
  }
  // Single paths, on the same routes plus the template (the 16 KB path scans 16 KB a lookup,
  // so it gets fewer lookups).
  const wider = new Router<number>();
  ROUTES.forEach(([method, ours], i) => wider.add(method, ours, i));
  wider.add('GET', '/{y}-{m}-{d}.html', ROUTES.length);
  const runWider = (path: string): unknown => {
    const m = wider.match('GET', undefined, path);
    return m.kind === 'found' ? m.params : undefined;
  };
  const single = SINGLE.map(([name, path]): SinglePathResult => {
    const lookups = Math.max(200, Math.floor(lookupsPerRound / Math.max(1, path.length / 20)));
    timeRun(runWider, lookups, [path]);
    const rates: number[] = [];
    for (let r = 0; r < rounds; r++) rates.push(timeRun(runWider, lookups, [path]));
    return { name, pathLength: path.length, microsPerLookup: 1e6 / median(rates) };
  });
  // Per kind, both routers, interleaved the same way.
  const pair = (requests: readonly string[], lookups: number): [number, number] => {
    timeRun(runSluice, lookups, requests);
    timeRun(runFmw, lookups, requests);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        a.push(timeRun(runSluice, lookups, requests));
        b.push(timeRun(runFmw, lookups, requests));
      } else {
        b.push(timeRun(runFmw, lookups, requests));
        a.push(timeRun(runSluice, lookups, requests));
      }
    }
    return [median(a), median(b)];
  };
  const kinds = KINDS.map(([kind, requests]): KindResult => {
    const [a, b] = pair(requests, lookupsPerRound);
    return { kind, sluiceOpsPerSec: a, findMyWayOpsPerSec: b, ratio: a / b };
  });
  const lengths = [16, 256, 4096, 65536].map((n): LengthResult => {
    const path = `/api/v1/users/${'x'.repeat(n - '/api/v1/users/'.length)}/posts`;
    const lookups = Math.max(500, Math.floor(lookupsPerRound / Math.max(1, n / 64)));
    pair([path], lookups); // warm-up on this path's shape
    const [a, b] = pair([path], lookups);
    return { pathLength: path.length, sluiceNsPerLookup: 1e9 / a, findMyWayNsPerLookup: 1e9 / b };
  });
  const sluiceOpsPerSec = median(ours);
  const findMyWayOpsPerSec = median(theirs);
  return {
    sluiceOpsPerSec,
    findMyWayOpsPerSec,
    ratio: sluiceOpsPerSec / findMyWayOpsPerSec,
    rounds,
    lookupsPerRound,
    routes: ROUTES.length,
    single,
    kinds,
    lengths,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [rounds, lookups] = process.argv.slice(2).map(Number);
  const r = runRouterBench({ rounds: rounds || undefined, lookupsPerRound: lookups || undefined });
  const fmt = (n: number): string => `${(n / 1e6).toFixed(2)}M ops/s`;
  console.log(
    `router: ${r.routes} routes, ${REQUESTS.length} request paths, ${r.rounds} rounds x ${r.lookupsPerRound} lookups`,
  );
  console.log(`  sluice       ${fmt(r.sluiceOpsPerSec)} (median)`);
  console.log(`  find-my-way  ${fmt(r.findMyWayOpsPerSec)} (median)`);
  console.log(`  ratio sluice/find-my-way: ${r.ratio.toFixed(2)}`);
  for (const row of r.single) {
    const us = row.microsPerLookup;
    const time = us < 1 ? `${(us * 1000).toFixed(0)} ns` : `${us.toFixed(1)} us`;
    console.log(`  sluice, ${row.name} (${row.pathLength} chars): ${time} per lookup (median)`);
  }
  for (const k of r.kinds) {
    const kind = k.kind.padEnd(9);
    console.log(
      `  ${kind}  sluice ${fmt(k.sluiceOpsPerSec)}  find-my-way ${fmt(k.findMyWayOpsPerSec)}  ratio ${k.ratio.toFixed(2)}`,
    );
  }
  for (const l of r.lengths) {
    const len = String(l.pathLength).padStart(5);
    const ns = (x: number): string => `${x.toFixed(0)} ns`.padStart(9);
    console.log(
      `  length ${len} chars  sluice ${ns(l.sluiceNsPerLookup)}  find-my-way ${ns(l.findMyWayNsPerLookup)}`,
    );
  }
}
