/**
 * `middleware.compress()`: gzip and brotli through node:zlib. Not post-processing: it chooses an
 * encoding up front and the response applies it when it commits.
 * - Buffered bodies of a compressible type at or above `threshold` bytes are compressed whole.
 * - Streams are left alone by default (a compressor holds hundreds of KiB per connection and
 *   breaks encode-once broadcasting); with `streams: true` they are compressed and flushed at
 *   every flush()/send(), so each event still arrives at once.
 * - `Cache-Control: no-transform`, an existing Content-Encoding, HEAD and bodiless statuses are
 *   left alone. `Vary: Accept-Encoding` is added whenever the choice depended on it.
 */
import type { Middleware } from '../server/core.js';
import type { Encoding } from '../stream/compressed-outlet.js';

export interface CompressOptions {
  /** Smallest buffered body worth compressing, in bytes. Default 1024. */
  threshold?: number;
  /** Compress streams too, flushing at every flush()/send(). Default false. */
  streams?: boolean;
  /** Encodings offered, in order of preference. Default ['br', 'gzip']. */
  encodings?: Encoding[];
  /** Brotli quality 0-11; 4 suits dynamic bodies (fast, still smaller than gzip). Default 4. */
  brotliQuality?: number;
  /** gzip level 1-9. Default 6. */
  gzipLevel?: number;
}

/** Per-request compression settings the response applies at commit. */
export interface CompressionPlan {
  encoding: Encoding;
  threshold: number;
  streams: boolean;
  brotliQuality: number;
  gzipLevel: number;
}

export function compress(options: CompressOptions = {}): Middleware {
  const offered = options.encodings ?? ['br', 'gzip'];
  const base = {
    threshold: options.threshold ?? 1024,
    streams: options.streams ?? false,
    brotliQuality: options.brotliQuality ?? 4,
    gzipLevel: options.gzipLevel ?? 6,
  };
  return (r) => {
    const encoding = negotiate(r.header('accept-encoding'), offered);
    if (encoding) r.response.compression = { encoding, ...base };
    return r.middleware.next();
  };
}

/** Picks the first offered encoding the client accepts with q > 0. */
export function negotiate(
  header: string | undefined,
  offered: readonly Encoding[],
): Encoding | undefined {
  if (!header) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  for (const enc of offered) {
    const weight = q.get(enc) ?? q.get('*');
    if (weight !== undefined && weight > 0) return enc;
  }
  return undefined;
}

const COMPRESSIBLE =
  /^(text\/|application\/(json|javascript|xml|x-ndjson|[\w.+-]+\+(json|xml))|image\/svg\+xml)/i;

/** True for content types worth compressing. */
export function isCompressible(contentType: string | undefined): boolean {
  return contentType !== undefined && COMPRESSIBLE.test(contentType);
}
