/**
 * `stream()`: an `EventSource` that can POST. It reads a `text/event-stream` with `fetch` and web
 * streams (browsers and Node), parses it by the WHATWG rules, and reconnects the way
 * `EventSource` does, plus backoff for failures and a typed error for a stream that cannot go on.
 */
import { EventStreamParser } from './parser.js';
import { ERROR_BODY_WAIT_MS, MAX_ERROR_BODY_BYTES, StreamError } from './stream-error.js';

/** One event as `stream()` yields it. `Data` is `string`, or `unknown` with `json: true`. */
export interface StreamEvent<Data = string> {
  /** The last event id in force (`''` when none yet, or after the server reset it). */
  id: string;
  /** The event type, `'message'` when the server named none. */
  event: string;
  data: Data;
}

/**
 * A discriminated union of events by `event`, from a map of event names to data types.
 * @example
 * type Chat = TypedEvent<{ token: { text: string }; done: { reason: string } }>;
 * // { id: string; event: 'token'; data: { text: string } } | { id: string; event: 'done'; data: { reason: string } }
 */
export type TypedEvent<Events extends object> = {
  [K in keyof Events & string]: { id: string; event: K; data: Events[K] };
}[keyof Events & string];

/** A request body that can be sent again on every reconnect. */
export type StreamBody = string | Uint8Array | (() => string | Uint8Array);

/** Options of {@link stream}. */
export interface StreamOptions {
  /** HTTP method. Default `'GET'`. */
  method?: string;
  /** Extra request headers, sent on every (re)connect. `Accept: text/event-stream` and `Cache-Control: no-cache` are always set. */
  headers?: HeadersInit;
  /** Request body, sent on every (re)connect: a string, bytes, or a function returning one. Default none. */
  body?: StreamBody;
  /** Parse every event's data as JSON (a `StreamError` `SLUICE_CLIENT_JSON` when it is not). Default `false`. */
  json?: boolean;
  /** The `Last-Event-ID` to send on the first request (resuming a stream). Default none. */
  lastEventId?: string;
  /** Reconnect delay in ms until the server sends `retry:` (capped by `maxRetryDelay`). Default 3000. */
  retry?: number;
  /**
   * Longest wait before a reconnect, in ms, whatever the server's `retry:` or `Retry-After`
   * (seconds or an HTTP date) says and however many failures in a row. Default 30000
   * (`MAX_BACKOFF_MS`); at most 2^31 - 1 (about 24.8 days, the longest timer) is waited.
   */
  maxRetryDelay?: number;
  /** Aborting it ends the iteration quietly and cancels the request. */
  signal?: AbortSignal;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Consecutive failed attempts (network errors, 429/502/503/504) tolerated before a `StreamError` `SLUICE_CLIENT_RETRIES`. Default `Infinity`. */
  maxRetries?: number;
  /** Longest line accepted by the parser, in characters. Default 1 MiB. */
  maxLineLength?: number;
  /**
   * Largest event accepted, in UTF-8 bytes of its data (its data lines together); a larger one
   * throws a `StreamError` `SLUICE_CLIENT_EVENT_TOO_LARGE` and cancels the request. Default 1 MiB.
   */
  maxEventSize?: number;
}

/** Default {@link StreamOptions.retry}: 3 s, as in `EventSource`. */
export const DEFAULT_RETRY_MS = 3000;
/**
 * Default {@link StreamOptions.maxRetryDelay}: no reconnect waits longer than 30 s, be it the
 * backoff after consecutive failures, the server's `retry:` or its `Retry-After`.
 */
export const MAX_BACKOFF_MS = 30_000;
/** The longest delay `setTimeout` takes; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRIABLE = new Set([429, 502, 503, 504]);

/**
 * Opens an event stream and yields its events, reconnecting like `EventSource`.
 *
 * - Sends `method`, `headers` and `body` again on every reconnect, with `Last-Event-ID` (the last
 *   id seen, kept across reconnects) when it is not empty.
 * - After a clean end of the body it reconnects after `retry` ms (the server's `retry:` once sent,
 *   else `options.retry`, default 3000). After a network error or a 429/502/503/504 it backs off:
 *   `retry * 2^(n-1)` for the n-th consecutive failure, with jitter (50–100 %), or as long as
 *   `Retry-After` says. Every wait is capped at `maxRetryDelay` (default 30 s).
 * - A 204 ends the iteration quietly. Another non-2xx status throws `StreamError`
 *   (`SLUICE_CLIENT_STATUS`), a content type other than `text/event-stream` throws
 *   `SLUICE_CLIENT_CONTENT_TYPE`.
 * - Leaving the loop (`break`, `return`, a throw) or aborting `signal` ends the iteration and
 *   cancels the request (the body reader is cancelled and the fetch aborted).
 *
 * With `json: true` pass the event map as the type argument to get a discriminated union (a
 * type assertion: the data is not validated). Each iteration of the returned iterable opens its
 * own connection.
 * @example
 * for await (const ev of stream('/api/chat', {
 *   method: 'POST',
 *   headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ prompt: 'hi' }),
 * })) console.log(ev.event, ev.data);
 * @example
 * for await (const ev of stream<{ token: { text: string }; done: object }>(url, { json: true })) {
 *   if (ev.event === 'token') write(ev.data.text); else break;
 * }
 */
export function stream<Events extends object = Record<string, unknown>>(
  url: string | URL,
  options: StreamOptions & { json: true },
): AsyncIterable<TypedEvent<Events>>;
export function stream(
  url: string | URL,
  options?: StreamOptions & { json?: false },
): AsyncIterable<StreamEvent<string>>;
export function stream(
  url: string | URL,
  options?: StreamOptions,
): AsyncIterable<StreamEvent<unknown>>;
export function stream(
  url: string | URL,
  options: StreamOptions = {},
): AsyncIterable<StreamEvent<unknown>> {
  const method = (options.method ?? 'GET').toUpperCase();
  if (options.body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new TypeError(`stream(): a ${method} request cannot have a body`);
  }
  for (const name of ['maxRetryDelay', 'maxEventSize'] as const) {
    const value = options[name];
    if (value !== undefined && !(value >= 0)) {
      throw new TypeError(`stream(): ${name} must be a number >= 0, not ${String(value)}`);
    }
  }
  return {
    [Symbol.asyncIterator](): AsyncIterator<StreamEvent<unknown>> {
      // Our own controller, so that return() can cut a pending read at once (an async
      // generator's return() would otherwise wait for the read to settle).
      const stop = new AbortController();
      const outer = options.signal;
      const onAbort = (): void => stop.abort(outer?.reason);
      if (outer?.aborted) stop.abort(outer.reason);
      else outer?.addEventListener('abort', onAbort, { once: true });
      const gen = connectLoop(url, method, options, stop.signal);
      const release = (): void => outer?.removeEventListener('abort', onAbort);
      return {
        async next() {
          try {
            const r = await gen.next();
            if (r.done === true) release();
            return r;
          } catch (error) {
            release();
            throw error;
          }
        },
        async return(value?: unknown) {
          stop.abort();
          release();
          await gen.return(undefined);
          return { done: true, value };
        },
      };
    },
  };
}

async function* connectLoop(
  url: string | URL,
  method: string,
  options: StreamOptions,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent<unknown>, void, undefined> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const maxRetries = options.maxRetries ?? Infinity;
  let lastEventId = options.lastEventId ?? '';
  let retry = options.retry ?? DEFAULT_RETRY_MS;
  const maxDelay = Math.min(options.maxRetryDelay ?? MAX_BACKOFF_MS, MAX_TIMER_MS);
  let failures = 0;
  while (!signal.aborted) {
    const request = new AbortController();
    const onAbort = (): void => request.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let delay = -1; // set on a clean end or by Retry-After; otherwise the backoff
    let failure: { error: unknown; status: number; headers?: Headers; body?: string } | undefined;
    try {
      let response: Response | undefined;
      try {
        response = await fetchFn(url, {
          method,
          headers: requestHeaders(options.headers, lastEventId),
          body: requestBody(options.body),
          signal: request.signal,
          cache: 'no-store',
        });
      } catch (error) {
        if (signal.aborted) return;
        failure = { error, status: 0 };
      }
      if (response !== undefined) {
        if (response.status === 204) {
          await cancelBody(response);
          return;
        }
        if (RETRIABLE.has(response.status)) {
          const body = await readErrorBody(response);
          failure = {
            error: new Error(`HTTP ${response.status}`),
            status: response.status,
            headers: response.headers,
            body,
          };
          delay = retryAfterMs(response.headers.get('retry-after')) ?? -1;
        } else if (response.status < 200 || response.status > 299) {
          const body = await readErrorBody(response);
          throw new StreamError(
            'SLUICE_CLIENT_STATUS',
            response.status,
            `HTTP ${response.status}`,
            {
              headers: response.headers,
              body,
            },
          );
        } else if (!isEventStream(response.headers.get('content-type'))) {
          const body = await readErrorBody(response);
          throw new StreamError(
            'SLUICE_CLIENT_CONTENT_TYPE',
            response.status,
            String(response.headers.get('content-type')),
            { headers: response.headers, body },
          );
        } else {
          failures = 0;
          const parser = new EventStreamParser({
            lastEventId,
            maxLineLength: options.maxLineLength,
            maxEventSize: options.maxEventSize,
            onRetry: (ms) => (retry = ms),
          });
          const reader = response.body?.getReader();
          try {
            for (;;) {
              if (reader === undefined) break;
              const { done, value } = await reader.read();
              if (done) break;
              for (const ev of parser.feed(value)) {
                lastEventId = ev.id;
                yield {
                  id: ev.id,
                  event: ev.event,
                  data: decodeData(ev.data, options.json, response.status),
                };
              }
              lastEventId = parser.lastEventId; // an id in an event without data still counts
            }
            parser.end();
            delay = retry;
          } catch (error) {
            if (signal.aborted) return;
            if (error instanceof StreamError) {
              throw error.status === 0
                ? new StreamError(error.code, response.status, undefined, { cause: error })
                : error;
            }
            failure = { error, status: response.status };
          } finally {
            reader?.cancel().catch(ignore);
          }
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      request.abort();
    }
    if (failure !== undefined) {
      failures++;
      if (failures > maxRetries) {
        throw new StreamError('SLUICE_CLIENT_RETRIES', failure.status, `${failures - 1} retries`, {
          cause: failure.error,
          headers: failure.headers,
          body: failure.body,
        });
      }
    }
    // The server's retry and Retry-After are any number (9999999999 would overflow the timer
    // to 1 ms): capped like the backoff.
    const wait = delay >= 0 ? delay : backoffMs(retry, Math.max(failures, 1), maxDelay);
    await sleep(wait < maxDelay ? wait : maxDelay, signal);
  }
}

/** The delay before the n-th consecutive failed attempt is retried: exponential, capped, jittered. */
function backoffMs(retry: number, failures: number, cap: number): number {
  const base = Math.min(cap, retry * 2 ** Math.min(failures - 1, 30));
  return base / 2 + (Math.random() * base) / 2;
}

/** `Retry-After` as ms: delay-seconds or an HTTP-date; `undefined` when absent or invalid. */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function requestHeaders(init: HeadersInit | undefined, lastEventId: string): Headers {
  const headers = new Headers(init);
  headers.set('Accept', 'text/event-stream');
  headers.set('Cache-Control', 'no-cache');
  if (lastEventId !== '') headers.set('Last-Event-ID', latin1OfUtf8(lastEventId));
  else headers.delete('Last-Event-ID');
  return headers;
}

/** Header values are byte strings: send a non-Latin-1 id as its UTF-8 bytes, as browsers do. */
function latin1OfUtf8(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  let out = '';
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte);
  return out;
}

function requestBody(body: StreamBody | undefined): BodyInit | undefined {
  // A Uint8Array over a SharedArrayBuffer is not a BodyInit in the DOM types; fetch copies it anyway.
  return (typeof body === 'function' ? body() : body) as BodyInit | undefined;
}

function decodeData(data: string, json: boolean | undefined, status: number): unknown {
  if (json !== true) return data;
  try {
    return JSON.parse(data) as unknown;
  } catch (error) {
    throw new StreamError('SLUICE_CLIENT_JSON', status, JSON.stringify(data.slice(0, 80)), {
      cause: error,
    });
  }
}

function isEventStream(contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'text/event-stream';
}

/**
 * The start of an error response's body as text: at most MAX_ERROR_BODY_BYTES, waiting at most
 * ERROR_BODY_WAIT_MS for it; the rest is cancelled. Never throws (a body that fails reads as what
 * arrived before the failure).
 */
async function readErrorBody(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>(
    (resolve) => (timer = setTimeout(resolve, ERROR_BODY_WAIT_MS)),
  );
  try {
    while (size < MAX_ERROR_BODY_BYTES) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === undefined || next.done) break;
      chunks.push(next.value);
      size += next.value.byteLength;
    }
  } catch {
    // A body that breaks off: keep what came.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(ignore);
  }
  const bytes = new Uint8Array(Math.min(size, MAX_ERROR_BODY_BYTES));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
    if (at === bytes.length) break;
  }
  const text = new TextDecoder().decode(bytes);
  // A character cut at the limit decodes as one U+FFFD: dropped, so the text ends on a whole
  // character (a body that fits keeps its own U+FFFD).
  return size > bytes.length ? text.replace(/\uFFFD$/, '') : text;
}

async function cancelBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(ignore);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    // Never past the timer's range (it would fire at once); NaN (a bad `retry`) waits 0.
    const timer = setTimeout(done, ms > 0 ? Math.min(ms, MAX_TIMER_MS) : 0);
    signal.addEventListener('abort', done, { once: true });
  });
}

function ignore(): void {}
