/**
 * `middleware.requestId()`: gives every request an id (the incoming `X-Request-Id` when it looks
 * sane, else a random UUID), echoes it in the response and puts it on `r.log`.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from '../engine/types.js';

const SANE = /^[\w.:-]{1,128}$/;

/**
 * Gives every request an id: the incoming `X-Request-Id` (or `options.header`) when it is 1 to
 * 128 characters of `[A-Za-z0-9_.:-]`, else a random UUID; echoes it in the response and adds
 * `reqId` to every line of `r.log`.
 * @example s.use(middleware.requestId()); // r.id, r.log.info(...) carries "reqId"
 */
export function requestId(options: { header?: string } = {}): Middleware {
  const header = options.header ?? 'X-Request-Id';
  return (r) => {
    const incoming = r.header(header);
    const id = incoming && SANE.test(incoming) ? incoming : randomUUID();
    r.setCtxVar('requestId', id);
    r.response.header().set(header, id);
    return r.middleware.next();
  };
}
