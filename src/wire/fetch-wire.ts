/**
 * The Web-standard wire: a `Request` in, a `Response` out (`s.fetch`), for Deno, Bun, edge
 * runtimes and in-process tests. A streamed body becomes a `ReadableStream` whose pull side is
 * the backpressure: bytes wait in a queue until the consumer reads them, an awaited `send()`
 * waits while the queue is past its high-water mark, and a consumer that stops reading is cut by
 * the stall timeout like a socket that accepts nothing. `request.signal` aborting, or the body
 * being cancelled, is the client leaving.
 */
import { HttpError } from '../errors/index.js';
import type { IncomingHeaders } from '../http/headers.js';
import type { Channel, ChannelEvents } from '../stream/channel.js';
import type { OutgoingHeaders, Wire } from './wire.js';

/** Bytes queued for the consumer before a write reports backpressure. */
const QUEUE_HIGH_WATER = 64 * 1024;

/** What the host may tell about the connection (Deno.serve passes `info.remoteAddr`). */
export interface FetchInfo {
  remoteAddr?: { hostname?: string };
  remoteAddress?: string;
}

/**
 * One fetch exchange as a Wire; `response` settles once the head is decided.
 * @example const wire = new FetchWire(request); serve(wire); return wire.response;
 */
export class FetchWire implements Wire, Channel {
  readonly method: string;
  readonly target: string;
  readonly httpVersion = '1.1' as const;
  readonly headers: IncomingHeaders;
  readonly remoteAddress: string;
  readonly encrypted: boolean;
  /** The answer, once the head is decided (a whole response, or a head and a streamed body). */
  readonly response: Promise<Response>;
  readonly #request: Request;
  #answer!: (response: Response) => void;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ending = false;
  #truncating = false;
  #state: 'open' | 'finished' | 'destroyed' = 'open';
  #blocked = false;
  #wake: (() => void) | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #events: ChannelEvents | undefined;
  #abandon: Array<() => void> | undefined;

  constructor(request: Request, info?: FetchInfo) {
    this.#request = request;
    const url = new URL(request.url);
    this.method = request.method.toUpperCase();
    this.target = url.pathname + url.search;
    const headers: Record<string, string | string[]> = {};
    request.headers.forEach((value, name) => {
      if (name !== 'set-cookie') headers[name] = value;
    });
    if (headers.host === undefined) headers.host = url.host;
    this.headers = headers;
    this.remoteAddress = info?.remoteAddress ?? info?.remoteAddr?.hostname ?? '';
    this.encrypted = url.protocol === 'https:';
    this.response = new Promise((resolve) => (this.#answer = resolve));
    request.signal?.addEventListener('abort', () => this.#leave(), { once: true });
  }

  // ---- the request ------------------------------------------------------------------------

  get bodyPending(): boolean {
    return false;
  }

  get native(): { request: Request } {
    return { request: this.#request };
  }

  async readBody(limit: number): Promise<Buffer> {
    this.#checkDeclared(limit);
    const body = this.#request.body;
    if (!body) return Buffer.alloc(0);
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        void reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks, total);
  }

  bodyStream(limit: number): ReadableStream<Uint8Array> {
    this.#checkDeclared(limit);
    const body = this.#request.body;
    if (!body) return new ReadableStream({ start: (c) => c.close() });
    let total = 0;
    return body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          total += chunk.byteLength;
          if (total > limit) controller.error(tooLarge(limit));
          else controller.enqueue(chunk);
        },
      }),
    );
  }

  #checkDeclared(limit: number): void {
    const declared = this.headers['content-length'];
    if (typeof declared === 'string' && Number(declared) > limit) throw tooLarge(limit);
  }

  onAbandon(cb: () => void): void {
    if (this.#state === 'destroyed') return cb();
    (this.#abandon ??= []).push(cb);
  }

  // ---- answering --------------------------------------------------------------------------

  respond(
    status: number,
    headers: OutgoingHeaders,
    body: string | Uint8Array | undefined,
  ): Channel | undefined {
    const bodiless = status === 204 || status === 304 || body === undefined;
    this.#state = 'finished';
    this.#answer(
      new Response(bodiless ? null : typeof body === 'string' ? body : new Uint8Array(body), {
        status,
        headers: webHeaders(headers),
      }),
    );
    return undefined;
  }

  openStream(status: number, headers: OutgoingHeaders): Channel {
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: (controller) => this.#pull(controller),
        cancel: () => this.#leave(),
      },
      { highWaterMark: 0 },
    );
    this.#answer(new Response(body, { status, headers: webHeaders(headers) }));
    return this;
  }

  /** The consumer wants bytes: hand it one queued chunk, or wait for the next write. */
  #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | void {
    if (this.#state !== 'open') return;
    if (this.#queue.length === 0) {
      if (this.#truncating) return this.#fail();
      if (this.#ending) return this.#close();
      return new Promise<void>((resolve) => (this.#wake = resolve)).then(() =>
        this.#pull(controller),
      );
    }
    const chunk = this.#queue.shift()!;
    this.#queued -= chunk.byteLength;
    controller.enqueue(chunk);
    if (this.#queue.length === 0 && this.#truncating) this.#fail();
    else if (this.#queue.length === 0 && this.#ending) this.#close();
    else if (this.#blocked && this.#queued < QUEUE_HIGH_WATER) {
      this.#blocked = false;
      this.#events?.onDrain();
    }
  }

  #close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'finished';
    this.#controller?.close();
    this.#events?.onFinish();
    this.#events?.onClose();
  }

  #leave(): void {
    if (this.#state !== 'open') return;
    this.#state = 'destroyed';
    this.#queue = [];
    this.#queued = 0;
    this.#wake?.();
    this.#events?.onClose();
    const callbacks = this.#abandon;
    this.#abandon = undefined;
    if (callbacks) for (const cb of callbacks) cb();
  }

  // ---- the channel ------------------------------------------------------------------------

  write(chunk: string | Uint8Array): boolean {
    if (this.#state !== 'open' || this.#ending) return false;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#queue.push(bytes);
    this.#queued += bytes.byteLength;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    if (this.#queued < QUEUE_HIGH_WATER) return true;
    this.#blocked = true;
    return false;
  }

  end(chunk?: string | Uint8Array): void {
    if (this.#state !== 'open' || this.#ending) return;
    if (chunk !== undefined) this.write(chunk);
    this.#ending = true;
    if (this.#queue.length === 0) this.#close();
    else {
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    }
  }

  destroy(): void {
    if (this.#state !== 'open') return;
    this.#controller?.error(new Error('the response stream was cut'));
    this.#leave();
  }

  closeAfterPending(): void {
    if (this.#state !== 'open') return;
    // The consumer gets what was queued, then an error: a truncated body, never a complete one.
    this.#truncating = true;
    if (this.#queue.length === 0) return this.#fail();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #fail(): void {
    this.#controller?.error(new Error('the response stream failed after it started'));
    this.#leave();
  }

  get unsent(): number {
    return this.#queued;
  }

  get finished(): boolean {
    return this.#state === 'finished';
  }

  get destroyed(): boolean {
    return this.#state === 'destroyed';
  }

  cork(): void {}

  uncork(): void {}

  listen(events: ChannelEvents): void {
    this.#events = events;
  }

  unlisten(events: ChannelEvents): void {
    if (this.#events === events) this.#events = undefined;
  }
}

/** Response headers as web `Headers` (several values of one name appended, Set-Cookie kept apart). */
function webHeaders(headers: OutgoingHeaders): Headers {
  const out = new Headers();
  for (const name in headers) {
    const value = headers[name]!;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.set(name, value);
  }
  return out;
}

function tooLarge(limit: number): HttpError {
  return HttpError.fromCode('SLUICE_BODY_TOO_LARGE', `limit is ${limit} bytes`);
}
