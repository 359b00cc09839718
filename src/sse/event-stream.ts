/**
 * `r.response.sse()`: a Server-Sent Events stream on a committed response. Framing comes only
 * from `codec/sse.ts`; every write goes through the response's Sink, so backpressure, the
 * per-stream cap and the stall guard apply to events exactly as to any other stream. It never
 * sees the response's internals or a socket: only the Sink, and the two small views below.
 */
import type { Hub, HubCodec, HubSink } from '../hub/types.js';
import { pipeSource, type AbortNotifier } from '../stream/pipe-source.js';
import type { Sink } from '../stream/sink.js';
import {
  encodeComment,
  encodeEvent,
  encodeRetry,
  isEventShape,
  type SseEvent,
  encodeEventBytes,
} from '../codec/sse.js';
import { startHeartbeat, stopHeartbeat } from './heartbeat.js';
import { frameFor } from '../codec/sse-frame-cache.js';
import { checkEvent, validatedSource, type EventSchemaMap } from './event-schemas.js';

/**
 * Options of `r.response.sse(options)`.
 * @example const es = r.response.sse({ heartbeat: 5000, errorEvent: true });
 */
export interface EventStreamOptions {
  /** Milliseconds between heartbeat comments on an idle stream; 0 disables. Default 15 000. */
  heartbeat?: number;
  /** On an error after commit, send `event: error` with a safe message before ending. Default false. */
  errorEvent?: boolean;
}

/** What an EventStream needs from the response that opened it: its Sink and a way to end it. */
export interface StreamResponse {
  readonly sink: Sink | undefined;
  readonly ended: boolean;
  /** Ends the response (the response is the one writer that ends). */
  finish(): void;
}

/** What an EventStream needs from the request: the client's headers and the abort signal. */
export interface StreamRequest extends AbortNotifier {
  header(name: string): string | undefined;
  readonly signal: AbortSignal;
}

/**
 * The SSE encoding of hub events: what an EventStream brings to the hub, so each event is
 * framed once per publish and the same bytes go to every local SSE subscriber.
 */
export const SSE_CODEC: HubCodec = {
  encode: (e) => encodeEventBytes({ id: e.id, event: e.event, data: e.data }),
};

const RESOLVED_TRUE = Promise.resolve(true);
const RESOLVED_FALSE = Promise.resolve(false);
const HEARTBEAT = encodeComment('');

/**
 * A Server-Sent Events stream, made by `r.response.sse()` (headers committed at once:
 * `text/event-stream`, `no-cache, no-transform`, `X-Accel-Buffering: no`). `send()` waits when the
 * client is slow (64 KiB unsent) and resolves `false` once it is gone; `pipe()` drains an async
 * iterable; `subscribe()` resumes a hub topic from the client's `Last-Event-ID`. Heartbeat
 * comments keep proxies from timing an idle stream out; at shutdown the stream gets a `retry:`
 * hint and ends cleanly.
 * @example
 * s.get('/ticks', async (r) => {
 *   const es = r.response.sse();
 *   for (let i = 0; !es.closed && i < 10; i++) {
 *     await es.send({ id: String(i), event: 'tick', data: { i } });
 *     await new Promise((f) => setTimeout(f, 1000));
 *   }
 * });
 */
export class EventStream {
  readonly #response: StreamResponse;
  readonly #request: StreamRequest;
  readonly options: Readonly<EventStreamOptions>;
  #heartbeat = 0;
  #released = false;
  /** The route's declared events, when they are enforced. */
  readonly #schemas: EventSchemaMap | undefined;
  /** The last send still waiting for an asynchronous schema: later sends queue behind it. */
  #pending: Promise<boolean> | undefined;

  /** @internal use `r.response.sse()` */
  constructor(
    response: StreamResponse,
    request: StreamRequest,
    options: EventStreamOptions,
    schemas?: EventSchemaMap,
  ) {
    this.#response = response;
    this.#request = request;
    this.options = options;
    this.#schemas = schemas;
    const period = options.heartbeat ?? 15_000;
    const sink = response.sink;
    if (sink && !sink.gone) {
      sink.wrote = true;
      sink.shutdownTarget = this;
      if (period > 0) startHeartbeat((this.#heartbeat = period), this);
      request.onAborted(this);
    } else this.release();
  }

  /** The client's `Last-Event-ID` header ('' when it sent none). */
  get lastEventId(): string {
    const raw = this.#request.header('last-event-id');
    if (!raw) return '';
    // Node hands header bytes over as Latin-1; browsers send the id as UTF-8.
    return /[^\x00-\x7f]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  }

  /** Aborts when the client leaves, a write fails, a limit cuts the stream or the server shuts down. */
  get signal(): AbortSignal {
    return this.#request.signal;
  }

  /** True once the stream has ended, for whatever reason. */
  get closed(): boolean {
    return this.#released || this.#response.ended;
  }

  /**
   * Sends an event. An object whose keys are all among data/event/id/retry is an event; any
   * other value is its data (strings as-is, other values as JSON). Resolves true when the socket
   * has room, false once the client is gone; rejects, writing nothing and never throwing, for an
   * id/event holding CR, LF or NUL (`SLUICE_SSE_FIELD`) or data with no JSON form
   * (`SLUICE_SSE_DATA`: `undefined`, a function, a BigInt, a cycle). An event without a `data`
   * key sends only its other fields (no dispatch: use it to move the id or the retry delay).
   * On a route with declared `events`, the event must be one of them and its data pass its
   * schema (else it rejects with `SLUICE_EVENT_UNKNOWN` / `SLUICE_EVENT_INVALID`, writing nothing).
   * @example await es.send({ event: 'tick', id: String(i), data: { i } })
   */
  send(event: SseEvent | unknown): Promise<boolean> {
    if (this.#schemas) return this.#sendChecked(event);
    let frame: string | Buffer;
    try {
      frame = frameFor(event);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write(frame);
  }

  /**
   * Sends a value as data, whatever its shape. Like every method here it never throws: a value
   * with no JSON form (`undefined`, a BigInt, a cycle...) rejects with `SLUICE_SSE_DATA` and
   * nothing is written.
   * @example await es.sendData({ event: 'not a field, just data' })
   */
  sendData(value: unknown): Promise<boolean> {
    if (this.#schemas) return this.#sendChecked({ data: value });
    let frame: string;
    try {
      frame = encodeEvent({ data: value });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write(frame);
  }

  /** Sends a comment (each line its own `:` line; never a field). */
  comment(text = ''): Promise<boolean> {
    let frame: string;
    try {
      frame = encodeComment(String(text));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write(frame);
  }

  /** Tells the client how long to wait before reconnecting (ms). */
  retry(ms: number): Promise<boolean> {
    let frame: string;
    try {
      frame = encodeRetry(ms);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write(frame);
  }

  /** Sends every item of the source; stops it (its `return()`) when the client leaves. */
  pipe(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<boolean> {
    if (this.closed) return RESOLVED_FALSE;
    const schemas = this.#schemas;
    if (schemas) {
      const checked = validatedSource(source, (item) => checkEvent(schemas, item));
      return pipeSource(this.#response.sink!, this.#request, checked, (ev) =>
        encodeEvent(ev as SseEvent),
      );
    }
    return pipeSource(this.#response.sink!, this.#request, source, (item) =>
      encodeEvent(isEventShape(item) ? item : { data: item }),
    );
  }

  /** send() on a route with declared events: check, then write in the order sent. */
  #sendChecked(value: unknown): Promise<boolean> {
    let checked: SseEvent | Promise<SseEvent>;
    try {
      checked = checkEvent(this.#schemas!, value);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!(checked instanceof Promise) && this.#pending === undefined) {
      return this.#writeEvent(checked);
    }
    const before = this.#pending ?? RESOLVED_TRUE;
    const sent = Promise.all([before.catch(() => false), checked]).then(([, ev]) =>
      this.#writeEvent(ev),
    );
    this.#pending = sent;
    const clear = (): void => {
      if (this.#pending === sent) this.#pending = undefined;
    };
    sent.then(clear, clear);
    return sent;
  }

  #writeEvent(event: SseEvent): Promise<boolean> {
    let frame: string;
    try {
      frame = encodeEvent(event);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write(frame);
  }

  /**
   * Streams a hub topic: the events after `lastEventId` still in history, then live ones, until
   * the client leaves or the hub cuts the subscriber off (the reason is on the signal). The
   * subscriber is registered at once and removed the moment the client leaves, whatever the
   * hub's broker is doing.
   */
  subscribe(hub: Hub, topic: string): Promise<void> {
    // Not async, nor is attach: each suspended async frame held ~0.45 KB per subscriber for
    // as long as the stream lives (its generator, promise, reaction, context and two closures).
    const from = this.lastEventId;
    return this.attach((sink) => hub.attach(topic, sink, from ? { from } : {}), SSE_CODEC);
  }

  /**
   * @internal Streams the frames a hub-like source pushes (`connect` attaches the sink and
   * returns its detach), in `codec`, until the client leaves or the source ends the sink: an
   * end with a reason cuts the stream with it, an end without one just returns (the caller
   * may write more, then close). What `subscribe` and durable runs share. A `connect` that
   * throws rejects the promise (after undoing what was registered).
   */
  attach(connect: (sink: HubSink) => () => void, codec: HubCodec): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      new Attachment(this.#response.sink!, this.#request, codec, resolve, reject).connect(connect);
    });
  }

  /**
   * @internal Writes frames now (those queued this turn first) as one write, and resolves like
   * `send()`: true when the client has room, after it drains otherwise, false once it is gone. A
   * replay written this way is paced by the client, never cut for its size.
   */
  writeFrames(frames: readonly Uint8Array[]): Promise<boolean> {
    const sink = this.#response.sink;
    if (this.#released || !sink || sink.gone) return RESOLVED_FALSE;
    if (frames.length > 0) {
      const chunk = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
      if (!sink.write(chunk)) return RESOLVED_FALSE;
    }
    return sink.unsent >= sink.policy.highWaterMark ? sink.ready() : RESOLVED_TRUE;
  }

  /** @internal Server shutdown: a jittered retry hint, then a clean end. */
  shutdown(retryMs: number): void {
    this.#response.sink?.write(encodeRetry(retryMs));
    void this.close();
  }

  /** @internal True when the stream wrote since the last heartbeat tick (and clears that). */
  takeWrote(): boolean {
    const sink = this.#response.sink;
    if (!sink) return true;
    const wrote = sink.wrote;
    sink.wrote = false;
    return wrote;
  }

  /** @internal Writes a heartbeat comment (which does not count as the stream being busy). */
  beat(): void {
    const sink = this.#response.sink;
    if (!sink) return;
    sink.write(HEARTBEAT);
    sink.wrote = false;
  }

  /** Ends the stream cleanly. */
  close(): Promise<void> {
    if (!this.#response.ended) {
      this.#response.finish();
    }
    this.release();
    return Promise.resolve();
  }

  /** @internal Sends `event: error` with a safe message (errorEvent option). */
  sendError(message: string): void {
    const sink = this.#response.sink;
    if (sink && !sink.gone) sink.write(encodeEvent({ event: 'error', data: { message } }));
  }

  /** @internal Drops timers and listeners; called when the response ends. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#heartbeat > 0) stopHeartbeat(this.#heartbeat, this);
    this.#heartbeat = 0;
    this.#request.offAborted(this);
  }

  /** @internal The request aborted (the client left, a limit cut the stream, shutdown). */
  requestAborted(): void {
    this.release();
  }

  #write(frame: string | Buffer): Promise<boolean> {
    const sink = this.#response.sink;
    if (this.#released || !sink || sink.gone) return RESOLVED_FALSE;
    // Queued for the stream's next coalesced flush (at once on an idle loop): a broadcast loop
    // over many streams then writes each socket once per window, with bytes shared between them.
    if (!sink.queue(frame)) return RESOLVED_FALSE;
    return sink.unsent >= sink.policy.highWaterMark ? sink.ready() : RESOLVED_TRUE;
  }
}

/**
 * One hub-like source attached to a stream (`EventStream.attach`): the HubSink it writes to, and
 * how the stream's promise settles. A class rather than a set of closures: an idle subscriber
 * holds this one object for as long as it lives.
 */
class Attachment implements HubSink {
  readonly codec: HubCodec;
  readonly #sink: Sink;
  readonly #request: StreamRequest;
  readonly #resolve: () => void;
  readonly #reject: (err: Error) => void;
  #detach: (() => void) | undefined;
  #connecting = true;
  #over = false;
  /** Set when the source ended the sink while `connect` still ran (null: without a reason). */
  #endedEarly: Error | null | undefined;

  constructor(
    sink: Sink,
    request: StreamRequest,
    codec: HubCodec,
    resolve: () => void,
    reject: (err: Error) => void,
  ) {
    this.codec = codec;
    this.#sink = sink;
    this.#request = request;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  connect(connect: (sink: HubSink) => () => void): void {
    this.#request.onAborted(this);
    try {
      // Registers at once: a client that leaves while the hub still waits (Redis down) detaches now.
      this.#detach = connect(this);
    } catch (err) {
      this.#request.offAborted(this);
      this.#reject(err as Error);
      return;
    } finally {
      this.#connecting = false;
    }
    if (this.#endedEarly !== undefined) {
      const reason = this.#endedEarly ?? undefined;
      queueMicrotask(() => this.#settle(reason));
    }
  }

  write(frame: Uint8Array): void {
    this.#sink.queue(frame);
  }

  /** The request aborted: the attachment ends (its source detaches). */
  requestAborted(): void {
    this.end();
  }

  end(reason?: Error): void {
    if (this.#over) return;
    this.#over = true;
    // Ended while `connect` still runs: settle once it returned its detach.
    if (!this.#connecting) queueMicrotask(() => this.#settle(reason));
    else this.#endedEarly = reason ?? null;
  }

  /**
   * Runs once, a microtask after the end (as the awaited promise it replaces did), so a source
   * that ends a sink inside its own fan-out loop is never re-entered by the cut.
   */
  #settle(reason: Error | undefined): void {
    const sink = this.#sink;
    try {
      if (reason && !sink.gone) {
        sink.drainFrames();
        sink.cut(reason);
      }
    } catch (err) {
      this.#reject(err as Error);
    } finally {
      this.#detach?.();
      this.#request.offAborted(this);
    }
    this.#resolve();
  }
}
