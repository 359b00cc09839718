/**
 * The one listening half every Node-stream wire shares: a Writable's `drain`, `close` and
 * `finish` forwarded to whichever `ChannelEvents` (the Sink) listens now. The three listeners are
 * module-level functions shared by every stream (Node calls a listener with the emitter as
 * `this`), and the current listener is found in a WeakMap: an open stream holds no closures or
 * relay object of its own (~0.2 KB less per idle stream than three bound handlers). Buffered
 * responses never listen.
 */
import type { EventEmitter } from 'node:events';
import type { ChannelEvents } from '../stream/channel.js';

const listeners = new WeakMap<EventEmitter, ChannelEvents>();

function onDrain(this: EventEmitter): void {
  listeners.get(this)?.onDrain();
}

function onClose(this: EventEmitter): void {
  listeners.get(this)?.onClose();
}

function onFinish(this: EventEmitter): void {
  listeners.get(this)?.onFinish();
}

/**
 * Starts forwarding `target`'s `drain`/`close`/`finish` to `events` (replacing the listener
 * before it, if any).
 * @example relayEvents(res, sink); // later: stopRelay(res, sink)
 */
export function relayEvents(target: EventEmitter, events: ChannelEvents): void {
  const before = listeners.get(target);
  listeners.set(target, events);
  if (before !== undefined) return;
  target.on('drain', onDrain);
  target.on('close', onClose);
  target.on('finish', onFinish);
}

/**
 * Stops forwarding, when `events` is the current listener (any other caller changes nothing).
 * @example stopRelay(res, sink);
 */
export function stopRelay(target: EventEmitter, events: ChannelEvents): void {
  if (listeners.get(target) !== events) return;
  listeners.delete(target);
  target.off('drain', onDrain);
  target.off('close', onClose);
  target.off('finish', onFinish);
}
