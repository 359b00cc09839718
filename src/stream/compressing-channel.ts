/**
 * A channel that compresses what goes through it (`compress({ streams: true })`): every write
 * goes through the compressor and is flushed at once (Z_SYNC_FLUSH / BROTLI_OPERATION_FLUSH),
 * so each event reaches the client when it is sent instead of waiting in the compressor's
 * window. It wraps the transport's channel; the Sink above it cannot tell the difference.
 */
import zlib from 'node:zlib';
import type { CompressionLevels, Encoding } from '../http/encoding.js';
import type { Channel, ChannelEvents } from './channel.js';

/**
 * Wraps `inner` with a gzip or brotli compressor.
 * @example const channel = new CompressingChannel(wireChannel, 'br', { brotliQuality: 4, gzipLevel: 6 });
 */
export class CompressingChannel implements Channel {
  readonly #inner: Channel;
  readonly #z: zlib.Gzip | zlib.BrotliCompress;
  readonly #flushKind: number;

  constructor(inner: Channel, encoding: Encoding, levels: CompressionLevels) {
    this.#inner = inner;
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
      if (!inner.destroyed) inner.write(c);
    });
    this.#z.on('error', () => inner.destroy());
  }

  write(chunk: string | Uint8Array): boolean {
    this.#z.write(chunk);
    this.#z.flush(this.#flushKind);
    return this.#inner.unsent < 16 * 1024;
  }

  end(chunk?: string | Uint8Array): void {
    const inner = this.#inner;
    this.#z.once('end', () => {
      if (!inner.destroyed) inner.end();
    });
    if (chunk !== undefined) this.#z.end(chunk);
    else this.#z.end();
  }

  destroy(): void {
    this.#z.destroy();
    this.#inner.destroy();
  }

  closeAfterPending(): void {
    if (this.#z.destroyed) return this.#inner.closeAfterPending();
    // What the compressor still holds goes out first (an `event: error`, say).
    this.#z.flush(this.#flushKind, () =>
      setImmediate(() => {
        this.#z.destroy();
        this.#inner.closeAfterPending();
      }),
    );
  }

  /** Bytes waiting in the compressor count as unsent too. */
  get unsent(): number {
    return this.#inner.unsent + this.#z.writableLength;
  }

  get finished(): boolean {
    return this.#inner.finished;
  }

  get destroyed(): boolean {
    return this.#inner.destroyed;
  }

  cork(): void {
    this.#inner.cork();
  }

  uncork(): void {
    this.#inner.uncork();
  }

  listen(events: ChannelEvents): void {
    this.#wrapper = {
      onDrain: () => events.onDrain(),
      onFinish: () => events.onFinish(),
      onClose: () => {
        this.#z.destroy();
        events.onClose();
      },
    };
    this.#inner.listen(this.#wrapper);
  }

  #wrapper: ChannelEvents | undefined;

  unlisten(_events: ChannelEvents): void {
    if (!this.#wrapper) return;
    this.#inner.unlisten(this.#wrapper);
    this.#wrapper = undefined;
  }
}
