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
 * `status` is the HTTP status of the response concerned, `0` when there was none.
 * @example
 * try { for await (const ev of stream(url)) console.log(ev.data); }
 * catch (err) { if (err instanceof StreamError && err.status === 401) login(); else throw err; }
 */
export class StreamError extends Error {
  readonly code: StreamErrorCode;
  readonly status: number;
  constructor(
    code: StreamErrorCode,
    status: number,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    const message = CLIENT_ERROR_CODES[code].message;
    super(detail ? `${message}: ${detail}` : message, options);
    this.name = 'StreamError';
    this.code = code;
    this.status = status;
  }
}
