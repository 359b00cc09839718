/**
 * One write per socket per flush, built once for every socket of a broadcast. A hub publish
 * queues the same encoded frames (the same Buffer objects) on every subscriber, so at flush time
 * most streams hold an identical list. The list is joined into one buffer, already framed as an
 * HTTP/1.1 chunk (`<hex length>\r\n<bytes>\r\n`), and the result is reused by every stream whose
 * list holds the same frames: per stream, a flush is then one socket write of shared bytes
 * instead of one `res.write` per frame (each of which Node splits into four buffered pieces and
 * gathers into a `writev` of 4 x frames iovecs).
 *
 * Only the last few joins are kept (`CACHE_SIZE`), so the cache holds a bounded number of
 * buffers, each at most one window's frames.
 */

/** Frames joined once: the bytes, and the same bytes framed as one HTTP/1.1 chunk. */
export interface FrameBatch {
  /** The frames, joined (a view into `chunked`). */
  readonly body: Uint8Array;
  /** `body` framed as one chunk of a chunked HTTP/1.1 body. */
  readonly chunked: Buffer;
}

/** An encoded frame: bytes, or text written as UTF-8. */
export type Frame = string | Uint8Array;

/** Distinct frame lists remembered (streams that joined mid-window hold a shorter list). */
const CACHE_SIZE = 4;

const recent: { frames: readonly Frame[]; batch: FrameBatch }[] = [];

function sameFrames(a: readonly Frame[], b: readonly Frame[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Joins frames into one batch, reusing the batch of an earlier call with the same frames (the
 * same objects, or equal text, in the same order: encoded frames are never mutated once queued).
 * @example
 * const batch = batchFrames([frameA, frameB]);
 * socket.write(batch.chunked); // or, on a transport that frames itself: write(batch.body)
 */
export function batchFrames(frames: readonly Frame[]): FrameBatch {
  for (let i = 0; i < recent.length; i++) {
    const hit = recent[i]!;
    if (sameFrames(hit.frames, frames)) return hit.batch;
  }
  const batch = joinFrames(frames);
  if (recent.length >= CACHE_SIZE) recent.pop();
  // The caller may reuse its array: keep a copy of the list, not the list.
  recent.unshift({ frames: frames.slice(), batch });
  return batch;
}

function joinFrames(frames: readonly Frame[]): FrameBatch {
  let length = 0;
  for (const f of frames) length += typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength;
  const head = `${length.toString(16)}\r\n`;
  const chunked = Buffer.allocUnsafe(head.length + length + 2);
  let at = chunked.write(head, 0, 'latin1');
  const start = at;
  for (const f of frames) {
    if (typeof f === 'string') at += chunked.write(f, at, 'utf8');
    else {
      chunked.set(f, at);
      at += f.byteLength;
    }
  }
  chunked[at] = 0x0d;
  chunked[at + 1] = 0x0a;
  return { body: chunked.subarray(start, at), chunked };
}
