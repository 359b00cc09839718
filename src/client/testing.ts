/**
 * Test helpers for streams: open a stream against a real server, collect what it sends until a
 * condition holds, and always close it afterwards.
 */
import { stream, type StreamEvent, type StreamOptions } from './stream.js';
import { StreamError } from './stream-error.js';

/** Options of {@link collectEvents}: when to stop, plus every {@link StreamOptions} for a URL source. */
export interface CollectOptions extends StreamOptions {
  /** Stop after this many events. Default: no count. */
  count?: number;
  /** Stop after the first event with this name (included in the result). Default: no name. */
  until?: string;
  /** Deadline in ms. Default 5000. */
  timeoutMs?: number;
  /**
   * When `true`, the promise rejects with a `StreamError` `SLUICE_CLIENT_TIMEOUT` (the events so
   * far on its `events` property) if neither `count` nor `until` was reached, whether because
   * the deadline passed or the stream ended (e.g. on a 204). Default `false`: it resolves with the
   * events collected so far.
   */
  strict?: boolean;
}

/**
 * The error of a strict {@link collectEvents} that stopped short: carries the events it had.
 * @example
 * try { await collectEvents(url, { count: 5, timeoutMs: 1000, strict: true }); }
 * catch (err) { if (err instanceof CollectTimeoutError) console.log(err.events.length, 'of 5'); }
 */
export class CollectTimeoutError<Event> extends StreamError {
  readonly events: Event[];
  constructor(events: Event[], detail: string) {
    super('SLUICE_CLIENT_TIMEOUT', 0, detail);
    this.name = 'CollectTimeoutError';
    this.events = events;
  }
}

/**
 * Collects a stream's events until `count` events, the event named `until` (inclusive), the end
 * of the stream or the deadline (`timeoutMs`, default 5000), whichever comes first; then cancels
 * the stream (for a URL source: aborts the request; for an iterable: calls its `return()`).
 *
 * On the deadline or the end of the stream it resolves with what it has, unless `strict: true`
 * and `count`/`until` was not reached: then it rejects with a {@link CollectTimeoutError}.
 * An error thrown by the stream (e.g. a `StreamError` for a 500) rejects the promise.
 * @example
 * const events = await collectEvents(`${base}/ticks`, { count: 3 });
 * assert.deepEqual(events.map((e) => e.data), ['1', '2', '3']);
 * @example
 * const chat = await collectEvents(`${base}/chat`, { method: 'POST', body: '{}', until: 'done', strict: true });
 */
export async function collectEvents<Event extends StreamEvent<unknown> = StreamEvent<string>>(
  source: string | URL | AsyncIterable<Event>,
  options: CollectOptions = {},
): Promise<Event[]> {
  const { count, until, timeoutMs = 5000, strict = false, ...streamOptions } = options;
  const stop = new AbortController();
  const outer = streamOptions.signal;
  const onAbort = (): void => stop.abort(outer?.reason);
  if (outer?.aborted) stop.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  const iterable: AsyncIterable<Event> =
    typeof source === 'string' || source instanceof URL
      ? (stream(source, { ...streamOptions, signal: stop.signal }) as AsyncIterable<Event>)
      : source;
  const iterator = iterable[Symbol.asyncIterator]();
  const events: Event[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), timeoutMs);
  });
  const reached = (): boolean =>
    (count !== undefined && events.length >= count) ||
    (until !== undefined && events.at(-1)?.event === until);
  let stoppedBy = 'the stream ended';
  try {
    while (!reached()) {
      const pending = iterator.next();
      pending.catch(() => {}); // a read cut short by the deadline may still reject later
      const next = await Promise.race([pending, deadline]);
      if (next === 'deadline') {
        stoppedBy = `the ${timeoutMs} ms deadline passed`;
        break;
      }
      if (next.done === true) break;
      events.push(next.value);
    }
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
    stop.abort();
    // Not awaited: a foreign iterator may only settle its return() after its pending next().
    iterator.return?.().catch(() => {});
  }
  if (strict && (count !== undefined || until !== undefined) && !reached()) {
    throw new CollectTimeoutError(events, `${stoppedBy} after ${events.length} events`);
  }
  return events;
}
