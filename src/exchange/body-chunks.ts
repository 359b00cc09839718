/**
 * The pieces of a buffered body: values turned into chunks, chunks joined once, a whole body
 * compressed. Pure functions the response uses; no state here.
 */
import zlib from 'node:zlib';
import type { CompressionPlan } from '../http/encoding.js';

/** A piece of a body: text (sent as UTF-8) or bytes. */
export type BodyChunk = string | Uint8Array;

/**
 * What `write(value)` appends: strings and bytes as they are, objects as JSON, anything else as
 * text; `undefined` and `null` append nothing.
 * @example toBodyChunk({ a: 1 }) // '{"a":1}'
 */
export function toBodyChunk(value: unknown): BodyChunk | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  if (typeof value === 'object') return JSON.stringify(value) ?? '';
  return String(value);
}

/** Byte length of a chunk. */
export function chunkLength(chunk: BodyChunk): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
}

/**
 * The chunks as one Buffer of `bytes` bytes (copied once).
 * @example joinChunks(['a', Buffer.from('b')], 2).toString() // 'ab'
 */
export function joinChunks(chunks: readonly BodyChunk[], bytes: number): Buffer {
  if (chunks.length === 1) {
    const c = chunks[0]!;
    return typeof c === 'string'
      ? Buffer.from(c)
      : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const c of chunks) {
    if (typeof c === 'string') at += out.write(c, at);
    else {
      out.set(c, at);
      at += c.byteLength;
    }
  }
  return out;
}

/**
 * A whole body compressed with the plan's encoding.
 * @example compressWhole('x'.repeat(2048), { encoding: 'gzip', gzipLevel: 6, ... })
 */
export function compressWhole(body: BodyChunk, plan: CompressionPlan): Buffer {
  if (plan.encoding === 'br') {
    return zlib.brotliCompressSync(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: plan.brotliQuality },
    });
  }
  return zlib.gzipSync(body, { level: plan.gzipLevel });
}

/** Statuses that never carry a body (204, 304, 1xx). */
export function isBodiless(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}
