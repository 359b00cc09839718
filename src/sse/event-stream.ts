/**
 * `r.response.sse()`: a Server-Sent Events stream on a committed response. Framing comes only
 * from `encode-event.ts`; every write goes through the response's Outlet, so backpressure, the
 * per-stream cap and the stall guard apply to events exactly as to any other stream.
 */
import type { Response } from '../response/response.js';
import type { Hub, HubSink } from '../hub/types.js';
import { pipeSource } from '../stream/pipe-source.js';
import {
  encodeComment,
  encodeEvent,
  encodeRetry,
  isEventShape,
  type SseEvent,
} from './encode-event.js';
import { startHeartbeat, stopHeartbeat } from './heartbeat.js';
import { frameFor } from './frame-cache.js';
import { scheduleFrames } from './coalescer.js';

export interface EventStreamOptions {
  /** Milliseconds between heartbeat comments on an idle stream; 0 disables. Default 15 000. */
  heartbeat?: number;
  /** On an error after commit, send `event: error` with a safe message before ending. Default false. */
  errorEvent?: boolean;
}

const RESOLVED_TRUE = Promise.resolve(true);
const RESOLVED_FALSE = Promise.resolve(false);
const HEARTBEAT = encodeComment('');

export class EventStream {
  readonly #response: Response;
  readonly options: Readonly<EventStreamOptions>;
  #heartbeat = 0;
  #frames: Uint8Array[] | undefined;
  #released = false;

  /** @internal use `r.response.sse()` */
  constructor(response: Response, options: EventStreamOptions) {
    this.#response = response;
    this.options = options;
    const period = options.heartbeat ?? 15_000;
    const outlet = response.outlet;
    if (outlet && !outlet.gone) {
      outlet.wrote = true;
      outlet.shutdownTarget = this;
      if (period > 0) startHeartbeat((this.#heartbeat = period), this);
      response.request.onAborted(this.#onAbort);
    } else this.release();
  }

  /** The client's `Last-Event-ID` header ('' when it sent none). */
  get lastEventId(): string {
    const raw = this.#response.request.header('last-event-id');
    if (!raw) return '';
    // Node hands header bytes over as Latin-1; browsers send the id as UTF-8.
    return /[^\x00-\x7f]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  }

  /** Aborts when the client leaves, a write fails, a limit cuts the stream or the server shuts down. */
  get signal(): AbortSignal {
    return this.#response.request.signal;
  }

  /** True once the stream has ended, for whatever reason. */
  get closed(): boolean {
    return this.#released || this.#response.ended;
  }

  /**
   * Sends an event. An object whose keys are all among data/event/id/retry is an event; any
   * other value is its data (strings as-is, other values as JSON). Resolves true when the socket
   * has room, false once the client is gone; rejects (writing nothing) for an id/event holding
   * CR, LF or NUL.
   * @example await es.send({ event: 'tick', id: String(i), data: { i } })
   */
  send(event: SseEvent | unknown): Promise<boolean> {
    let frame: string | Buffer;
    try {
      frame = frameFor(event);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write(frame);
  }

  /** Sends a value as data, whatever its shape. */
  sendData(value: unknown): Promise<boolean> {
    return this.#write(encodeEvent({ data: value }));
  }

  /** Sends a comment (each line its own `:` line; never a field). */
  comment(text = ''): Promise<boolean> {
    return this.#write(encodeComment(text));
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
    return pipeSource(this.#response, source, (item) =>
      encodeEvent(isEventShape(item) ? item : { data: item }),
    );
  }

  /**
   * Streams a hub topic: the events after `lastEventId` still in history, then live ones, until
   * the client leaves or the hub cuts the subscriber off (the reason is on the signal). The
   * subscriber is registered at once and removed the moment the client leaves, whatever the
   * hub's broker is doing.
   */
  async subscribe(hub: Hub, topic: string): Promise<void> {
    if (this.closed) return;
    const outlet = this.#response.outlet!;
    let ended!: (reason?: Error) => void;
    const done = new Promise<Error | undefined>((resolve) => (ended = resolve));
    const sink: HubSink = {
      write: (frame) => {
        if ((this.#frames ??= []).push(frame) === 1) scheduleFrames(this);
      },
      end: (reason) => ended(reason),
    };
    const onAbort = (): void => ended();
    const request = this.#response.request;
    request.onAborted(onAbort);
    const from = this.lastEventId;
    let detach: (() => void) | undefined;
    try {
      detach = hub.attach(topic, sink, from ? { from } : {});
      const reason = await done;
      if (reason && !outlet.gone) {
        this.drainFrames();
        outlet.cut(reason);
      }
    } finally {
      detach?.();
      request.offAborted(onAbort);
    }
  }

  /** @internal Server shutdown: a jittered retry hint, then a clean end. */
  shutdown(retryMs: number): void {
    this.#response.outlet?.write(encodeRetry(retryMs));
    void this.close();
  }

  /** @internal True when the stream wrote since the last heartbeat tick (and clears that). */
  takeWrote(): boolean {
    const outlet = this.#response.outlet;
    if (!outlet) return true;
    const wrote = outlet.wrote;
    outlet.wrote = false;
    return wrote;
  }

  /** @internal Writes a heartbeat comment (which does not count as the stream being busy). */
  beat(): void {
    const outlet = this.#response.outlet;
    if (!outlet) return;
    outlet.write(HEARTBEAT);
    outlet.wrote = false;
  }

  /** @internal Writes the frames queued this turn, corked into one syscall. */
  drainFrames(): void {
    const frames = this.#frames;
    if (!frames || frames.length === 0) return;
    this.#frames = undefined;
    const outlet = this.#response.outlet;
    if (!outlet || outlet.gone) return;
    if (frames.length === 1) {
      outlet.write(frames[0]!);
      return;
    }
    const raw = this.#response.raw;
    raw.cork();
    for (const f of frames) if (!outlet.write(f)) break;
    raw.uncork();
  }

  /** Ends the stream cleanly. */
  close(): Promise<void> {
    if (!this.#response.ended) {
      this.drainFrames();
      this.#response.finish();
    }
    this.release();
    return Promise.resolve();
  }

  /** @internal Sends `event: error` with a safe message (errorEvent option). */
  sendError(message: string): void {
    const outlet = this.#response.outlet;
    if (outlet && !outlet.gone) outlet.write(encodeEvent({ event: 'error', data: { message } }));
  }

  /** @internal Drops timers and listeners; called when the response ends. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#heartbeat > 0) stopHeartbeat(this.#heartbeat, this);
    this.#heartbeat = 0;
    this.#frames = [];
    this.#response.request.offAborted(this.#onAbort);
  }

  #onAbort = (): void => this.release();

  #write(frame: string | Buffer): Promise<boolean> {
    const outlet = this.#response.outlet;
    if (this.#released || !outlet || outlet.gone) return RESOLVED_FALSE;
    if (this.#frames !== undefined) this.drainFrames();
    if (!outlet.write(frame)) return RESOLVED_FALSE;
    return outlet.unsent >= outlet.policy.highWaterMark ? outlet.ready() : RESOLVED_TRUE;
  }
}
