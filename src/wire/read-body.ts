/**
 * Reading a request body under a size limit, whole (`readBody`) or as a stream (`bodyStream`).
 * Both refuse a declared `Content-Length` over the limit before reading a byte, stop reading a
 * chunked body at the first chunk that passes it, and turn a body cut short into a 400.
 *
 * Neither drains what is left unread: the caller answering 413/400 should close the connection
 * (`Connection: close`), since the rest of an oversized body is not worth reading.
 */
import type { Readable } from 'node:stream';
import { HttpError, SluiceError } from '../errors/index.js';
import type { IncomingHeaders } from '../http/headers.js';

/**
 * Where a body comes from: Node's IncomingMessage (HTTP/1.1), an HTTP/2 stream, anything that is
 * a Readable with the request's headers and knows when the body arrived whole.
 */
export interface BodySource {
  readonly stream: Readable;
  readonly headers: IncomingHeaders;
  /** True once the whole body arrived. */
  complete(): boolean;
  /**
   * Given by a source whose parser ends a message right after the last byte its Content-Length
   * declares (Node's HTTP/1.1 parser): the body may then be taken once all those bytes are
   * buffered, before `complete()` says so; this is told when that happened.
   */
  takenWhole?(): void;
}

/**
 * Reads the whole request body, up to `limit` bytes.
 *
 * - `Content-Length` over `limit`: rejects at once with `HttpError` 413 `SLUICE_BODY_TOO_LARGE`,
 *   reading nothing;
 * - a body already buffered whole (it came with the head) is taken at once, without listeners;
 * - otherwise chunks are collected and concatenated once; the first chunk that takes the total
 *   past `limit` rejects with 413, and reading stops (listeners removed, the request paused);
 * - a body that ends before its `Content-Length`, or a connection that aborts mid-body,
 *   rejects with `HttpError` 400 `SLUICE_BAD_REQUEST`;
 * - a request whose body was already (partly) read rejects with `SluiceError` `SLUICE_BODY_CONSUMED`.
 *
 * `limit` is in bytes (Sluice's default is 1 MiB); `Infinity` means no limit. A body of exactly
 * `limit` bytes is accepted. Resolves an empty Buffer for a request with no body.
 * @example const buf = await readBody(req, 1024 * 1024);
 */
export function readBody(source: BodySource, limit: number): Promise<Buffer> {
  try {
    const now = readNow(source, limit);
    if (now) return Promise.resolve(now);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  // Node's parser pushes a body that came in the same packet as the head only after the
  // 'request' event returns: one microtask later it is usually buffered whole, and taken
  // without a listener. Otherwise (a larger or slower body) the chunks are collected.
  return Promise.resolve().then(() => readNow(source, limit) ?? collect(source, limit));
}

/** The checks before reading, then the body if it is already buffered whole (else undefined). */
function readNow(source: BodySource, limit: number): Buffer | undefined {
  const early = checkBeforeReading(source, limit);
  if (early) throw early;
  return takeBuffered(source, limit);
}

/**
 * The whole body, taken at once when it has already arrived and sits in the stream's buffer
 * (undefined otherwise, or for anything unusual: the listener path handles every case).
 */
function takeBuffered(source: BodySource, limit: number): Buffer | undefined {
  const req = source.stream;
  if (
    req.readableFlowing === true ||
    req.readableEncoding !== null ||
    req.readableObjectMode ||
    req.destroyed
  )
    return undefined;
  const total = req.readableLength;
  const declared = declaredLength(source);
  const ended = source.complete();
  // Node's parser runs the microtasks queued at the head before it reports the message
  // complete, but after it pushed the body: every declared byte there means nothing can follow.
  const early = !ended && source.takenWhole !== undefined && declared !== undefined;
  if (!ended && !(early && total === declared && total > 0)) return undefined;
  if (total > limit || (declared !== undefined && total !== declared)) return undefined;
  const buf = req.read() as Buffer | null;
  if (buf === null) return total === 0 ? Buffer.alloc(0) : undefined;
  if (!ended) {
    source.takenWhole!();
    // Flowing, as the listener path leaves it, so 'end' (then 'close') follows the parser's end.
    req.resume();
  }
  return buf;
}

/** The listener path: chunks collected as they arrive, under the limit. */
function collect(source: BodySource, limit: number): Promise<Buffer> {
  const req = source.stream;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;

    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (err: Error): void => {
      cleanup();
      req.pause();
      reject(err);
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += buf.length;
      if (total > limit) return fail(tooLarge(limit));
      chunks.push(buf);
    };
    const onEnd = (): void => {
      cleanup();
      // Node's parser only ends a Content-Length body once all of it arrived; check anyway.
      const declared = declaredLength(source);
      if (declared !== undefined && total !== declared) return reject(cutShort(total, declared));
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
    };
    const onAborted = (): void => fail(cutShort(total, declaredLength(source)));
    const onError = (err: Error): void => fail(cutShort(total, declaredLength(source), err));
    const onClose = (): void => {
      // 'close' without 'end' means the body never finished.
      if (!source.complete()) fail(cutShort(total, declaredLength(source)));
    };

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * The request body as a web `ReadableStream<Uint8Array>` (chosen over a Node `Readable` so it
 * works with `new Response(stream)`, `TextDecoderStream` and `for await`; use
 * `Readable.fromWeb()` to pipe it to Node streams). Same rules as {@link readBody}: a declared
 * `Content-Length` over `limit` errors the stream (413) before anything is read, the first chunk
 * past `limit` errors it (413) and stops reading, a body cut short errors it (400). Backpressure:
 * the request is paused while the stream's queue (64 KiB) is full. Cancelling the stream stops
 * reading the request. A body already read throws `SLUICE_BODY_CONSUMED` at once.
 * @example for await (const chunk of bodyStream(req, 100 * 1024 * 1024)) file.write(chunk);
 */
export function bodyStream(source: BodySource, limit: number): ReadableStream<Uint8Array> {
  const req = source.stream;
  const early = checkBeforeReading(source, limit);
  if (early instanceof SluiceError) throw early;
  let total = 0;
  let cleanup = (): void => {};
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (early) return controller.error(early);
        const fail = (err: Error): void => {
          cleanup();
          req.pause();
          controller.error(err);
        };
        const onData = (chunk: Buffer | string): void => {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          total += buf.length;
          if (total > limit) return fail(tooLarge(limit));
          controller.enqueue(buf);
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        };
        const onEnd = (): void => {
          cleanup();
          const declared = declaredLength(source);
          if (declared !== undefined && total !== declared)
            controller.error(cutShort(total, declared));
          else controller.close();
        };
        const onAborted = (): void => fail(cutShort(total, declaredLength(source)));
        const onError = (err: Error): void => fail(cutShort(total, declaredLength(source), err));
        const onClose = (): void => {
          if (!source.complete()) fail(cutShort(total, declaredLength(source)));
        };
        cleanup = () => {
          req.off('data', onData);
          req.off('end', onEnd);
          req.off('aborted', onAborted);
          req.off('error', onError);
          req.off('close', onClose);
        };
        req.on('data', onData);
        req.on('end', onEnd);
        req.on('aborted', onAborted);
        req.on('error', onError);
        req.on('close', onClose);
        req.pause(); // pull() resumes when the consumer wants bytes
      },
      pull() {
        req.resume();
      },
      cancel() {
        cleanup();
        req.pause();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
}

/** The error to fail with before reading anything, if any. */
function checkBeforeReading(source: BodySource, limit: number): Error | undefined {
  const req = source.stream;
  if (typeof limit !== 'number' || Number.isNaN(limit) || limit < 0) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `body limit must be a number of bytes >= 0, got ${String(limit)}`,
    );
  }
  if (req.readableDidRead || req.readableEnded) return new SluiceError('SLUICE_BODY_CONSUMED');
  const declared = declaredLength(source);
  if (declared !== undefined && declared > limit) return tooLarge(limit);
  return undefined;
}

function declaredLength(source: BodySource): number | undefined {
  // Node's parser has already refused a malformed or duplicated Content-Length, and
  // a chunked request's Content-Length is ignored by it (RFC 9112 §6.3), so ignore it too.
  const raw = source.headers['content-length'];
  if (typeof raw !== 'string' || source.headers['transfer-encoding'] !== undefined)
    return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function tooLarge(limit: number): HttpError {
  return HttpError.fromCode('SLUICE_BODY_TOO_LARGE', `limit is ${limit} bytes`);
}

function cutShort(got: number, declared: number | undefined, cause?: unknown): HttpError {
  const detail =
    declared === undefined
      ? `the body ended early (connection aborted after ${got} bytes)`
      : `the body ended after ${got} of the ${declared} bytes its Content-Length declared`;
  const err = HttpError.fromCode('SLUICE_BAD_REQUEST', detail);
  if (cause !== undefined)
    Object.defineProperty(err, 'cause', { value: cause, configurable: true });
  return err;
}
