/**
 * NDJSON (one JSON value per line), as a pure function: what `r.response.ndjson()` and NDJSON
 * return values put on the wire.
 */

/**
 * One NDJSON line: the value's JSON and a line break (`null` for a value with no JSON form).
 * A value JSON cannot serialise (a BigInt, a cycle) throws, and the stream fails before the line.
 * @example toNdjsonLine({ a: 1 }) // '{"a":1}\n'
 */
export function toNdjsonLine(value: unknown): string {
  return (JSON.stringify(value) ?? 'null') + '\n';
}
