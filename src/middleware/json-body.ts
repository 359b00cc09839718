/**
 * `middleware.jsonBody()`: GoFrame's `MiddlewareJsonBody`. A request with a body that is not
 * valid JSON stops here: 400 with "the request body content should be JSON format"; an empty
 * body or valid JSON goes on.
 */
import { HttpError } from '../errors/index.js';
import type { Middleware } from '../engine/types.js';

/**
 * Refuses a non-empty body that is not JSON.
 * @example s.group('/api', (g) => { g.middleware(middleware.jsonBody()); g.post('/user', create); })
 */
export function jsonBody(): Middleware {
  return async (r) => {
    const body = await r.body();
    if (body.length > 0) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpError(400, 'the request body content should be JSON format');
      }
    }
    await r.middleware.next();
  };
}
