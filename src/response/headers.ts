/**
 * Response headers, held until commit. Once the response is committed every setter throws
 * SLUICE_HEADERS_COMMITTED instead of silently diverging from what went on the wire.
 */
import { SluiceError } from '../errors.js';

type Value = string | string[];

export class ResponseHeaders {
  /** lower-case name -> [name as given, value] */
  readonly #map = new Map<string, [string, Value]>();
  readonly #isCommitted: () => boolean;

  constructor(isCommitted: () => boolean) {
    this.#isCommitted = isCommitted;
  }

  /** Sets a header, replacing any value it had. */
  set(name: string, value: string | number | readonly string[]): this {
    this.#guard(name);
    this.#map.set(name.toLowerCase(), [name, normalise(value)]);
    return this;
  }

  /** Adds a value to a header (a second `Set-Cookie`, say). */
  append(name: string, value: string): this {
    this.#guard(name);
    const key = name.toLowerCase();
    const entry = this.#map.get(key);
    if (!entry) this.#map.set(key, [name, value]);
    else entry[1] = Array.isArray(entry[1]) ? [...entry[1], value] : [entry[1], value];
    return this;
  }

  /** The header's value (several values joined by ", "), or undefined. */
  get(name: string): string | undefined {
    const v = this.#map.get(name.toLowerCase())?.[1];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  delete(name: string): boolean {
    this.#guard(name);
    return this.#map.delete(name.toLowerCase());
  }

  /** Every header, by lower-case name. */
  entries(): IterableIterator<[string, [string, Value]]> {
    return this.#map.entries();
  }

  get size(): number {
    return this.#map.size;
  }

  /** The headers as the object `writeHead` takes. */
  toObject(): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (const [name, value] of this.#map.values()) out[name] = value;
    return out;
  }

  #guard(name: string): void {
    if (this.#isCommitted()) throw new SluiceError('SLUICE_HEADERS_COMMITTED', `header "${name}"`);
  }
}

function normalise(value: string | number | readonly string[]): Value {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  return [...value];
}
