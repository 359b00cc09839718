/**
 * The error classes: coded errors from the catalogue, `HttpError` (yours to throw: it becomes a
 * response with its status and message) and `ClientClosedError` (the peer left).
 */
import { ERROR_CODES, type ErrorCode } from './catalogue.js';
import { statusText } from './status-text.js';

/**
 * An error with a stable `SLUICE_...` code (README lists them all) and the HTTP status it
 * answers with; its message says what went wrong and what to do.
 * @example
 * try { await s.start(); }
 * catch (err) { if (err instanceof SluiceError && err.code === 'SLUICE_PORT_IN_USE') s.setPort(0); }
 */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const entry = ERROR_CODES[code];
    super(detail ? `${entry.message}: ${detail}` : entry.message, options);
    this.name = 'SluiceError';
    this.code = code;
    this.status = entry.status;
  }
}

/**
 * An error that becomes a response with its own status. Its message is shown to the client
 * (unlike other errors, whose text is hidden behind a plain 500).
 * @example throw new HttpError(404, 'no such user')
 */
export class HttpError extends Error {
  readonly status: number;
  /** Optional machine-readable code (e.g. a `SLUICE_...` code) and extra detail for the body. */
  readonly code: string | undefined;
  readonly details: unknown;
  constructor(
    status: number,
    message?: string,
    options?: { code?: string; details?: unknown; cause?: unknown },
  ) {
    super(message ?? statusText(status), { cause: options?.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = options?.code;
    this.details = options?.details;
  }

  /** An `HttpError` carrying a catalogue code, its status and message. */
  static fromCode(code: ErrorCode, detail?: string, details?: unknown): HttpError {
    const entry = ERROR_CODES[code];
    return new HttpError(entry.status, detail ? `${entry.message}: ${detail}` : entry.message, {
      code,
      details,
    });
  }
}

/**
 * The client went away: thrown by `rawWriter().write()` (Go's `Fprintf` error) and used as the
 * abort reason of `r.signal`. It is the normal end of a stream and is never logged as an error.
 * @example
 * r.signal.addEventListener('abort', () => {
 *   if (r.signal.reason instanceof ClientClosedError) stopGenerating();
 * });
 */
export class ClientClosedError extends Error {
  readonly code = 'SLUICE_CLIENT_CLOSED';
  constructor(message = 'the client closed the connection') {
    super(message);
    this.name = 'ClientClosedError';
  }
}

/** True for errors that mean "the peer left", which are not failures of the server. */
export function isClientGone(err: unknown): boolean {
  if (err instanceof ClientClosedError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ERR_STREAM_DESTROYED' ||
    code === 'ERR_STREAM_WRITE_AFTER_END'
  );
}

/**
 * The status an error answers with: its own for `HttpError`/`SluiceError` (or any error with a
 * 4xx/5xx `status`), else 500.
 * @example errorStatus(new HttpError(404)) // 404
 */
export function errorStatus(err: unknown): number {
  if (err instanceof HttpError || err instanceof SluiceError) return err.status;
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status <= 599) return status;
  return 500;
}
