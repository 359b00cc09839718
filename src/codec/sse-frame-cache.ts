/**
 * Encode once for the plain broadcast loop (`for (const es of streams) es.send(ev)`): the last
 * frame encoded is kept as bytes, and a send of an equal event reuses them instead of encoding
 * and UTF-8-converting the same text again for every stream. Only events whose fields are all
 * immutable values (strings, numbers, booleans) are cached, so a cached frame can never be
 * stale; object data is encoded per send, as it may have changed.
 */
import { encodeEvent, isEventShape, type SseEvent } from './sse.js';

let lastHasData = false;
let lastData: unknown = undefined;
let lastEvent: string | undefined;
let lastId: string | undefined;
let lastRetry: number | undefined;
let lastFrame: Buffer | undefined;

function cacheable(value: unknown): boolean {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || value === undefined;
}

/** The encoded frame for `send(value)`: an event shape is an event, anything else its data. */
export function frameFor(value: unknown): Buffer | string {
  const ev: SseEvent = isEventShape(value) ? value : { data: value };
  const hasData = 'data' in ev;
  if (!cacheable(ev.data) || (hasData && ev.data === undefined)) return encodeEvent(ev);
  if (
    lastFrame !== undefined &&
    hasData === lastHasData &&
    ev.data === lastData &&
    ev.event === lastEvent &&
    ev.id === lastId &&
    ev.retry === lastRetry
  ) {
    return lastFrame;
  }
  const frame = Buffer.from(encodeEvent(ev));
  lastHasData = hasData;
  lastData = ev.data;
  lastEvent = ev.event;
  lastId = ev.id;
  lastRetry = ev.retry;
  lastFrame = frame;
  return frame;
}
