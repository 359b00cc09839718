/**
 * The Node HTTP/1.1 wire: one `IncomingMessage`/`ServerResponse` pair as a Wire, and the
 * response as the Channel its Sink writes to. With `server/` this is the only place that
 * touches Node's http objects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Channel, ChannelEvents } from '../stream/channel.js';
import type { FrameBatch } from '../stream/frame-batch.js';
import { relayEvents, stopRelay } from './event-relay.js';
import { bodyStream, readBody, type BodySource } from './read-body.js';
import type { IncomingHeaders, OutgoingHeaders, Wire } from './wire.js';

/** How long a connection closed after a truncated body may take to flush (ms). */
const CLOSE_GRACE_MS = 1000;

const EMPTY = Buffer.alloc(0);

/** The parts of Node's ServerResponse state that say whether its socket may be written directly. */
interface OutgoingState {
  _headerSent?: unknown;
  chunkedEncoding?: unknown;
  outputData?: unknown;
}

/**
 * A Node request/response pair as a Wire (and its response as a Channel).
 * @example const wire = new NodeWire(req, res, { expectsContinue: false, hasBody: false });
 */
export class NodeWire implements Wire, Channel {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  #expectsContinue: boolean;
  readonly #hasBody: boolean;
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

  /**
   * A batch's pre-framed chunk goes straight to the socket when Node would write the same bytes
   * there itself: the head is sent, the body is chunked, the response owns the socket (not
   * queued behind another on a pipelined connection) and nothing of it is held by Node. That is
   * one socket write instead of `res.write`'s four pieces; anything else takes `res.write`.
   */
  writeBatch(batch: FrameBatch): boolean {
    const res = this.res;
    const state = res as unknown as OutgoingState;
    const socket = res.socket as (Socket & { _httpMessage?: unknown }) | null;
    if (
      socket === null ||
      socket._httpMessage !== res ||
      !socket.writable ||
      state._headerSent !== true ||
      state.chunkedEncoding !== true ||
      res.writableEnded ||
      !Array.isArray(state.outputData) ||
      state.outputData.length !== 0
    ) {
      return res.write(batch.body);
    }
    if (socket.write(batch.chunked)) return true;
    // The socket is full: an empty write through the response makes Node emit the response's
    // own 'drain' (which the Sink listens to) once the socket drains. It adds no bytes.
    res.write(EMPTY);
    return false;
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
    relayEvents(this.res, events);
  }

  unlisten(events: ChannelEvents): void {
    stopRelay(this.res, events);
  }
}
