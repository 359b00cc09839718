/**
 * An outlet that compresses a stream (`compress({ streams: true })`): every write goes through
 * the compressor and is flushed at once (Z_SYNC_FLUSH / BROTLI_OPERATION_FLUSH), so each event
 * reaches the client when it is sent instead of waiting in the compressor's window.
 */
import zlib from 'node:zlib';
import type { ServerResponse } from 'node:http';
import { Outlet, type StreamPolicy } from './outlet.js';
import type { StreamRegistry } from './stream-registry.js';

export type Encoding = 'br' | 'gzip';

export interface CompressionLevels {
  brotliQuality: number;
  gzipLevel: number;
}

export class CompressedOutlet extends Outlet {
  readonly #z: zlib.Gzip | zlib.BrotliCompress;
  readonly #flushKind: number;

  constructor(
    res: ServerResponse,
    policy: StreamPolicy,
    registry: StreamRegistry,
    encoding: Encoding,
    levels: CompressionLevels,
  ) {
    super(res, policy, registry);
    if (encoding === 'br') {
      this.#z = zlib.createBrotliCompress({
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: levels.brotliQuality,
          [zlib.constants.BROTLI_PARAM_LGWIN]: 18,
        },
      });
      this.#flushKind = zlib.constants.BROTLI_OPERATION_FLUSH;
    } else {
      this.#z = zlib.createGzip({ level: levels.gzipLevel, memLevel: 7, windowBits: 14 });
      this.#flushKind = zlib.constants.Z_SYNC_FLUSH;
    }
    this.#z.on('data', (c: Buffer) => {
      if (!res.destroyed) res.write(c);
    });
    this.#z.on('error', (err) => this.cut(err));
    res.once('close', () => this.#z.destroy());
  }

  /** Bytes waiting in the compressor count as unsent too. */
  override get unsent(): number {
    return this.res.writableLength + this.#z.writableLength;
  }

  protected override sinkWrite(chunk: string | Uint8Array): boolean {
    this.#z.write(chunk);
    this.#z.flush(this.#flushKind);
    return this.res.writableLength < this.res.writableHighWaterMark;
  }

  protected override afterPending(fn: () => void): void {
    if (this.#z.destroyed) return fn();
    this.#z.flush(this.#flushKind, () => setImmediate(fn));
  }

  protected override sinkEnd(chunk?: string | Uint8Array): void {
    const res = this.res;
    this.#z.once('end', () => {
      if (!res.destroyed) res.end();
    });
    if (chunk !== undefined) this.#z.end(chunk);
    else this.#z.end();
  }
}
