/**
 * The one error renderer: every error Sluice answers before commit (an `HttpError`, a failed
 * validation, a body limit, 404, 405, a refused request head, a crash) becomes a body here, in
 * one of three shapes chosen by `setConfig({ errorFormat })`:
 *
 * - `json`: `{ "code", "message", "errors"? }` as `application/json`;
 * - `problem`: RFC 9457 problem details (`type`, `title`, `status`, `detail`, plus `code` and
 *   `errors`) as `application/problem+json`;
 * - `text`: the message as `text/plain`.
 *
 * `auto` (the default) answers JSON on typed routes, to clients whose `Accept` names JSON, and
 * for an error with field details (a validation failure), problem details to clients that ask
 * for them, and text otherwise. A 5xx never shows its message: only its status text and code.
 */
import type { ServerConfig } from '../config.js';
import { HttpError, SluiceError, errorStatus, statusText } from '../errors/index.js';
import type { Request } from '../exchange/request.js';

/** The body of an error, before it is written in one of the formats. */
export interface ErrorBody {
  status: number;
  /** A `SLUICE_...` code or the application's own; the status when the error has none. */
  code: string | number;
  /** What the client may read: the error's message, or the status text for a 5xx. */
  message: string;
  /** Field errors (a validation failure), when the error carries them. */
  errors?: unknown[];
}

/**
 * What an error shows the client. Messages of `HttpError`s and coded 4xx errors are shown (they
 * are written for the client); any other error shows only its status text.
 * @example errorBody(new HttpError(404, 'no such user')) // { status: 404, code: 404, message: 'no such user' }
 */
export function errorBody(err: unknown): ErrorBody {
  const status = errorStatus(err);
  const shown = err instanceof HttpError || (err instanceof SluiceError && status < 500);
  const code =
    err instanceof HttpError
      ? (err.code ?? status)
      : err instanceof SluiceError
        ? err.code
        : status;
  const body: ErrorBody = { status, code, message: shown ? err.message : statusText(status) };
  const details = err instanceof HttpError ? err.details : undefined;
  if (Array.isArray(details)) body.errors = details;
  return body;
}

/** The format `auto` picks for this request, or the configured one. */
function formatFor(
  r: Request,
  format: ServerConfig['errorFormat'],
  body: ErrorBody,
): 'json' | 'problem' | 'text' {
  if (format !== 'auto') return format;
  const accept = r.header('accept') ?? '';
  if (accept.includes('application/problem+json')) return 'problem';
  if (r.routeSchemas !== undefined || body.errors !== undefined || acceptsJson(accept))
    return 'json';
  return 'text';
}

/** True when `Accept` names a JSON type (`application/json`, `*+json`); `*\/*` alone is not asking. */
function acceptsJson(accept: string): boolean {
  return accept.includes('application/json') || accept.includes('+json');
}

/**
 * Writes `err` as the response body (status, content type and body) in the configured format.
 * @example writeErrorResponse(r, new HttpError(404), 'problem') // 404 application/problem+json
 */
export function writeErrorResponse(
  r: Request,
  err: unknown,
  format: ServerConfig['errorFormat'],
): void {
  const res = r.response;
  const body = errorBody(err);
  res.clearBuffer();
  res.status = body.status;
  const headers = res.header();
  switch (formatFor(r, format, body)) {
    case 'json': {
      headers.set('Content-Type', 'application/json; charset=utf-8');
      const json: Record<string, unknown> = { code: body.code, message: body.message };
      if (body.errors) json.errors = body.errors;
      res.write(JSON.stringify(json));
      return;
    }
    case 'problem': {
      headers.set('Content-Type', 'application/problem+json');
      const title = statusText(body.status);
      const problem: Record<string, unknown> = { type: 'about:blank', title, status: body.status };
      if (body.message !== title) problem.detail = body.message;
      problem.code = body.code;
      if (body.errors) problem.errors = body.errors;
      res.write(JSON.stringify(problem));
      return;
    }
    default:
      headers.set('Content-Type', 'text/plain; charset=utf-8');
      res.write(body.message);
  }
}
