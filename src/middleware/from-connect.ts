/**
 * `fromConnect(mw)`: runs Connect/Express middleware, `(req, res, next)`, unchanged inside
 * Sluice's chain (helmet, morgan, cors...). It hands the middleware Node's own request and
 * response objects, which only the HTTP/1.1 wire has; so on HTTP/2, `s.fetch` and `inject()` it
 * throws `SLUICE_CONNECT_UNSUPPORTED` (a 500 that names why) rather than silently skipping a
 * middleware that may be a security one.
 *
 * - `next()`: the headers the middleware set on `res` move into `r.response.header()` (so the
 *   rest of the chain sees them, and Sluice's own headers win over them), then Sluice's chain
 *   goes on;
 * - `next(err)`: the error is thrown into the chain (an `err.status`/`err.statusCode` of 4xx or
 *   5xx becomes an `HttpError` with that status);
 * - the middleware answers itself (`res.end()`, as cors does for a preflight): Sluice leaves the
 *   response alone, nothing later in its chain runs.
 */
import { HttpError, SluiceError } from '../errors/index.js';
import type { Middleware } from '../engine/types.js';

/** The slice of Node's `ServerResponse` the adapter touches (no `node:http` import here). */
interface NodeResponseLike {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  getHeaderNames(): string[];
  getHeader(name: string): number | string | string[] | undefined;
  removeHeader(name: string): void;
  once(event: 'finish' | 'close', fn: () => void): unknown;
  off(event: 'finish' | 'close', fn: () => void): unknown;
}

/**
 * A Connect/Express middleware: `(req, res, next)` on Node's `IncomingMessage` and
 * `ServerResponse` (typed loosely here so `sluice` needs no `@types/express`).
 * @example const mw: ConnectMiddleware = (req, res, next) => { res.setHeader('X-Hi', '1'); next(); };
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConnectMiddleware = (req: any, res: any, next: (err?: unknown) => void) => unknown;

/**
 * Runs Connect/Express middleware in Sluice's chain (see the top of this file).
 * @example
 * import helmet from 'helmet';
 * s.use(fromConnect(helmet()));
 */
export function fromConnect(mw: ConnectMiddleware): Middleware {
  if (typeof mw !== 'function')
    throw new TypeError('fromConnect: expected a (req, res, next) function');
  return (r) => {
    const native = r.native as { req?: unknown; res?: NodeResponseLike } | undefined;
    const req = native?.req;
    const res = native?.res;
    if (req === undefined || res === undefined || typeof res.getHeaderNames !== 'function') {
      throw new SluiceError(
        'SLUICE_CONNECT_UNSUPPORTED',
        `${mw.name || 'middleware'} on ${r.httpVersion === '2.0' ? 'HTTP/2' : 'a wire without Node objects (s.fetch, inject)'}`,
      );
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const answered = (): void => {
        if (settled) return;
        settled = true;
        res.off('finish', answered);
        res.off('close', answered);
        // The middleware wrote the response itself: Sluice writes nothing more.
        if (!r.response.committed) r.response.handOff();
        resolve();
      };
      res.once('finish', answered);
      res.once('close', answered);
      const next = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        res.off('finish', answered);
        res.off('close', answered);
        if (err !== undefined && err !== null && err !== 'route' && err !== 'router') {
          reject(asHttpError(err));
          return;
        }
        if (res.headersSent) {
          if (!r.response.committed) r.response.handOff();
          resolve();
          return;
        }
        adoptHeaders(res, r.response.header());
        r.middleware.next().then(resolve, reject);
      };
      try {
        mw(req, res, next);
      } catch (err) {
        if (!settled) {
          settled = true;
          res.off('finish', answered);
          res.off('close', answered);
          reject(asHttpError(err));
        }
      }
    });
  };
}

/** Moves what the middleware set on `res` into Sluice's headers; Sluice's own values win. */
function adoptHeaders(
  res: NodeResponseLike,
  headers: {
    has(name: string): boolean;
    set(name: string, value: string): unknown;
    append(name: string, value: string): unknown;
  },
): void {
  for (const name of res.getHeaderNames()) {
    const value = res.getHeader(name);
    res.removeHeader(name);
    if (value === undefined || headers.has(name)) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, String(value));
  }
}

function asHttpError(err: unknown): unknown {
  if (err instanceof HttpError || !(err instanceof Error)) return err;
  const status =
    (err as { status?: unknown; statusCode?: unknown }).status ??
    (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status <= 599) {
    return new HttpError(status, status < 500 ? err.message : undefined, { cause: err });
  }
  return err;
}
