/**
 * Params objects built by one constructor per list of parameter names, made at bind time.
 *
 * Filling an object through `params[names[i]] = value` is a keyed store that sees every route's
 * names and object shapes, so V8 makes it megamorphic (a stub-cache probe per parameter). A
 * constructor that assigns its own fixed names gets monomorphic stores and, through slack
 * tracking, one preallocated hidden class: about a third of a parameter lookup's cost in
 * bench/router.ts. The source is generated from names `compilePattern` already restricted to
 * word characters (and quoted with `JSON.stringify` regardless); where code generation from
 * strings is disabled (`--disallow-code-generation-from-strings`) the generic loop is used.
 */
import { decodeParam, PARAMS_PROTOTYPE, type Params } from './match-pattern.js';

/** Builds the params of one pattern from the capture offsets a match left (use with `new`). */
export type ParamsConstructor = new (path: string, caps: readonly number[]) => Params;

/**
 * Returns a constructor for the params of a pattern with these parameter names (capture order):
 * each value is `path.slice(start, end)` of its capture pair, percent-decoded when it holds `%`.
 * @example
 * const Params = createParamsConstructor(['id', 'postId']);
 * new Params('/u/7/p/9', [3, 4, 7, 8]); // { id: '7', postId: '9' } (no prototype)
 */
export function createParamsConstructor(names: readonly string[]): ParamsConstructor {
  // The `%` test is inlined: most values hold none, and a call per value is what it saves.
  const body = names
    .map(
      (name, i) =>
        `v = path.slice(caps[${2 * i}], caps[${2 * i + 1}]);\n` +
        `this[${JSON.stringify(name)}] = v.indexOf('%') === -1 ? v : decode(v);`,
    )
    .join('\n');
  let Shaped: ParamsConstructor;
  try {
    Shaped = new Function('decode', `return function Params(path, caps) {\nlet v;\n${body}\n};`)(
      decodeParam,
    ) as ParamsConstructor;
  } catch {
    // Code generation from strings is disabled: the same params, filled by a loop.
    Shaped = function Params(this: Params, path: string, caps: readonly number[]) {
      for (let i = 0; i < names.length; i++) {
        this[names[i]!] = decodeParam(path.slice(caps[2 * i]!, caps[2 * i + 1]!));
      }
    } as unknown as ParamsConstructor;
  }
  Shaped.prototype = PARAMS_PROTOTYPE;
  return Shaped;
}
