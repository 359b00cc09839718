/**
 * Pipes a source into a Sink with backpressure, and stops the source (its `return()`,
 * `cancel()` or `destroy()`) as soon as the request aborts (the client left, a limit cut the
 * stream, the server shuts down).
 */
import type { Readable } from 'node:stream';
import type { Sink } from './sink.js';

/**
 * Told when a request aborts: a callback, or an object with `requestAborted` (a long-lived
 * stream registers itself, so it holds no closure and no context per connection).
 */
export type AbortListener = ((reason: Error) => void) | { requestAborted(reason: Error): void };

/**
 * Tells one listener that the request aborted, whichever shape it has.
 * @example notifyAborted(eventStream, new ClientClosedError());
 */
export function notifyAborted(listener: AbortListener, reason: Error): void {
  if (typeof listener === 'function') listener(reason);
  else listener.requestAborted(reason);
}

/** Where pipeSource learns that the request aborted (the request implements it). */
export interface AbortNotifier {
  onAborted(listener: AbortListener): void;
  offAborted(listener: AbortListener): void;
}

export type StreamSource =
  AsyncIterable<unknown> | Iterable<unknown> | ReadableStream<unknown> | Readable;

/**
 * Sends every item of `source`, encoded by `encode`. Resolves true when the source ended, false
 * when the client left (or a limit cut the stream) first. Errors from the source reject.
 */
export async function pipeSource(
  sink: Sink,
  aborts: AbortNotifier,
  source: StreamSource,
  encode: (item: unknown) => string | Uint8Array,
): Promise<boolean> {
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
  aborts.onAborted(stop);
  let done = false;
  try {
    for (;;) {
      if (sink.gone) return false;
      const step = await iterator.next();
      if (step.done) {
        done = true;
        return true;
      }
      if (sink.gone || !sink.write(encode(step.value))) return false;
      if (sink.unsent >= sink.policy.highWaterMark && !(await sink.ready())) return false;
    }
  } finally {
    aborts.offAborted(stop);
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
