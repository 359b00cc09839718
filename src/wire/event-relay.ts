/**
 * The one listening half every Node-stream wire shares: a Writable's `drain`, `close` and
 * `finish` forwarded to whichever `ChannelEvents` (the Sink) listens now. Its three handlers are
 * bound once per wire that streams, not per request: buffered responses never listen.
 */
import type { EventEmitter } from 'node:events';
import type { ChannelEvents } from '../stream/channel.js';

/**
 * Forwards a stream's `drain`/`close`/`finish` to the current listener; `unlisten` by any other
 * listener than the current one does nothing.
 * @example
 * const relay = new EventRelay();
 * relay.listen(res, sinkEvents); // later: relay.unlisten(res, sinkEvents)
 */
export class EventRelay {
  #events: ChannelEvents | undefined;
  readonly #drain = (): void => this.#events?.onDrain();
  readonly #close = (): void => this.#events?.onClose();
  readonly #finish = (): void => this.#events?.onFinish();

  /** Starts forwarding `target`'s events to `events`. */
  listen(target: EventEmitter, events: ChannelEvents): void {
    this.#events = events;
    target.on('drain', this.#drain);
    target.on('close', this.#close);
    target.on('finish', this.#finish);
  }

  /** Stops forwarding, when `events` is the current listener. */
  unlisten(target: EventEmitter, events: ChannelEvents): void {
    if (this.#events !== events) return;
    this.#events = undefined;
    target.off('drain', this.#drain);
    target.off('close', this.#close);
    target.off('finish', this.#finish);
  }
}
