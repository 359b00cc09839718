/** Shipped middleware, as GoFrame's `ghttp.Middleware*`. */
import { accessLog } from './access-log.js';
import { cors } from './cors.js';
import { handlerResponse } from './handler-response.js';
import { requestId } from './request-id.js';

export type { AccessLogOptions } from './access-log.js';
export type { CorsOptions } from './cors.js';
export type { HandlerResponseBody } from './handler-response.js';

export const middleware = { handlerResponse, cors, accessLog, requestId };
export { accessLog, cors, handlerResponse, requestId };
