/**
 * The wire of an HTTP/1.1 upgrade request (Node's `'upgrade'` event: a request and its raw
 * socket, no ServerResponse). It runs through routing, middleware and hooks like any request:
 * the handler either takes the connection as a WebSocket (`r.webSocket()`), or answers as usual,
 * and then this wire writes that answer itself (with `Connection: close`: an upgrade request's
 * connection is not reused).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { SluiceError, statusText } from '../errors/index.js';
import type { IncomingHeaders } from '../http/headers.js';
import type { Channel, ChannelEvents } from '../stream/channel.js';
import { relayEvents, stopRelay } from './event-relay.js';
import { bodyStream, readBody, type BodySource } from './read-body.js';
import type { OutgoingHeaders, Wire } from './wire.js';
import type { WebSocketRegistry } from './websockets.js';

const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** Options of `r.webSocket()`. */
export interface WebSocketOptions {
  /** Subprotocols this handler speaks; the first the client offers is chosen. */
  protocols?: string[];
}

/**
 * An upgrade request as a Wire.
 * @example const wire = new UpgradeWire(req, socket, head, registry);
 */
export class UpgradeWire implements Wire, Channel {
  readonly socket: Socket;
  readonly method: string;
  readonly target: string;
  readonly httpVersion: '1.0' | '1.1';
  readonly headers: IncomingHeaders;
  /**
   * The request and the first bytes of the upgraded stream, until the WebSocket took the
   * connection: then they are released, so a handler that keeps `r` (awaiting the socket's end)
   * does not keep Node's request, its stream state and the head buffer alive with it.
   */
  #req: IncomingMessage | undefined;
  #head: Buffer | undefined;
  readonly #registry: WebSocketRegistry;
  #ended = false;

  constructor(req: IncomingMessage, socket: Socket, head: Buffer, registry: WebSocketRegistry) {
    this.#req = req;
    this.socket = socket;
    this.#head = head;
    this.#registry = registry;
    this.method = req.method ?? 'GET';
    this.target = req.url ?? '/';
    this.httpVersion = req.httpVersionMinor === 0 ? '1.0' : '1.1';
    this.headers = req.headers;
    socket.on('error', () => {}); // a reset during the exchange ends it ('close')
  }

  /** Node's request, until the WebSocket took the connection (then undefined). */
  get req(): IncomingMessage | undefined {
    return this.#req;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get encrypted(): boolean {
    return (this.socket as { encrypted?: boolean }).encrypted === true;
  }

  get bodyPending(): boolean {
    return false;
  }

  /** Node's request and socket (`req` is undefined once a WebSocket took the connection). */
  get native(): { req: IncomingMessage | undefined; socket: Socket } {
    return { req: this.#req, socket: this.socket };
  }

  readBody(limit: number): Promise<Buffer> {
    const req = this.#req;
    // After the upgrade the connection speaks WebSocket: an upgrade request has no body left.
    if (!req) return Promise.resolve(Buffer.alloc(0));
    return readBody(bodySourceOf(req), limit);
  }

  bodyStream(limit: number): ReadableStream<Uint8Array> {
    const req = this.#req;
    if (!req) return new ReadableStream({ start: (controller) => controller.close() });
    return bodyStream(bodySourceOf(req), limit);
  }

  onAbandon(cb: () => void): void {
    this.socket.once('close', () => {
      if (!this.#ended) cb();
    });
  }

  /**
   * Takes the connection as a WebSocket (the handshake's answer is written here). Throws a
   * coded 400 (`SLUICE_WEBSOCKET_HANDSHAKE`) synchronously for a request that is no valid
   * WebSocket opening handshake, before anything is written, so the response can still say so.
   */
  upgrade(options: WebSocketOptions = {}): Promise<WebSocket> {
    const req = this.#req;
    const head = this.#head;
    if (!req || !head || this.#ended) {
      throw new SluiceError(
        'SLUICE_WEBSOCKET_HANDSHAKE',
        'the connection was already taken or answered',
      );
    }
    const h = req.headers;
    const problem =
      this.method !== 'GET'
        ? 'a WebSocket opens with GET'
        : String(h.upgrade).toLowerCase() !== 'websocket'
          ? 'the Upgrade header is not "websocket"'
          : !KEY.test(String(h['sec-websocket-key'] ?? ''))
            ? 'a missing or malformed Sec-WebSocket-Key'
            : h['sec-websocket-version'] !== '13'
              ? 'Sec-WebSocket-Version must be 13'
              : undefined;
    if (problem) throw new SluiceError('SLUICE_WEBSOCKET_HANDSHAKE', problem);
    this.#ended = true;
    this.#registry.chooseProtocol(req, options.protocols);
    return this.#registry.server().then(
      (server) =>
        new Promise<WebSocket>((resolve) => {
          server.handleUpgrade(req, this.socket, head, (ws) => {
            this.#req = undefined;
            this.#head = undefined;
            this.#registry.track(ws);
            resolve(ws);
          });
        }),
    );
  }

  // ---- an ordinary answer to an upgrade request ----------------------------------------------

  respond(
    status: number,
    headers: OutgoingHeaders,
    body: string | Uint8Array | undefined,
  ): Channel | undefined {
    this.#writeHead(status, headers);
    this.#ended = true;
    if (body === undefined) this.socket.end();
    else this.socket.end(body);
    return undefined;
  }

  openStream(status: number, headers: OutgoingHeaders): Channel {
    // No chunked framing here: the body runs to the connection's close.
    const { 'Content-Length': _length, ...rest } = headers;
    this.#writeHead(status, rest);
    return this;
  }

  #writeHead(status: number, headers: OutgoingHeaders): void {
    let head = `HTTP/1.1 ${status} ${statusText(status)}\r\n`;
    for (const name in headers) {
      const value = headers[name]!;
      if (name.toLowerCase() === 'connection') continue;
      for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
    }
    this.socket.write(head + 'Connection: close\r\n\r\n');
  }

  // ---- the channel --------------------------------------------------------------------------

  write(chunk: string | Uint8Array): boolean {
    return this.socket.write(chunk);
  }

  end(chunk?: string | Uint8Array): void {
    this.#ended = true;
    if (chunk === undefined) this.socket.end();
    else this.socket.end(chunk);
  }

  destroy(): void {
    this.socket.destroy();
  }

  closeAfterPending(): void {
    this.#ended = true;
    this.socket.end();
  }

  get unsent(): number {
    return this.socket.writableLength;
  }

  get finished(): boolean {
    return this.socket.writableFinished;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  listen(events: ChannelEvents): void {
    relayEvents(this.socket, events);
  }

  unlisten(events: ChannelEvents): void {
    stopRelay(this.socket, events);
  }
}

function bodySourceOf(req: IncomingMessage): BodySource {
  return { stream: req, headers: req.headers, complete: () => req.complete };
}
