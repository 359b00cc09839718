/**
 * A Wire is one request/response exchange on some transport, reduced to what the core needs:
 * the request head and body, and two ways to answer (a whole response, or a head followed by a
 * stream of body bytes). Node's HTTP/1.1 server is the first implementation (`node-wire.ts`);
 * HTTP/2 streams and a Web `fetch` handler are further ones. Only the response's commit and
 * finish call a Wire's answering side; everything that streams writes through a Sink over the
 * Channel the wire returns.
 */
import type { WebSocket } from 'ws';
import type { Channel } from '../stream/channel.js';

/** Response headers as the wire takes them: exact names, one value or several. */
export type OutgoingHeaders = Record<string, string | string[]>;

export type { IncomingHeaders } from '../http/headers.js';
import type { IncomingHeaders } from '../http/headers.js';

export interface Wire {
  readonly method: string;
  /** The request target as routed: origin-form (`/path?query`) or `*`. */
  readonly target: string;
  readonly httpVersion: '1.0' | '1.1' | '2.0';
  readonly headers: IncomingHeaders;
  /** The peer's address ('' when unknown). */
  readonly remoteAddress: string;
  /** True on TLS. */
  readonly encrypted: boolean;
  /** True while a declared request body is still arriving (not read to its end). */
  readonly bodyPending: boolean;
  /** Reads the whole body up to `limit` bytes (413 past it, 400 when cut short). */
  readBody(limit: number): Promise<Buffer>;
  /** The body as a web stream, bounded by `limit`. */
  bodyStream(limit: number): ReadableStream<Uint8Array>;
  /**
   * Sends the whole response. Returns the channel when the transport could not take all the
   * bytes at once (a slow reader), so the slow-reader policy can follow the rest.
   */
  respond(
    status: number,
    headers: OutgoingHeaders,
    body: string | Uint8Array | undefined,
  ): Channel | undefined;
  /** Sends the head now; the body follows on the returned channel. */
  openStream(status: number, headers: OutgoingHeaders): Channel;
  /** Calls `cb` once if the client leaves before the response finished. */
  onAbandon(cb: () => void): void;
  /** The transport's own objects, for adapters at the edge (`{ req, res }` on Node). */
  readonly native: unknown;
  /**
   * Mounted inside another app (`s.handler()` with `next`): hands a request no route claims back
   * to it. Undefined when Sluice owns the listener (then such a request answers 404).
   */
  readonly passThrough?: (() => void) | undefined;
  /**
   * Present on a wire that can become a WebSocket (an HTTP/1.1 upgrade request): validates the
   * opening handshake synchronously (throwing before anything is written), then takes the
   * connection.
   */
  upgrade?(options?: { protocols?: string[] }): Promise<WebSocket>;
}
