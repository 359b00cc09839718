/**
 * Pipes a source into a committed response with backpressure, and stops the source (its
 * `return()`, `cancel()` or `destroy()`) as soon as the client leaves.
 */
import type { Readable } from 'node:stream';
import type { Response } from '../response/response.js';

export type StreamSource =
  AsyncIterable<unknown> | Iterable<unknown> | ReadableStream<unknown> | Readable;

/**
 * Sends every item of `source`, encoded by `encode`. Resolves true when the source ended, false
 * when the client left (or a limit cut the stream) first. Errors from the source reject.
 */
export async function pipeSource(
  response: Response,
  source: StreamSource,
  encode: (item: unknown) => string | Uint8Array,
): Promise<boolean> {
  const outlet = response.outlet;
  if (!outlet) throw new Error('pipeSource: the response is not committed');
  const iterator = iterate(source);
  // Stop a source that is waiting for its next item as soon as the client leaves. This runs in
  // a socket listener: a source whose return() throws must not make that exception uncaught.
  const stop = (): void => {
    try {
      void iterator.return?.()?.catch?.(() => undefined);
    } catch {
      // The source refused to stop; the loop below ends it when its next item arrives.
    }
  };
  response.request.onAborted(stop);
  let done = false;
  try {
    for (;;) {
      if (outlet.gone) return false;
      const step = await iterator.next();
      if (step.done) {
        done = true;
        return true;
      }
      if (outlet.gone || !outlet.write(encode(step.value))) return false;
      if (outlet.unsent >= outlet.policy.highWaterMark && !(await outlet.ready())) return false;
    }
  } finally {
    response.request.offAborted(stop);
    if (!done) {
      try {
        await iterator.return?.()?.catch?.(() => undefined);
      } catch {
        // A source whose return() throws is already done with.
      }
    }
  }
}

function iterate(source: StreamSource): AsyncIterator<unknown> {
  if (Symbol.asyncIterator in source) {
    return (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }
  if (Symbol.iterator in source) {
    const it = (source as Iterable<unknown>)[Symbol.iterator]();
    return {
      next: () => Promise.resolve(it.next()),
      return: (v?: unknown) => Promise.resolve(it.return?.(v) ?? { done: true, value: v }),
    };
  }
  // A web ReadableStream without async iteration support.
  const reader = (source as ReadableStream<unknown>).getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    return: async (v?: unknown) => {
      await reader.cancel();
      return { done: true, value: v };
    },
  };
}
