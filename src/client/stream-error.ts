/**
 * The one error type the stream client throws for a stream that cannot go on. Its codes live in
 * the client's own catalogue (`client/errors.ts`): the browser bundle carries nothing of the
 * server's. README documents them with every other code.
 */
import { CLIENT_ERROR_CODES, type ClientErrorCode } from './errors.js';

/** The codes a {@link StreamError} can carry. */
export type StreamErrorCode = ClientErrorCode;

/**
 * Why a stream stopped for good: a non-retriable status (`SLUICE_CLIENT_STATUS`), a response that
 * is not `text/event-stream` (`SLUICE_CLIENT_CONTENT_TYPE`), a line over the parser's limit
 * (`SLUICE_CLIENT_LINE_TOO_LONG`), an event over its limit (`SLUICE_CLIENT_EVENT_TOO_LARGE`), data that is not JSON under `json: true` (`SLUICE_CLIENT_JSON`),
 * more consecutive failures than `maxRetries` (`SLUICE_CLIENT_RETRIES`, the last failure is the
 * `cause`) or a strict `collectEvents` deadline (`SLUICE_CLIENT_TIMEOUT`).
 * `status` is the HTTP status of the response concerned, `0` when there was none; `headers` are
 * its headers and `body` the start of its body as text (up to {@link MAX_ERROR_BODY_BYTES} bytes,
 * read for at most {@link ERROR_BODY_WAIT_MS} ms), so a client can show the server's own message
 * (`{"error":"token expired"}`); both are empty when there was no response or it was streaming.
 * @example
 * try {
 *   for await (const ev of stream(url)) console.log(ev.data);
 * } catch (err) {
 *   if (err instanceof StreamError && err.status === 401) showLogin(err.body);
 *   else throw err;
 * }
 */
export class StreamError extends Error {
  readonly code: StreamErrorCode;
  readonly status: number;
  /** The response's headers (empty when there was no response). */
  readonly headers: Headers;
  /** The start of the response body as text, at most 4 KiB of it (`''` when none was read). */
  readonly body: string;
  constructor(
    code: StreamErrorCode,
    status: number,
    detail?: string,
    options?: { cause?: unknown; headers?: Headers; body?: string },
  ) {
    const message = CLIENT_ERROR_CODES[code].message;
    super(detail ? `${message}: ${detail}` : message, options);
    this.name = 'StreamError';
    this.code = code;
    this.status = status;
    this.headers = options?.headers ?? new Headers();
    this.body = options?.body ?? '';
  }
}

/**
 * How much of an error response's body a {@link StreamError} keeps: 4 KiB, enough for any error
 * document a server means a person to read, small enough that a hostile one costs nothing.
 * @example if (err.body.length > 0) console.error(`server said: ${err.body}`); // at most 4 KiB
 */
export const MAX_ERROR_BODY_BYTES = 4096;

/**
 * How long the client waits for an error response's body before throwing with what it has: a
 * server that trickles an endless error body must not hold the caller.
 * @example // a 500 whose body never ends still throws within about a second
 */
export const ERROR_BODY_WAIT_MS = 1000;
