/**
 * The Node HTTP/1.1 wire: one `IncomingMessage`/`ServerResponse` pair as a Wire, and the
 * response as the Channel its Sink writes to. With `server/` this is the only place that
 * touches Node's http objects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Channel, ChannelEvents } from '../stream/channel.js';
import { EventRelay } from './event-relay.js';
import { bodyStream, readBody, type BodySource } from './read-body.js';
import type { IncomingHeaders, OutgoingHeaders, Wire } from './wire.js';

/** How long a connection closed after a truncated body may take to flush (ms). */
const CLOSE_GRACE_MS = 1000;

/**
 * A Node request/response pair as a Wire (and its response as a Channel).
 * @example const wire = new NodeWire(req, res, { expectsContinue: false, hasBody: false });
 */
export class NodeWire implements Wire, Channel {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  #expectsContinue: boolean;
  readonly #hasBody: boolean;
  #relay: EventRelay | undefined;
  /** The body was read whole before Node's parser reported the message complete. */
  #takenWhole = false;

  readonly passThrough: (() => void) | undefined;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    options: { expectsContinue: boolean; hasBody: boolean; passThrough?: () => void },
  ) {
    this.req = req;
    this.res = res;
    this.#expectsContinue = options.expectsContinue;
    this.#hasBody = options.hasBody;
    this.passThrough = options.passThrough;
  }

  // ---- request ------------------------------------------------------------------------------

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get target(): string {
    return this.req.url ?? '/';
  }

  get httpVersion(): '1.0' | '1.1' | '2.0' {
    return this.req.httpVersionMinor === 0 ? '1.0' : '1.1';
  }

  get headers(): IncomingHeaders {
    return this.req.headers;
  }

  get remoteAddress(): string {
    return this.req.socket?.remoteAddress ?? '';
  }

  get encrypted(): boolean {
    return (this.req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  }

  get bodyPending(): boolean {
    return this.#hasBody && !this.req.complete && !this.#takenWhole;
  }

  readBody(limit: number): Promise<Buffer> {
    this.#continue();
    return readBody(this.#bodySource(), limit);
  }

  bodyStream(limit: number): ReadableStream<Uint8Array> {
    this.#continue();
    return bodyStream(this.#bodySource(), limit);
  }

  #bodySource(): BodySource {
    const req = this.req;
    return {
      stream: req,
      headers: req.headers,
      complete: () => req.complete,
      takenWhole: () => {
        this.#takenWhole = true;
      },
    };
  }

  /** 100 Continue is owed only once the handler reads the body (never for an oversize one). */
  #continue(): void {
    if (!this.#expectsContinue) return;
    this.#expectsContinue = false;
    this.res.writeContinue();
  }

  get native(): { req: IncomingMessage; res: ServerResponse } {
    return { req: this.req, res: this.res };
  }

  // ---- answering --------------------------------------------------------------------------

  respond(
    status: number,
    headers: OutgoingHeaders,
    body: string | Uint8Array | undefined,
  ): Channel | undefined {
    const res = this.res;
    this.#writeHead(status, headers);
    if (body === undefined) res.end();
    else res.end(body);
    // A response queued behind another on a pipelined connection has no socket yet: Node holds
    // its bytes (and pauses the connection past its high-water mark) until its turn.
    return res.writableFinished || res.destroyed || res.writableLength === 0 || !res.socket
      ? undefined
      : this;
  }

  openStream(status: number, headers: OutgoingHeaders): Channel {
    this.#writeHead(status, headers);
    this.res.flushHeaders();
    return this;
  }

  /** writeHead, leaving nothing half-set on the response when Node refuses the head. */
  #writeHead(status: number, headers: OutgoingHeaders): void {
    try {
      this.res.writeHead(status, headers);
    } catch (err) {
      for (const name of this.res.getHeaderNames()) this.res.removeHeader(name);
      throw err;
    }
  }

  onAbandon(cb: () => void): void {
    const res = this.res;
    res.once('close', () => {
      if (!res.writableFinished) cb();
    });
  }

  // ---- the channel --------------------------------------------------------------------------

  write(chunk: string | Uint8Array): boolean {
    return this.res.write(chunk);
  }

  end(chunk?: string | Uint8Array): void {
    if (this.res.writableEnded) return;
    if (chunk === undefined) this.res.end();
    else this.res.end(chunk);
  }

  destroy(): void {
    this.res.destroy();
  }

  closeAfterPending(): void {
    const socket = this.res.socket;
    if (!socket || socket.destroyed) return void this.res.destroy();
    // end() flushes what Node corked for this tick; no terminating chunk was written.
    socket.end();
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  get unsent(): number {
    return this.res.writableLength;
  }

  get finished(): boolean {
    return this.res.writableFinished;
  }

  get destroyed(): boolean {
    return this.res.destroyed;
  }

  cork(): void {
    this.res.cork();
  }

  uncork(): void {
    this.res.uncork();
  }

  listen(events: ChannelEvents): void {
    (this.#relay ??= new EventRelay()).listen(this.res, events);
  }

  unlisten(events: ChannelEvents): void {
    this.#relay?.unlisten(this.res, events);
  }
}
