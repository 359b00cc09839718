/** Shipped middleware, as GoFrame's `ghttp.Middleware*`. */
import { accessLog } from './access-log.js';
import { cors } from './cors.js';
import { compress } from './compress.js';
import { handlerResponse } from './handler-response.js';
import { requestId } from './request-id.js';
import { jsonBody } from './json-body.js';

export type { AccessLogOptions } from './access-log.js';
export type { CorsOptions } from './cors.js';
export type { CompressOptions } from './compress.js';
export { GOFRAME_CODES, type HandlerResponseBody } from './handler-response.js';

/**
 * The shipped middleware under one name, as GoFrame's `ghttp.MiddlewareHandlerResponse` and
 * friends: `handlerResponse`, `cors`, `compress`, `accessLog`, `requestId`, `jsonBody`.
 * @example
 * s.use(middleware.requestId(), middleware.accessLog(), middleware.cors());
 */
export const middleware = { handlerResponse, cors, compress, accessLog, requestId, jsonBody };
export { accessLog, compress, cors, handlerResponse, requestId, jsonBody };
