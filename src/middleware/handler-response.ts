/**
 * `middleware.handlerResponse()`: GoFrame's unified `{ code, message, data }` envelope.
 * Post-processing that decides by state, never by content type: a committed (streaming) or
 * exited response, one that already has a body, or a bodiless status is left alone.
 * Success: `{ code: 0, message: "OK", data }`. Error: the HTTP status is kept (an HttpError's own,
 * else 500) and `code` is the error's code (its `SLUICE_...` code, else the status).
 */
import { HttpError, SluiceError, errorStatus } from '../errors/index.js';
import type { Middleware } from '../engine/types.js';

export interface HandlerResponseBody<T = unknown> {
  code: number | string;
  message: string;
  data: T;
}

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
        code: (err as { code?: string }).code ?? code,
        message: public_ ? (err as Error).message : 'Internal Server Error',
        data: null,
      };
      if (details !== undefined) body.details = details;
      res.writeJson(body);
      if (code >= 500) r.log.error({ err, method: r.method, path: r.path }, 'request failed');
      return;
    }
    const data = r.getHandlerResponse();
    res.writeJson({ code: 0, message: 'OK', data: data ?? null } satisfies HandlerResponseBody);
  };
}
