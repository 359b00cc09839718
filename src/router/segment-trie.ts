/**
 * A segment trie of the dynamic patterns of one route table, built when the table is (re)built
 * and walked once per lookup, left to right, without splitting the path or allocating.
 *
 * Every node stands for a sequence of pattern segments; its children are literal segments (found
 * by comparing the request segment in place), one whole-segment parameter (`:id`, `{id}`),
 * in-segment templates (`{id}.html`, one child per shape) and `*name` (the rest of the path).
 * A request path reaches a node along one path of segments only, so a walk visits each node at
 * most once and reads each request segment a bounded number of times: linear in the path length.
 *
 * GoFrame's priority is global (deeper patterns, then more literal text, ...), not "literal
 * first", so the walk looks for the matching route with the lowest priority key (rank, method
 * score, binding order folded into one number) and prunes every subtree whose best possible key
 * cannot beat the best route found so far. Children are tried best subtree first, so the first
 * route found is usually the winner and the rest of the walk is pruned.
 *
 * Cheap steps, measured in bench/router.ts: literal keys are compared as character-code arrays
 * in place (no slice, no hash), chains of lone literal children are merged into one key
 * (`api/v1`), a wide fan-out is grouped by first character, and the winner's captures stay
 * offsets until its params object is built (`params-constructor.ts`).
 */
import type { CompiledPattern, TemplatePart } from './pattern.js';
import { matchTemplate } from './match-pattern.js';
import type { ParamsConstructor } from './params-constructor.js';

/** The route a trie leaf gives one method, with its priority key (lower wins). */
export interface Target<V> {
  readonly key: number;
  readonly value: V;
  /** Builds the pattern's params from the captures (see `params-constructor.ts`). */
  readonly Params: ParamsConstructor;
}

/** The patterns ending at a node, and the winner among them for each method id. */
export interface Leaf<E, V> {
  readonly entries: E[];
  /** Per method id (numbered by the owner); filled by `SegmentTrie.finish`. */
  targets: Array<Target<V> | undefined>;
}

const PARAM = 0;
const TEMPLATE = 1;
const WILDCARD = 2;

interface Edge<E, V> {
  /** PARAM, TEMPLATE or WILDCARD (every edge has every field: monomorphic reads). */
  readonly kind: number;
  /** For TEMPLATE: its literal text and parameters; otherwise empty. */
  readonly parts: readonly TemplatePart[];
  /** For TEMPLATE: the parts with parameter names erased, to share one child per shape. */
  readonly shape: string;
  readonly node: TrieNode<E, V>;
}

/**
 * Above this many literal children, a node groups them by first character (an array indexed by
 * an ASCII character code, a Map for the rest: no slice, no string hash) and compares only the
 * keys of one group.
 */
const LINEAR_STATIC = 6;

interface StaticGroup<E, V> {
  readonly codes: number[][];
  readonly nodes: Array<TrieNode<E, V>>;
}

class TrieNode<E, V> {
  /** Literal children: one segment, or several joined by `/` once a chain is compressed. */
  staticKeys: string[] = [];
  staticNodes: Array<TrieNode<E, V>> = [];
  /**
   * The keys as character codes, set by `finish`: reading an array of small integers is cheaper
   * than `charCodeAt` on a string, which dispatches on the string's representation.
   */
  staticCodes: number[][] = [];
  /** For a large fan-out: the literal children by first character. */
  staticByChar: Array<StaticGroup<E, V> | undefined> | undefined = undefined;
  staticMap: Map<number, StaticGroup<E, V>> | undefined = undefined;
  /** Parameter, template and wildcard children, best subtree first once finished. */
  edges: Array<Edge<E, V>> = [];
  /** Patterns ending here (for a wildcard edge's node: the `*name` patterns). */
  leaf: Leaf<E, V> | undefined = undefined;
  /** The lowest key any route in this subtree can have: a walk skips the subtree above it. */
  minKey = Infinity;

  staticChild(text: string): TrieNode<E, V> {
    const i = this.staticKeys.indexOf(text);
    if (i !== -1) return this.staticNodes[i]!;
    const node = new TrieNode<E, V>();
    this.staticKeys.push(text);
    this.staticNodes.push(node);
    return node;
  }

  edgeChild(kind: number, parts: readonly TemplatePart[], shape: string): TrieNode<E, V> {
    for (const edge of this.edges) if (edge.kind === kind && edge.shape === shape) return edge.node;
    const node = new TrieNode<E, V>();
    this.edges.push({ kind, parts, shape, node });
    return node;
  }
}

function charCodes(text: string): number[] {
  const codes: number[] = [];
  for (let i = 0; i < text.length; i++) codes.push(text.charCodeAt(i));
  return codes;
}

function templateShape(parts: readonly TemplatePart[]): string {
  let shape = '';
  for (const part of parts) shape += 'param' in part ? '{}' : part.literal;
  return shape;
}

/** No route found yet: every key beats it. */
const NO_KEY = Infinity;

/**
 * One lookup's state, in module-level objects so that the recursive walk allocates nothing
 * (matching is synchronous: one walk runs at a time). The scalars sit in one constant object
 * rather than `let` bindings: plain field reads, no temporal-dead-zone checks.
 */
const caps: number[] = [];
const bestCaps: number[] = [];
const walkState = {
  methodId: 0,
  bestKey: NO_KEY,
  bestTarget: undefined as Target<unknown> | undefined,
  reached: false,
  staticLength: 0,
};

/**
 * The dynamic patterns of one route table as a segment trie.
 * @example
 * const trie = new SegmentTrie<{ compiled: CompiledPattern }, string>();
 * const Params = createParamsConstructor(['id']);
 * trie.insert({ compiled: compilePattern('/user/:id') });
 * trie.finish(() => [{ key: 0, value: 'user', Params }], () => 0); // one method id: 0
 * const won = trie.lookup('/user/42', 0); // { key: 0, value: 'user', Params }
 * new won!.Params('/user/42', lastCaptures()); // { id: '42' }
 */
export class SegmentTrie<E extends { readonly compiled: CompiledPattern }, V> {
  private readonly root = new TrieNode<E, V>();

  /** Adds a dynamic pattern (at least one parameter). */
  insert(entry: E): void {
    let node = this.root;
    for (const seg of entry.compiled.segments) {
      if (seg.kind === 'literal') node = node.staticChild(seg.text);
      else if (seg.kind === 'param') node = node.edgeChild(PARAM, [], '');
      else if (seg.kind === 'template') {
        node = node.edgeChild(TEMPLATE, seg.parts, templateShape(seg.parts));
      } else node = node.edgeChild(WILDCARD, [], '*');
    }
    node.leaf ??= { entries: [], targets: [] };
    node.leaf.entries.push(entry);
  }

  /**
   * Settles the trie once every pattern is in: `targetsFor` gives a leaf's winner per method id,
   * `minKeyOf` the lowest key an entry can reach (its best method score); children get sorted
   * best subtree first and large literal fan-outs get a Map.
   */
  finish(
    targetsFor: (entries: readonly E[]) => Array<Target<V> | undefined>,
    minKeyOf: (entry: E) => number,
  ): void {
    // A literal child with nothing but one literal child of its own merges with it (`api` then
    // `v1` become `api/v1`): one comparison instead of two steps of the walk.
    const compress = (node: TrieNode<E, V>): void => {
      node.staticNodes.forEach((child, i) => {
        const chain = [node.staticKeys[i]!];
        while (
          child.leaf === undefined &&
          child.edges.length === 0 &&
          child.staticKeys.length === 1
        ) {
          chain.push(child.staticKeys[0]!);
          child = node.staticNodes[i] = child.staticNodes[0]!;
        }
        // join() makes a flat string (`+=` would make a rope, slower to read per character).
        node.staticKeys[i] = chain.join('/');
        compress(child);
      });
      for (const edge of node.edges) compress(edge.node);
    };
    compress(this.root);
    const settle = (node: TrieNode<E, V>): number => {
      let min = Infinity;
      if (node.leaf !== undefined) {
        node.leaf.targets = targetsFor(node.leaf.entries);
        for (const e of node.leaf.entries) min = Math.min(min, minKeyOf(e));
      }
      for (const child of node.staticNodes) min = Math.min(min, settle(child));
      for (const edge of node.edges) min = Math.min(min, settle(edge.node));
      node.edges.sort((a, b) => a.node.minKey - b.node.minKey);
      node.staticCodes = node.staticKeys.map(charCodes);
      if (node.staticKeys.length > LINEAR_STATIC) {
        const byChar: Array<StaticGroup<E, V> | undefined> = new Array(128).fill(undefined);
        const map = new Map<number, StaticGroup<E, V>>();
        node.staticKeys.forEach((key, i) => {
          const first = key.charCodeAt(0);
          const group = (first < 128 ? byChar[first] : map.get(first)) ?? { codes: [], nodes: [] };
          group.codes.push(node.staticCodes[i]!);
          group.nodes.push(node.staticNodes[i]!);
          if (first < 128) byChar[first] = group;
          else map.set(first, group);
        });
        node.staticByChar = byChar;
        node.staticMap = map;
      }
      node.minKey = min;
      return min;
    };
    settle(this.root);
  }

  /**
   * Walks a normalized path for method id `id`. Returns the winning target (its captures are
   * left in `lastCaptures()`), or undefined; `lastReached()` then tells whether any pattern
   * matched the path at all (for another method).
   */
  lookup(path: string, id: number): Target<V> | undefined {
    walkState.methodId = id;
    walkState.bestKey = NO_KEY;
    walkState.bestTarget = undefined;
    walkState.reached = false;
    // `/` has no segments: start past the end.
    walk(this.root, path, path.length === 1 ? 2 : 1, 0);
    const won = walkState.bestTarget as Target<V> | undefined;
    walkState.bestTarget = undefined;
    return won;
  }

  /** The leaf entries of every pattern matching `path` (every method), in no particular order. */
  collect(path: string, visit: (entry: E) => void): void {
    collectWalk(this.root, path, path.length === 1 ? 2 : 1, 0, visit);
  }
}

/** Capture offsets of the last `lookup`'s winner: `[start, end)` per parameter. */
export function lastCaptures(): readonly number[] {
  return bestCaps;
}

/** Whether the last `lookup` met any pattern matching the path, whatever its methods. */
export function lastReached(): boolean {
  return walkState.reached;
}

function offer<E, V>(leaf: Leaf<E, V>, c: number): void {
  walkState.reached = true;
  const target = leaf.targets[walkState.methodId];
  if (target === undefined || target.key >= walkState.bestKey) return;
  walkState.bestKey = target.key;
  walkState.bestTarget = target;
  for (let i = 0; i < c; i++) bestCaps[i] = caps[i]!;
}

/**
 * The literal child of `node` whose key is spelled at `pos` and followed by `/` or the end of
 * the path, or undefined; its key's length is left in `walkState.staticLength`. No segment end is needed
 * (no `indexOf`), and the comparison is an inlined character loop rather than a builtin call.
 */
function staticChild<E, V>(
  node: TrieNode<E, V>,
  path: string,
  pos: number,
): TrieNode<E, V> | undefined {
  const len = path.length;
  // Literal segments are never empty: an empty segment (or the end) matches no key.
  if (pos >= len) return undefined;
  const first = path.charCodeAt(pos);
  let keys = node.staticCodes;
  let nodes = node.staticNodes;
  if (node.staticByChar !== undefined) {
    const group = first < 128 ? node.staticByChar[first] : node.staticMap!.get(first);
    if (group === undefined) return undefined;
    keys = group.codes;
    nodes = group.nodes;
  }
  next: for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const after = pos + key.length;
    if (key[0] !== first || after > len) continue;
    if (after < len && path.charCodeAt(after) !== 47 /* / */) continue;
    for (let j = 1; j < key.length; j++) {
      if (path.charCodeAt(pos + j) !== key[j]) continue next;
    }
    walkState.staticLength = key.length;
    return nodes[i];
  }
  return undefined;
}

/**
 * `pos` is where the next segment starts, or `path.length + 1` once every segment is consumed;
 * `c` is how many capture offsets the segments so far produced.
 */
function walk<E, V>(node: TrieNode<E, V>, path: string, pos: number, c: number): void {
  const len = path.length;
  if (pos > len) {
    if (node.leaf !== undefined) offer(node.leaf, c);
  } else if (node.staticKeys.length !== 0) {
    const child = staticChild(node, path, pos);
    if (child !== undefined && child.minKey < walkState.bestKey) {
      walk(child, path, pos + walkState.staticLength + 1, c);
    }
  }
  const edges = node.edges;
  // The end of the current segment, found once the first parameter needs it.
  let end = -1;
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i]!;
    const next = edge.node;
    // Sorted best subtree first: once one cannot win, none after it can.
    if (next.minKey >= walkState.bestKey) return;
    if (edge.kind === WILDCARD) {
      // The rest of the path, or empty when the path ends at the parent (`/files` for `/files/*p`).
      caps[c] = pos > len ? len : pos;
      caps[c + 1] = len;
      offer(next.leaf!, c + 2);
      continue;
    }
    if (pos > len) continue;
    if (end === -1) {
      end = path.indexOf('/', pos);
      if (end === -1) end = len;
    }
    if (edge.kind === PARAM) {
      if (end === pos) continue;
      caps[c] = pos;
      caps[c + 1] = end;
      walk(next, path, end + 1, c + 2);
    } else {
      const after = matchTemplate(edge.parts, path, pos, end, caps, c);
      if (after >= 0) walk(next, path, end + 1, after);
    }
  }
}

function collectWalk<E, V>(
  node: TrieNode<E, V>,
  path: string,
  pos: number,
  c: number,
  visit: (entry: E) => void,
): void {
  const len = path.length;
  let end = len;
  if (pos > len) {
    if (node.leaf !== undefined) for (const e of node.leaf.entries) visit(e);
  } else {
    end = path.indexOf('/', pos);
    if (end === -1) end = len;
    const child = staticChild(node, path, pos);
    if (child !== undefined) collectWalk(child, path, pos + walkState.staticLength + 1, c, visit);
  }
  for (const edge of node.edges) {
    if (edge.kind === WILDCARD) {
      for (const e of edge.node.leaf!.entries) visit(e);
    } else if (pos > len) {
      continue;
    } else if (edge.kind === PARAM) {
      if (end > pos) collectWalk(edge.node, path, end + 1, c, visit);
    } else {
      const after = matchTemplate(edge.parts, path, pos, end, caps, c);
      if (after >= 0) collectWalk(edge.node, path, end + 1, after, visit);
    }
  }
}
