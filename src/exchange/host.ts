/**
 * What a request and its response need from the engine that runs them, as interfaces: the
 * exchange layer sits below the engine and never imports it. The engine implements
 * `ExchangeHost` once per server and fills a `RunView` per request; its own per-request state
 * (the chain, its position, the matched hooks) never appears on `Request` or `Response`.
 */
import type { ServerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { StreamRequest } from '../sse/event-stream.js';
import type { EventSchemaMap } from '../sse/event-schemas.js';
import type { StreamRegistry } from '../stream/registry.js';
import type { SinkOwner, StreamPolicy } from '../stream/sink.js';

/** The request as its response and the engine's callbacks see it (a `Request` is one). */
export interface ExchangeRequest extends StreamRequest, SinkOwner {
  readonly method: string;
  /** The route pattern that matched ('' when none). */
  readonly routePattern: string;
  readonly log: Logger;
  /** The schemas of the typed route serving the request, if it is one. */
  readonly routeSchemas: RouteSchemas | undefined;
  /** Ends the current handler function (the engine catches the signal). */
  exit(): never;
  /** Ends the current function and every later one (the engine catches the signal). */
  exitAll(): never;
  /** A request header (`undefined` when absent). */
  header(name: string): string | undefined;
  /** A request parameter (GoFrame's precedence). */
  get<T = unknown>(key: string, def?: T): T | undefined;
}

/** What the exchange sees of a typed route (`defineRoute`): the schemas it enforces. */
export interface RouteSchemas {
  readonly output?: StandardSchemaV1 | undefined;
  readonly events?: EventSchemaMap | undefined;
}

/** The server-wide services of one engine. */
export interface ExchangeHost {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly policy: StreamPolicy;
  readonly registry: StreamRegistry;
  /** Runs the beforeOutput hooks at commit; a promise only when one of them is asynchronous. */
  beforeOutput(r: ExchangeRequest): Promise<void> | undefined;
  /** `r.middleware.next()`: runs the rest of the chain. */
  next(r: ExchangeRequest): Promise<void>;
  /**
   * Admits a stream about to open for this request (the per-client limit): `undefined` when it
   * may open, else the `Retry-After` seconds of the refusal.
   */
  admitStream(r: ExchangeRequest): number | undefined;
  /** Sees the chunks of every flush (the seed-frame warning), when one is installed. */
  readonly flushObserver:
    ((r: ExchangeRequest, chunks: ReadonlyArray<string | Uint8Array>) => void) | undefined;
}

/** The part of the engine's per-request state the public API reports. */
export interface RunView {
  /** The error a handler or middleware threw, if any. */
  readonly error: unknown;
  /** The value the handler returned, if any. */
  readonly returned: unknown;
}
