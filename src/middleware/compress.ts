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
import type { Middleware } from '../engine/types.js';
import { negotiate, type Encoding } from '../http/encoding.js';

/**
 * Options of `middleware.compress()`.
 * @example middleware.compress({ threshold: 2048, streams: true })
 */
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

/**
 * Compression for responses whose client accepts it (see the module comment).
 * @example s.use(middleware.compress({ threshold: 2048 }))
 */
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
