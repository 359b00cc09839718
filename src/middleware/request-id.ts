/**
 * `middleware.requestId()`: gives every request an id (the incoming `X-Request-Id` when it looks
 * sane, else a random UUID), echoes it in the response and puts it on `r.log`.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from '../engine/types.js';

const SANE = /^[\w.:-]{1,128}$/;

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
