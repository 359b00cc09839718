/**
 * Response headers, held until commit. Once the response is committed every setter throws
 * SLUICE_HEADERS_COMMITTED instead of silently diverging from what went on the wire.
 * Stored as one flat array (lower-case name, name, value, ...): a response has a handful of
 * headers, and a Map plus an entry per header cost more memory per open stream than a scan.
 */
import { SluiceError } from '../errors.js';

type Value = string | string[];

export class ResponseHeaders {
  readonly #list: Array<string | string[]> = [];
  readonly #owner: { readonly committed: boolean };

  constructor(owner: { readonly committed: boolean }) {
    this.#owner = owner;
  }

  #find(key: string): number {
    const list = this.#list;
    for (let i = 0; i < list.length; i += 3) if (list[i] === key) return i;
    return -1;
  }

  /** Sets a header, replacing any value it had. */
  set(name: string, value: string | number | readonly string[]): this {
    this.#guard(name);
    const key = name.toLowerCase();
    const v = normalise(value);
    const i = this.#find(key);
    if (i === -1) this.#list.push(key, name, v);
    else {
      this.#list[i + 1] = name;
      this.#list[i + 2] = v;
    }
    return this;
  }

  /** Adds a value to a header (a second `Set-Cookie`, say). */
  append(name: string, value: string): this {
    this.#guard(name);
    const key = name.toLowerCase();
    const i = this.#find(key);
    if (i === -1) this.#list.push(key, name, value);
    else {
      const old = this.#list[i + 2]!;
      this.#list[i + 2] = Array.isArray(old) ? [...old, value] : [old, value];
    }
    return this;
  }

  /** The header's value (several values joined by ", "), or undefined. */
  get(name: string): string | undefined {
    const i = this.#find(name.toLowerCase());
    if (i === -1) return undefined;
    const v = this.#list[i + 2]!;
    return Array.isArray(v) ? v.join(', ') : v;
  }

  has(name: string): boolean {
    return this.#find(name.toLowerCase()) !== -1;
  }

  delete(name: string): boolean {
    this.#guard(name);
    const i = this.#find(name.toLowerCase());
    if (i === -1) return false;
    this.#list.splice(i, 3);
    return true;
  }

  /** Every header as [lower-case name, [name, value]]. */
  *entries(): IterableIterator<[string, [string, Value]]> {
    const list = this.#list;
    for (let i = 0; i < list.length; i += 3) {
      yield [list[i] as string, [list[i + 1] as string, list[i + 2]!]];
    }
  }

  get size(): number {
    return this.#list.length / 3;
  }

  /** The headers as the object `writeHead` takes. */
  toObject(): Record<string, Value> {
    const out: Record<string, Value> = {};
    const list = this.#list;
    for (let i = 0; i < list.length; i += 3) out[list[i + 1] as string] = list[i + 2]!;
    return out;
  }

  #guard(name: string): void {
    if (this.#owner.committed)
      throw new SluiceError('SLUICE_HEADERS_COMMITTED', `header "${name}"`);
  }
}

function normalise(value: string | number | readonly string[]): Value {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  return [...value];
}
