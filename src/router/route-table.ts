/**
 * The routes of one domain (or of every domain), indexed for per-request lookup.
 *
 * Priority is settled when the table is (re)built, never per request:
 * - every pattern gets a rank (equal ranks tie on every pattern rule; the method breaks the tie);
 * - a static path maps to the precomputed, ranked list of every pattern matching it, with the
 *   captured params, so a static hit costs one `Map.get` even when a deeper `*rest` outranks it;
 * - other patterns sit in buckets by segment count, then by literal first segment, in rank order,
 *   so a request tries only the patterns that could match, best first, and stops at the first hit.
 */
import { comparePriority, type CompiledPattern } from './pattern.js';
import {
  countSegments,
  createParams,
  matchPattern,
  paramsFromCaptures,
  type Params,
} from './match-pattern.js';

/** One bound route. */
export interface RouteRecord<T> {
  readonly method: string;
  /** The path as it was bound. */
  readonly path: string;
  readonly domain: string | undefined;
  readonly value: T;
}

/** The routes sharing one exact pattern, by method. */
interface PatternEntry<T> {
  readonly compiled: CompiledPattern;
  readonly byMethod: Map<string, RouteRecord<T>>;
  all: RouteRecord<T> | undefined;
  /** Insertion order, the last tiebreak, so equal-priority patterns keep their binding order. */
  readonly order: number;
  rank: number;
}

interface Bucket<T> {
  /** By hash of the literal first segment (collisions only merge lists; prefixes are checked). */
  readonly byFirst: Map<number, PatternEntry<T>[]>;
  readonly rest: PatternEntry<T>[];
}

interface StaticSlot<T> {
  readonly entries: PatternEntry<T>[];
  /** Per entry: decoded `[name, value]` pairs, or null for the static pattern itself. */
  readonly params: (Array<[string, string]> | null)[];
}

/** The winner of a lookup, in the shape `Router.match` returns. */
export interface TableHit<T> {
  kind: 'found';
  value: T;
  params: Params;
  /** The path the route was bound with. */
  pattern: string;
}

// Matching is synchronous, so one scratch array of capture offsets serves every lookup.
const caps: number[] = [];
// The first-segment hash computed by the last `scanPath` (an out-parameter, to allocate nothing).
let scannedHash = 0;

/** Hash of a first segment, as `scanPath` computes it. */
function hashSegment(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}

/**
 * Returns a normalized path's segment count and leaves the hash of its first segment in
 * `scannedHash`. Slashes are found with indexOf (native, and many times faster than reading
 * every character in JS: on a parameter route this count was most of a lookup's time); only
 * the first segment is read character by character, for its hash.
 */
function scanPath(path: string): number {
  const len = path.length;
  let end = path.indexOf('/', 1);
  if (end === -1) end = len;
  let h = 0;
  for (let i = 1; i < end; i++) h = (h * 31 + path.charCodeAt(i)) | 0;
  scannedHash = h;
  if (len === 1) return 0;
  let n = 1;
  for (let i = path.indexOf('/', end); i !== -1; i = path.indexOf('/', i + 1)) n++;
  return n;
}

/** How well a pattern's routes serve `method`: 3 exact, 2 GET serving HEAD, 1 ALL, 0 none. */
function pickRoute<T>(entry: PatternEntry<T>, method: string): RouteRecord<T> | undefined {
  return (
    entry.byMethod.get(method) ??
    (method === 'HEAD' ? entry.byMethod.get('GET') : undefined) ??
    entry.all
  );
}

function methodScore<T>(record: RouteRecord<T>, method: string): number {
  if (record.method === method) return 3;
  return record.method === 'ALL' ? 1 : 2;
}

/** The routes bound for one domain key, with the indexes built from them. */
export class RouteTable<T> {
  private readonly entries = new Map<string, PatternEntry<T>>();
  private dirty = false;
  private staticSlots = new Map<string, StaticSlot<T>>();
  private buckets: Bucket<T>[] = [];
  private overflow: Bucket<T> = { byFirst: new Map(), rest: [] };

  /** Adds a route; duplicates were refused by the caller. */
  add(compiled: CompiledPattern, record: RouteRecord<T>): void {
    let entry = this.entries.get(compiled.path);
    if (entry === undefined) {
      entry = { compiled, byMethod: new Map(), all: undefined, order: this.entries.size, rank: 0 };
      this.entries.set(compiled.path, entry);
    }
    if (record.method === 'ALL') entry.all = record;
    else entry.byMethod.set(record.method, record);
    this.dirty = true;
  }

  /** The best route for `method` on the normalized `path`, or undefined. */
  lookup(method: string, path: string): TableHit<T> | undefined {
    if (this.dirty) this.build();
    const slot = this.staticSlots.get(path);
    if (slot !== undefined) return this.lookupStatic(slot, method);
    const n = scanPath(path);
    const list = this.candidates(n);
    let best: RouteRecord<T> | undefined;
    let bestScore = 0;
    let bestRank = -1;
    let bestParams: Params | undefined;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      if (best !== undefined && entry.rank !== bestRank) break;
      const record = pickRoute(entry, method);
      if (record === undefined) continue;
      const score = methodScore(record, method);
      if (score <= bestScore) continue;
      if (!matchPattern(entry.compiled, path, n, caps)) continue;
      best = record;
      bestScore = score;
      bestRank = entry.rank;
      bestParams = paramsFromCaptures(entry.compiled.names, path, caps);
      if (score === 3) break;
    }
    return best === undefined
      ? undefined
      : { kind: 'found', value: best.value, params: bestParams!, pattern: best.path };
  }

  /**
   * The methods of every route whose pattern matches `path`, added to `into` (created on the
   * first match, so a plain miss allocates nothing).
   */
  collectMethods(path: string, into?: Set<string>): Set<string> | undefined {
    if (this.dirty) this.build();
    const slot = this.staticSlots.get(path);
    const n = slot === undefined ? scanPath(path) : 0;
    const list = slot === undefined ? this.candidates(n) : slot.entries;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      if (slot === undefined && !matchPattern(entry.compiled, path, n, caps)) continue;
      into ??= new Set();
      for (const method of entry.byMethod.keys()) into.add(method);
      if (entry.all !== undefined) into.add('ALL');
    }
    return into;
  }

  private lookupStatic(slot: StaticSlot<T>, method: string): TableHit<T> | undefined {
    let best: RouteRecord<T> | undefined;
    let bestScore = 0;
    let bestIndex = -1;
    for (let i = 0; i < slot.entries.length; i++) {
      const entry = slot.entries[i]!;
      if (best !== undefined && entry.rank !== slot.entries[bestIndex]!.rank) break;
      const record = pickRoute(entry, method);
      if (record === undefined) continue;
      const score = methodScore(record, method);
      if (score <= bestScore) continue;
      best = record;
      bestScore = score;
      bestIndex = i;
      if (score === 3) break;
    }
    if (best === undefined) return undefined;
    const params = createParams();
    const pairs = slot.params[bestIndex];
    if (pairs) for (const [name, value] of pairs) params[name] = value;
    return { kind: 'found', value: best.value, params, pattern: best.path };
  }

  /** Dynamic patterns that could match the path just scanned (`n` segments), in rank order. */
  private candidates(n: number): PatternEntry<T>[] {
    const bucket = n < this.buckets.length ? this.buckets[n]! : this.overflow;
    if (bucket.byFirst.size === 0) return bucket.rest;
    return bucket.byFirst.get(scannedHash) ?? bucket.rest;
  }

  private build(): void {
    const sorted = [...this.entries.values()].sort(
      (a, b) => comparePriority(a.compiled, b.compiled) || a.order - b.order,
    );
    let rank = 0;
    sorted.forEach((entry, i) => {
      if (i > 0 && comparePriority(sorted[i - 1]!.compiled, entry.compiled) !== 0) rank++;
      entry.rank = rank;
    });
    const dynamic = sorted.filter((e) => !e.compiled.isStatic);
    let maxDepth = 0;
    for (const e of dynamic) maxDepth = Math.max(maxDepth, e.compiled.depth);
    this.buckets = [];
    for (let n = 0; n <= maxDepth; n++) {
      this.buckets.push(makeBucket(dynamic.filter((e) => canMatchCount(e.compiled, n))));
    }
    this.overflow = makeBucket(dynamic.filter((e) => e.compiled.wildcard));

    this.staticSlots = new Map();
    for (const entry of sorted) {
      if (!entry.compiled.isStatic) continue;
      const path = entry.compiled.path;
      const n = countSegments(path);
      const slot: StaticSlot<T> = { entries: [], params: [] };
      for (const other of sorted) {
        if (other === entry) {
          slot.entries.push(entry);
          slot.params.push(null);
        } else if (!other.compiled.isStatic && matchPattern(other.compiled, path, n, caps)) {
          const params = paramsFromCaptures(other.compiled.names, path, caps);
          slot.entries.push(other);
          slot.params.push(Object.entries(params));
        }
      }
      this.staticSlots.set(path, slot);
    }
    this.dirty = false;
  }
}

function canMatchCount(p: CompiledPattern, n: number): boolean {
  return p.wildcard ? n >= p.depth - 1 : n === p.depth;
}

/** Groups rank-ordered entries by literal first segment; each group also holds the others. */
function makeBucket<T>(entries: PatternEntry<T>[]): Bucket<T> {
  const rest = entries.filter((e) => e.compiled.firstLiteral === undefined);
  const byFirst = new Map<number, PatternEntry<T>[]>();
  for (const e of entries) {
    const first = e.compiled.firstLiteral;
    if (first === undefined) continue;
    const key = hashSegment(first);
    if (byFirst.has(key)) continue;
    byFirst.set(
      key,
      entries.filter(
        (x) =>
          x.compiled.firstLiteral === undefined || hashSegment(x.compiled.firstLiteral) === key,
      ),
    );
  }
  return { byFirst, rest };
}
