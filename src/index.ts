/**
 * Sluice: an HTTP streaming server for TypeScript, GoFrame-style.
 * @example
 * import { g } from 'sluice';
 * const s = g.server();
 * s.bindHandler('/', async (r) => {
 *   r.response.header().set('Content-Type', 'text/event-stream');
 *   for (let i = 0; i < 100; i++) {
 *     r.response.writefln('data: %d', i);
 *     await r.response.flush();
 *     await new Promise((f) => setTimeout(f, 200));
 *   }
 * });
 * s.setPort(8999);
 * await s.run();
 */
export { g } from './g.js';
export {
  Server,
  type MountedListener,
  type ServerOptions,
  type ShutdownOptions,
} from './server/server.js';
export type { FetchInfo } from './wire/fetch-wire.js';
export { Group, type RouteOptions } from './server/group.js';
export { DomainBinder } from './server/domain.js';
export type { NameToUriType, ObjectMethods } from './server/object-binding.js';
export type { StaticMountOptions } from './server/static-mount.js';
export { UploadFile, UploadFiles, safeFilename, toUploadFiles } from './exchange/upload-file.js';
export { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './exchange/uploads.js';
export type { ResponseCorsOptions } from './http/cors-options.js';
export {
  Session,
  MemorySessionStorage,
  RedisSessionStorage,
  type MemorySessionOptions,
  type RedisSessionOptions,
  type RedisCommandClient,
  type SessionStorage,
} from './session/index.js';
export type { Handler, Middleware, HookName, Hook } from './engine/types.js';
export type { InjectOptions, InjectResponse } from './server/inject.js';
export { Request, type RequestContext, type Params } from './exchange/request.js';
export { Response } from './exchange/response.js';
export { ResponseHeaders } from './http/headers.js';
export { RawWriter } from './exchange/raw-writer.js';
export type { CookieOptions } from './http/cookie.js';
export {
  defineRoute,
  handle,
  bindController,
  MAX_VALIDATION_ERRORS,
  type Route,
  type RouteSpec,
  type RouteMethod,
  type EventSchemas,
  type EventsOf,
  type RouteEvents,
  type ControllerMember,
  type RouteHandler,
  type RouteInput,
  type RouteResult,
  type ParamsOf,
  type ValidationFieldError,
} from './controller/index.js';
export type { BindingParams } from './router/index.js';
export {
  buildOpenApiDocument,
  jsonSchemaOf,
  type DocumentedRoute,
  type JsonSchema,
  type OpenApiOptions,
} from './openapi/index.js';
export { EventStream, type EventStreamOptions } from './sse/event-stream.js';
export { subscribeWebSocket, type SubscribeWebSocketOptions } from './websocket/index.js';
export { encodeEvent, encodeComment, encodeRetry, type SseEvent } from './codec/sse.js';
export {
  middleware,
  cors,
  compress,
  handlerResponse,
  accessLog,
  requestId,
  rateLimit,
  MemoryRateLimitStore,
  RedisRateLimitStore,
  fromConnect,
} from './middleware/index.js';
export type {
  CorsOptions,
  CompressOptions,
  AccessLogOptions,
  HandlerResponseBody,
  RateLimitOptions,
  RateLimitStore,
  RateLimitTake,
  RateLimitRedisClient,
  ConnectMiddleware,
} from './middleware/index.js';
export {
  HttpError,
  SluiceError,
  ClientClosedError,
  ERROR_CODES,
  type ErrorCode,
} from './errors/index.js';
export {
  DEFAULT_CONFIG,
  type ServerConfig,
  type UploadConfig,
  type CookieDefaults,
  type SessionConfig,
  type TrustProxy,
  type StreamsPerClient,
  type ClientKeyRequest,
} from './config.js';
export type { Logger } from './logger.js';
export type { TelemetryOptions, MeterProviderLike, TracerProviderLike } from './telemetry/index.js';
export {
  createHub,
  RESET_EVENT,
  type Hub,
  type HubEvent,
  type HubSink,
  type PublishInput,
  type SubscribeOptions,
} from './hub/index.js';
export {
  createRuns,
  RUN_END_EVENT,
  RUN_FORMATS,
  type Runs,
  type RunsOptions,
  type RunContext,
  type RunEventInput,
  type StartOptions,
  type RunHandle,
  type FollowOptions,
  type FollowRequest,
  type RunStatus,
  type EventsOptions,
  type RunFormat,
  type RunEnd,
  type RunOutcome,
  type RunState,
} from './runs/index.js';
