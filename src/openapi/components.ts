/**
 * `components.schemas` of a document being built. A converted schema is a standalone JSON
 * Schema: its `$ref`s point into itself (`#/$defs/User`, or `#` for a recursive schema). Inside
 * an OpenAPI document `#` is the document, so those schemas are hoisted: each `$defs` entry
 * becomes a component, a self-referencing root becomes one too, and every reference is
 * rewritten to `#/components/schemas/...`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonSchema } from './json-schema.js';

const COMPONENT = '#/components/schemas/';

/** Component schemas by name, deduplicated by content. */
export class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /**
   * Adds a schema under `name` (or `name2`, `name3`... when another schema holds the name);
   * returns the name used. The same content under the same name is stored once.
   * @example components.add('SluiceError', ERROR_SCHEMA) // 'SluiceError'
   */
  add(name: string, schema: JsonSchema): string {
    const base = safeName(name);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}${n}`;
      const held = this.schemas[candidate];
      if (held === undefined) {
        this.schemas[candidate] = schema;
        return candidate;
      }
      if (isDeepStrictEqual(held, schema)) return candidate;
    }
  }

  /**
   * A converted schema made safe to embed: `$defs` hoisted, and a schema that refers to its own
   * root (`$ref: '#'`) stored as the component `hint` and returned as a reference to it.
   * @example components.embed(recursiveTree, 'Tree') // { $ref: '#/components/schemas/Tree' }
   */
  embed(schema: JsonSchema, hint: string): JsonSchema {
    const defs = schema.$defs as Record<string, JsonSchema> | undefined;
    let root: JsonSchema = schema;
    if (defs !== undefined) {
      root = { ...schema };
      delete root.$defs;
      // Names first, so definitions that refer to each other are rewritten consistently.
      const renamed = new Map<string, string>();
      // A library's generated names (zod's `__schema0`) become the route's: `PostTreeInputDef`.
      // A definition already held under its name with the same content is shared.
      const same = (ref: string): string | undefined => {
        const m = /^#\/\$defs\/(.+)$/.exec(ref);
        return m ? COMPONENT + safeName(decodePointer(m[1]!)) : undefined;
      };
      const reused = new Set<string>();
      for (const [name, def] of Object.entries(defs)) {
        const held = this.schemas[safeName(name)];
        if (held !== undefined && isDeepStrictEqual(held, rewriteRefs(def, same))) {
          renamed.set(name, safeName(name));
          reused.add(name);
        } else {
          renamed.set(name, this.#reserve(/^__schema\d*$/.test(name) ? `${hint}Def` : name));
        }
      }
      const rewrite = (ref: string): string | undefined => {
        const m = /^#\/\$defs\/(.+)$/.exec(ref);
        const to = m ? renamed.get(decodePointer(m[1]!)) : undefined;
        return to === undefined ? undefined : COMPONENT + to;
      };
      for (const [name, def] of Object.entries(defs)) {
        if (!reused.has(name))
          this.schemas[renamed.get(name)!] = rewriteRefs(def, rewrite) as JsonSchema;
      }
      root = rewriteRefs(root, rewrite) as JsonSchema;
    }
    if (!hasLocalRef(root)) return root;
    // The root refers to itself: it becomes a component, and `#...` points into it.
    const name = this.#reserve(hint);
    this.schemas[name] = rewriteRefs(root, (ref) =>
      ref === '#'
        ? COMPONENT + name
        : ref.startsWith('#/')
          ? COMPONENT + name + ref.slice(1)
          : undefined,
    ) as JsonSchema;
    return { $ref: COMPONENT + name };
  }

  #reserve(name: string): string {
    const base = safeName(name);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}${n}`;
      if (this.schemas[candidate] === undefined) {
        this.schemas[candidate] = {}; // held until filled
        return candidate;
      }
    }
  }
}

/** A copy of `value` with every `$ref` the function maps rewritten. */
function rewriteRefs(value: unknown, map: (ref: string) => string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, map));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' ? (map(v) ?? v) : rewriteRefs(v, map);
  }
  return out;
}

/** True when a `$ref` points inside the schema itself (`#`, `#/...`). */
function hasLocalRef(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasLocalRef);
  if (value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string' && (v === '#' || v.startsWith('#/'))) {
      if (!v.startsWith(COMPONENT)) return true;
    } else if (hasLocalRef(v)) return true;
  }
  return false;
}

/** A component name OpenAPI accepts (`^[a-zA-Z0-9.\-_]+$`). */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || 'Schema';
}

function decodePointer(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~');
}
