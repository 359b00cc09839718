/**
 * The routes of one domain (or of every domain), indexed for per-request lookup.
 *
 * Priority is settled when the table is (re)built (lazily, on the first lookup after `add`),
 * never per request:
 * - every pattern gets a rank (equal ranks tie on every pattern rule; the method breaks the tie),
 *   and each (pattern, method) pair a key folding rank, method score and binding order into one
 *   number, lower winning;
 * - a static path maps to its precomputed winner per method, with the captured params, so a
 *   static hit costs one `Map.get` even when a deeper `*rest` outranks the static pattern;
 * - the other patterns sit in a segment trie (`segment-trie.ts`) whose leaves hold their winner
 *   per method; a lookup walks it once, best subtree first, pruning what cannot win.
 * Methods are numbered at build time (every bound method, HEAD, and 0 for any other method, which
 * only ALL routes serve), so a leaf answers a method with one array read.
 */
import { comparePriority, type CompiledPattern } from './pattern.js';
import {
  countSegments,
  createParams,
  matchPattern,
  paramsFromCaptures,
  type Params,
} from './match-pattern.js';
import { createParamsConstructor, type ParamsConstructor } from './params-constructor.js';
import { SegmentTrie, lastCaptures, lastReached, type Target } from './segment-trie.js';

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
  /** The lowest key of this pattern (its rank, an exact method, its place in priority order). */
  baseKey: number;
}

/** A static path's winner for one method, with the params a dynamic winner captures from it. */
interface StaticTarget<T> {
  readonly record: RouteRecord<T>;
  /** Decoded `[name, value]` pairs, empty for the static pattern itself. */
  readonly params: ReadonlyArray<readonly [string, string]>;
}

/** The winner of a lookup, in the shape `Router.match` returns. */
export interface TableHit<T> {
  kind: 'found';
  value: T;
  params: Params;
  /** The path the route was bound with. */
  pattern: string;
}

// Matching is synchronous, so one scratch array of capture offsets serves every build.
const caps: number[] = [];

/** How well a pattern's routes serve `method`: exact, then GET serving HEAD, then ALL. */
function pickRoute<T>(entry: PatternEntry<T>, method: string): RouteRecord<T> | undefined {
  return (
    entry.byMethod.get(method) ??
    (method === 'HEAD' ? entry.byMethod.get('GET') : undefined) ??
    entry.all
  );
}

/** 3 exact, 2 GET serving HEAD, 1 ALL. */
function methodScore<T>(record: RouteRecord<T>, method: string): number {
  if (record.method === method) return 3;
  return record.method === 'ALL' ? 1 : 2;
}

/** The routes bound for one domain key, with the indexes built from them. */
export class RouteTable<T> {
  private readonly entries = new Map<string, PatternEntry<T>>();
  private dirty = false;
  /** Method -> id; absent methods are id 0 (only ALL routes serve them). */
  private methodIds = new Map<string, number>();
  private lastMethod = '';
  private lastId = 0;
  /** Static path -> winner per method id. */
  private staticSlots = new Map<string, Array<StaticTarget<T> | undefined>>();
  /** Every pattern's entries on a static path matching it, for `collectMethods`. */
  private staticEntries = new Map<string, Array<PatternEntry<T>>>();
  private trie = new SegmentTrie<PatternEntry<T>, RouteRecord<T>>();
  /**
   * One bit per (length mod 64, last character mod 32) of the static paths: a path whose bit is
   * clear is no static path, and skips hashing itself for `staticSlots` (most dynamic paths).
   */
  private staticShapes = new Uint32Array(64);

  /** Adds a route; duplicates were refused by the caller. */
  add(compiled: CompiledPattern, record: RouteRecord<T>): void {
    let entry = this.entries.get(compiled.path);
    if (entry === undefined) {
      entry = {
        compiled,
        byMethod: new Map(),
        all: undefined,
        order: this.entries.size,
        rank: 0,
        baseKey: 0,
      };
      this.entries.set(compiled.path, entry);
    }
    if (record.method === 'ALL') entry.all = record;
    else entry.byMethod.set(record.method, record);
    this.dirty = true;
  }

  /**
   * The best route for `method` on the normalized `path`; `null` when routes match the path
   * for other methods only, `undefined` when none matches it at all.
   */
  lookup(method: string, path: string): TableHit<T> | null | undefined {
    if (this.dirty) this.build();
    // Requests mostly repeat one method: a string comparison beats a Map lookup.
    let id = this.lastId;
    if (method !== this.lastMethod) {
      id = this.lastId = this.methodIds.get(method) ?? 0;
      this.lastMethod = method;
    }
    const slot = this.mayBeStatic(path) ? this.staticSlots.get(path) : undefined;
    if (slot !== undefined) {
      const target = slot[id];
      if (target === undefined) return null;
      const params = createParams();
      for (const [name, value] of target.params) params[name] = value;
      return { kind: 'found', value: target.record.value, params, pattern: target.record.path };
    }
    const won = this.trie.lookup(path, id);
    if (won === undefined) return lastReached() ? null : undefined;
    return {
      kind: 'found',
      value: won.value.value,
      params: new won.Params(path, lastCaptures()),
      pattern: won.value.path,
    };
  }

  private mayBeStatic(path: string): boolean {
    const len = path.length;
    return (this.staticShapes[len & 63]! & (1 << (path.charCodeAt(len - 1) & 31))) !== 0;
  }

  /**
   * The methods of every route whose pattern matches `path`, added to `into` (created on the
   * first match, so a plain miss allocates nothing).
   */
  collectMethods(path: string, into?: Set<string>): Set<string> | undefined {
    if (this.dirty) this.build();
    const add = (entry: PatternEntry<T>): void => {
      into ??= new Set();
      for (const method of entry.byMethod.keys()) into.add(method);
      if (entry.all !== undefined) into.add('ALL');
    };
    const listed = this.staticEntries.get(path);
    if (listed !== undefined) listed.forEach(add);
    else this.trie.collect(path, add);
    return into;
  }

  private build(): void {
    const sorted = [...this.entries.values()].sort(
      (a, b) => comparePriority(a.compiled, b.compiled) || a.order - b.order,
    );
    // key = (rank * 4 + (3 - method score)) * n + place in priority order: lower wins.
    const n = sorted.length;
    let rank = 0;
    sorted.forEach((entry, i) => {
      if (i > 0 && comparePriority(sorted[i - 1]!.compiled, entry.compiled) !== 0) rank++;
      entry.rank = rank;
      entry.baseKey = rank * 4 * n + i;
    });
    const methods = ['', 'HEAD'];
    for (const entry of sorted) {
      for (const m of entry.byMethod.keys()) if (!methods.includes(m)) methods.push(m);
    }
    this.methodIds = new Map(methods.map((m, id) => [m, id]));
    this.methodIds.delete('');
    this.lastMethod = '';
    this.lastId = 0;
    /** The winner among `entries` for each method id (id 0: ALL routes only). */
    const winners = (entries: readonly PatternEntry<T>[]): Array<PatternEntry<T> | undefined> =>
      methods.map((m, id) => {
        let best: PatternEntry<T> | undefined;
        let bestKey = Infinity;
        for (const e of entries) {
          const record = id === 0 ? e.all : pickRoute(e, m);
          if (record === undefined) continue;
          const key = e.baseKey + (3 - (id === 0 ? 1 : methodScore(record, m))) * n;
          if (key < bestKey) [best, bestKey] = [e, key];
        }
        return best;
      });
    const recordOf = (e: PatternEntry<T>, id: number): RouteRecord<T> =>
      (id === 0 ? e.all : pickRoute(e, methods[id]!))!;

    const constructors = new Map<PatternEntry<T>, ParamsConstructor>();
    const constructorOf = (e: PatternEntry<T>): ParamsConstructor => {
      let make = constructors.get(e);
      if (make === undefined)
        constructors.set(e, (make = createParamsConstructor(e.compiled.names)));
      return make;
    };
    this.trie = new SegmentTrie();
    for (const entry of sorted) if (!entry.compiled.isStatic) this.trie.insert(entry);
    this.trie.finish(
      (entries) =>
        winners(entries).map((e, id): Target<RouteRecord<T>> | undefined => {
          if (e === undefined) return undefined;
          const record = recordOf(e, id);
          const score = id === 0 ? 1 : methodScore(record, methods[id]!);
          return { key: e.baseKey + (3 - score) * n, value: record, Params: constructorOf(e) };
        }),
      (e) => e.baseKey,
    );

    this.staticSlots = new Map();
    this.staticEntries = new Map();
    this.staticShapes = new Uint32Array(64);
    for (const entry of sorted) {
      if (!entry.compiled.isStatic) continue;
      const path = entry.compiled.path;
      const segments = countSegments(path);
      const matching: Array<PatternEntry<T>> = [];
      const params = new Map<PatternEntry<T>, Array<[string, string]>>();
      for (const other of sorted) {
        if (other === entry) {
          matching.push(entry);
          params.set(entry, []);
        } else if (!other.compiled.isStatic && matchPattern(other.compiled, path, segments, caps)) {
          matching.push(other);
          params.set(other, Object.entries(paramsFromCaptures(other.compiled.names, path, caps)));
        }
      }
      this.staticEntries.set(path, matching);
      this.staticShapes[path.length & 63]! |= 1 << (path.charCodeAt(path.length - 1) & 31);
      this.staticSlots.set(
        path,
        winners(matching).map((e, id) =>
          e === undefined ? undefined : { record: recordOf(e, id), params: params.get(e)! },
        ),
      );
    }
    this.dirty = false;
  }
}
