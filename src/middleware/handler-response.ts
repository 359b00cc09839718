/**
 * `middleware.handlerResponse()`: GoFrame's unified `{ code, message, data }` envelope.
 * Post-processing that decides by state, never by content type: a committed (streaming) or
 * exited response, one that already has a body, or a bodiless status is left alone.
 * Success: `{ code: 0, message: "OK", data }`. Error: the HTTP status is kept (an HttpError's own,
 * else 500) and `code` is the error's code (its `SLUICE_...` code, else the status).
 */
import { HttpError, SluiceError, errorStatus } from '../errors/index.js';
import type { Middleware } from '../engine/types.js';

/**
 * The body `middleware.handlerResponse()` writes: GoFrame's `{ code, message, data }`.
 * @example const body = (await res.json()) as HandlerResponseBody<{ id: number }>;
 */
export interface HandlerResponseBody<T = unknown> {
  code: number | string;
  message: string;
  data: T;
}

/**
 * GoFrame's numeric `gcode` for an HTTP status, used when an error carries no code of its own
 * (Sluice's coded errors keep their `SLUICE_...` string): 404 and 405 (GoFrame answers a wrong
 * method with 404) -> 65 Not Found, 401/403 -> 61 Not Authorized, 400 -> 53 Invalid Parameter,
 * 500 -> 50 Internal Error, 501 -> 58 Not Implemented, 503 -> 63 Server Is Busy, else 64 Unknown.
 */
export const GOFRAME_CODES: Readonly<Record<number, number>> = Object.freeze({
  400: 53,
  401: 61,
  403: 61,
  404: 65,
  405: 65,
  500: 50,
  501: 58,
  503: 63,
});

/** The code of an uncoded error or a bare error status. */
function goframeCode(status: number): number {
  return GOFRAME_CODES[status] ?? 64;
}

/** GoFrame's messages for a bare error status (no error, no body). */
const GOFRAME_MESSAGES: Readonly<Record<number, string>> = {
  50: 'Internal Error',
  53: 'Invalid Parameter',
  58: 'Not Implemented',
  61: 'Not Authorized',
  63: 'Server Is Busy',
  64: 'Unknown Error',
  65: 'Not Found',
};

/**
 * GoFrame's `MiddlewareHandlerResponse`: `{ code, message, data }` around what the handler
 * returned; an error keeps its HTTP status, with its `SLUICE_...` code or GoFrame's numeric
 * one (404 -> 65...); an error status set without an error (`r.response.status = 403`) gets
 * GoFrame's code and message for it.
 * @example s.group('/api', (g) => { g.middleware(handlerResponse()); g.bind(new UserController()); })
 */
export function handlerResponse(): Middleware {
  return async (r) => {
    await r.middleware.next();
    const res = r.response;
    if (r.isExited() || res.committed || res.bufferLength() > 0) return;
    const status = res.status;
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) return;
    const err = r.getError();
    if (err !== undefined) {
      const code = errorStatus(err);
      res.status = code;
      const public_ = err instanceof HttpError || (err instanceof SluiceError && code < 500);
      const details = err instanceof HttpError ? err.details : undefined;
      const body: HandlerResponseBody & { details?: unknown } = {
        code: (err as { code?: string }).code ?? goframeCode(code),
        message: public_ ? (err as Error).message : 'Internal Server Error',
        data: null,
      };
      if (details !== undefined) body.details = details;
      res.writeJson(body);
      if (code >= 500) r.log.error({ err, method: r.method, path: r.path }, 'request failed');
      return;
    }
    const data = r.getHandlerResponse();
    if (status >= 400) {
      const code = goframeCode(status);
      res.writeJson({
        code,
        message: GOFRAME_MESSAGES[code] ?? 'Unknown Error',
        data: data ?? null,
      } satisfies HandlerResponseBody);
      return;
    }
    res.writeJson({ code: 0, message: 'OK', data: data ?? null } satisfies HandlerResponseBody);
  };
}
