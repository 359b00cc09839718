/**
 * GoFrame's object bindings: `bindObject` (an object's methods as routes, named by the
 * name-to-URI rule, `{.struct}`/`{.method}` in the pattern, `index` at the pattern itself) and
 * `bindObjectRest` (methods named after HTTP verbs), with `init(r)`/`shut(r)` around each call.
 * Pure planning: it returns `[pattern, handler]` pairs for a binder to bind.
 */
import { SluiceError } from '../errors/index.js';
import { EXIT } from '../exchange/exit.js';
import type { Request } from '../exchange/request.js';
import type { Handler } from '../engine/types.js';
import { parseBindPattern } from '../router/index.js';

/**
 * How class and method names become URI segments (GoFrame's `URI_TYPE_*`):
 * `'default'` kebab-case (`NamesObject` -> `names-object`), `'fullName'` the names as they are
 * (a method's first letter upper-cased, as Go names are), `'allLower'`, `'camel'`.
 */
export type NameToUriType = 'default' | 'fullName' | 'allLower' | 'camel';

/** Which methods to bind: a list (`'show, delete'` or `['show', 'delete']`) or one name. */
export type ObjectMethods = string | readonly string[];

const HTTP_VERBS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE'];
const RESERVED = new Set(['constructor', 'init', 'shut']);

type Method = (this: object, r: Request) => unknown;

/**
 * The routes of `bindObject(pattern, object, methods?)`.
 * @example objectRoutes('/user', new User(), undefined, 'default') // [['/user/show', h], ['/user', indexHandler], ...]
 */
export function objectRoutes(
  pattern: string,
  object: object,
  methods: ObjectMethods | undefined,
  type: NameToUriType,
): Array<[string, Handler]> {
  const all = objectMethods(object);
  // One method name: that method exactly at `pattern` (GoFrame's BindObjectMethod).
  if (typeof methods === 'string' && !methods.includes(',')) {
    const name = findMethod(all, methods.trim(), pattern);
    return [[pattern, wrap(object, all.get(name)!)]];
  }
  let names = [...all.keys()];
  if (methods !== undefined) {
    const list = typeof methods === 'string' ? methods.split(',') : methods;
    names = list.map((m) => findMethod(all, m.trim(), pattern));
  }
  const { methods: verbs, path, domain } = parseBindPattern(pattern);
  const prefix = verbs.length === 1 && verbs[0] === 'ALL' ? '' : verbs.join(',') + ':';
  const suffix = domain ? '@' + domain : '';
  const structName = uriName(object.constructor === Object ? '' : object.constructor.name, type);
  const hasVars = /\{\.\w+\}/.test(path);
  const routes: Array<[string, Handler]> = [];
  for (const name of names) {
    const uri = uriName(name, type, true);
    let p = path.replaceAll('{.struct}', structName);
    p = p.includes('{.method}') ? p.replaceAll('{.method}', uri) : joinPath(p, uri);
    const handler = wrap(object, all.get(name)!);
    routes.push([prefix + p + suffix, handler]);
    // `index` also serves the pattern itself when the pattern has no {.vars} (GoFrame's rule).
    if (name.toLowerCase() === 'index' && !hasVars) routes.push([prefix + path + suffix, handler]);
  }
  return routes;
}

/**
 * The routes of `bindObjectRest(pattern, object)`: a method named after an HTTP verb (any case)
 * serves that verb at `pattern` (`{.struct}` and `{.method}` expand as in `bindObject`).
 * @example restRoutes('/user', { get: (r) => 'one', delete: (r) => 'gone' }, 'default') // [['GET:/user', h], ['DELETE:/user', h]]
 */
export function restRoutes(
  pattern: string,
  object: object,
  type: NameToUriType = 'default',
): Array<[string, Handler]> {
  const all = objectMethods(object);
  const { path, domain } = parseBindPattern(pattern);
  const structName = uriName(object.constructor === Object ? '' : object.constructor.name, type);
  const routes: Array<[string, Handler]> = [];
  for (const [name, fn] of all) {
    const verb = name.toUpperCase();
    if (!HTTP_VERBS.includes(verb)) continue;
    const p = path
      .replaceAll('{.struct}', structName)
      .replaceAll('{.method}', uriName(name, type, true));
    routes.push([`${verb}:${p}${domain ? '@' + domain : ''}`, wrap(object, fn)]);
  }
  if (routes.length === 0) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `bindObjectRest("${pattern}"): the object has no method named after an HTTP verb (get, post, put, delete, patch...)`,
    );
  }
  return routes;
}

/**
 * A name as a URI segment by the rule.
 * @example uriName('ShowName', 'default') // 'show-name'
 */
export function uriName(name: string, type: NameToUriType, isMethod = false): string {
  switch (type) {
    case 'fullName':
      return isMethod ? name.charAt(0).toUpperCase() + name.slice(1) : name;
    case 'allLower':
      return name.toLowerCase();
    case 'camel':
      return name.charAt(0).toLowerCase() + name.slice(1);
    default:
      return name
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
        .replace(/_/g, '-')
        .toLowerCase();
  }
}

/** The object's methods: own function properties, then its prototypes', by name. */
function objectMethods(object: object): Map<string, Method> {
  const out = new Map<string, Method>();
  for (
    let level: object | null = object;
    level !== null && level !== Object.prototype && level !== Function.prototype;
    level = Object.getPrototypeOf(level) as object | null
  ) {
    for (const key of Object.getOwnPropertyNames(level)) {
      if (out.has(key) || key.startsWith('_')) continue;
      const value: unknown = Reflect.get(object, key);
      if (typeof value === 'function') out.set(key, value as Method);
    }
  }
  const init = out.get('init');
  const shut = out.get('shut');
  for (const key of RESERVED) out.delete(key);
  lifecycle.set(object, { init, shut });
  return out;
}

const lifecycle = new WeakMap<object, { init: Method | undefined; shut: Method | undefined }>();

function findMethod(all: Map<string, Method>, name: string, pattern: string): string {
  if (all.has(name)) return name;
  for (const key of all.keys()) if (key.toLowerCase() === name.toLowerCase()) return key;
  throw new SluiceError(
    'SLUICE_CONFIG',
    `bindObject("${pattern}"): the object has no method "${name}"`,
  );
}

/**
 * `init`, the method, then `shut`, as GoFrame runs them: `r.exit()` ends one of them only;
 * after `r.exitAll()` the rest does not run. The method's return value is the response value.
 */
function wrap(object: object, fn: Method): Handler {
  const { init, shut } = lifecycle.get(object) ?? { init: undefined, shut: undefined };
  if (!init && !shut) return (r) => fn.call(object, r);
  return async (r) => {
    if (init) await step(() => init.call(object, r));
    if (r.isExited()) return undefined;
    const out = await step(() => fn.call(object, r));
    if (shut && !r.isExited()) await step(() => shut.call(object, r));
    return out;
  };
}

async function step(call: () => unknown): Promise<unknown> {
  try {
    return await call();
  } catch (err) {
    if (err === EXIT) return undefined;
    throw err;
  }
}

function joinPath(a: string, b: string): string {
  return (a.endsWith('/') ? a : a + '/') + b;
}
