/**
 * A fake wire: an exchange with no socket, for fast unit tests of responses, the engine and
 * event streams. It records the head and every body byte, and lets the test play the client:
 * read (drain), stop reading (a small capacity), or leave. The real-socket tests stay; this adds
 * a layer that runs in microseconds.
 */
import { HttpError } from '../errors/index.js';
import type { Channel, ChannelEvents } from '../stream/channel.js';
import type { IncomingHeaders, OutgoingHeaders, Wire } from '../wire/wire.js';

/** What the fake client sends. */
export interface FakeRequest {
  method?: string;
  /** Path and query (`/user/1?x=2`). Default `/`. */
  path?: string;
  /** Request headers; `host` defaults to `localhost`. */
  headers?: Record<string, string>;
  /** The request body. */
  body?: string | Uint8Array;
  /**
   * Bytes the fake transport takes before it pushes back (writes return false, `unsent` grows
   * until `read()`). Default: unlimited (every write is taken at once).
   */
  capacity?: number;
}

/** How the exchange ended on the fake wire. */
export type FakeEnd = 'open' | 'ended' | 'destroyed' | 'truncated';

/**
 * A Wire and Channel with no socket.
 * @example
 * const wire = new FakeWire({ path: '/ticks', capacity: 1024 });
 * s.serveWire(wire);   // through testing's serve()
 * await wire.whenHead();
 * wire.read();          // the client reads what is pending
 * wire.leave();         // the client goes away
 */
export class FakeWire implements Wire, Channel {
  readonly method: string;
  readonly target: string;
  readonly httpVersion = '1.1' as const;
  readonly headers: IncomingHeaders;
  readonly remoteAddress = '127.0.0.1';
  readonly encrypted = false;
  readonly native = undefined;
  /** The status sent, once the head went out. */
  status: number | undefined;
  /** The response headers sent, once the head went out. */
  sentHeaders: OutgoingHeaders | undefined;
  /** Every body chunk the transport took, in order. */
  readonly chunks: Uint8Array[] = [];
  /** How the exchange ended (`'open'` while it streams). */
  end_: FakeEnd = 'open';
  readonly #body: Buffer;
  readonly #capacity: number;
  #unsent = 0;
  #ended = false;
  #events: ChannelEvents | undefined;
  #abandon: Array<() => void> = [];
  #waiters: Array<() => void> = [];
  #corked = 0;

  constructor(request: FakeRequest = {}) {
    this.method = (request.method ?? 'GET').toUpperCase();
    this.target = request.path ?? '/';
    const headers: Record<string, string> = { host: 'localhost' };
    for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
    this.#body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
    if (this.#body.length > 0 && headers['content-length'] === undefined) {
      headers['content-length'] = String(this.#body.length);
    }
    this.headers = headers;
    this.#capacity = request.capacity ?? Infinity;
  }

  // ---- the request side -----------------------------------------------------------------------

  get bodyPending(): boolean {
    return false;
  }

  readBody(limit: number): Promise<Buffer> {
    if (this.#body.length > limit) {
      return Promise.reject(HttpError.fromCode('SLUICE_BODY_TOO_LARGE', `limit ${limit}`));
    }
    return Promise.resolve(this.#body);
  }

  bodyStream(limit: number): ReadableStream<Uint8Array> {
    const body = this.#body;
    return new ReadableStream({
      start(controller) {
        if (body.length > limit) controller.error(HttpError.fromCode('SLUICE_BODY_TOO_LARGE'));
        else {
          if (body.length > 0) controller.enqueue(new Uint8Array(body));
          controller.close();
        }
      },
    });
  }

  onAbandon(cb: () => void): void {
    this.#abandon.push(cb);
  }

  // ---- answering ------------------------------------------------------------------------------

  respond(
    status: number,
    headers: OutgoingHeaders,
    body: string | Uint8Array | undefined,
  ): Channel | undefined {
    this.#head(status, headers);
    this.end(body);
    return this.#unsent > 0 ? this : undefined;
  }

  openStream(status: number, headers: OutgoingHeaders): Channel {
    this.#head(status, headers);
    return this;
  }

  #head(status: number, headers: OutgoingHeaders): void {
    if (this.status !== undefined) throw new Error('FakeWire: a second head');
    this.status = status;
    this.sentHeaders = headers;
    this.#wake();
  }

  // ---- the channel ----------------------------------------------------------------------------

  write(chunk: string | Uint8Array): boolean {
    if (this.end_ !== 'open' || this.#ended) return false;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(bytes);
    this.#unsent += bytes.byteLength;
    this.#settleTaken();
    this.#wake();
    return this.#unsent <= this.#capacity;
  }

  end(chunk?: string | Uint8Array): void {
    if (this.#ended || this.end_ !== 'open') return;
    if (chunk !== undefined) this.write(chunk);
    this.#ended = true;
    if (this.#unsent === 0) this.#finish();
  }

  destroy(): void {
    this.#close('destroyed');
  }

  closeAfterPending(): void {
    this.#close('truncated');
  }

  get unsent(): number {
    return this.#unsent;
  }

  get finished(): boolean {
    return this.end_ === 'ended';
  }

  get destroyed(): boolean {
    return this.end_ === 'destroyed' || this.end_ === 'truncated';
  }

  cork(): void {
    this.#corked++;
  }

  uncork(): void {
    if (this.#corked > 0) this.#corked--;
  }

  listen(events: ChannelEvents): void {
    this.#events = events;
  }

  unlisten(events: ChannelEvents): void {
    if (this.#events === events) this.#events = undefined;
  }

  // ---- the fake client ------------------------------------------------------------------------

  /** The client reads everything pending: the transport drains. */
  read(): void {
    if (this.#unsent === 0) return;
    this.#unsent = 0;
    if (this.#ended) return this.#finish();
    this.#events?.onDrain();
  }

  /** The client goes away before the response finished. */
  leave(): void {
    if (this.end_ !== 'open') return;
    this.#close('destroyed');
    for (const cb of this.#abandon.splice(0)) cb();
  }

  /** The body received so far, as text. */
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** Resolves once the head went out, or `check()` holds after some write. */
  until(check: () => boolean, ms = 2000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('FakeWire: timed out')), ms);
      const test = (): void => {
        if (!check()) return void this.#waiters.push(test);
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push(test);
    });
  }

  /** Resolves once the head went out. */
  whenHead(ms?: number): Promise<void> {
    return this.until(() => this.status !== undefined, ms);
  }

  /** Resolves once the exchange ended, with how. */
  async whenEnded(ms?: number): Promise<FakeEnd> {
    await this.until(() => this.end_ !== 'open', ms);
    return this.end_;
  }

  #settleTaken(): void {
    if (this.#unsent <= this.#capacity && this.#capacity === Infinity) this.#unsent = 0;
  }

  #finish(): void {
    this.end_ = 'ended';
    this.#events?.onFinish();
    this.#events?.onClose();
    this.#wake();
  }

  #close(how: FakeEnd): void {
    if (this.end_ !== 'open') return;
    this.end_ = how;
    this.#events?.onClose();
    this.#wake();
  }

  #wake(): void {
    for (const test of this.#waiters.splice(0)) test();
  }
}
