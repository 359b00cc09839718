/**
 * The SSE wire format, as pure functions. Every byte Sluice puts on a `text/event-stream`
 * goes through here, so framing lives in one place (WHATWG HTML, "Server-sent events").
 */
import { SluiceError } from '../errors/index.js';

/** One server-sent event. `data` that is not a string is sent as JSON. */
export interface SseEvent {
  data?: unknown;
  event?: string;
  id?: string;
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;
const FORBIDDEN_IN_FIELD = /[\r\n\0]/;

/** Checks an `id` or `event` value: CR, LF or NUL would inject fields, so they are refused. */
export function assertFieldValue(name: 'id' | 'event', value: string): void {
  if (FORBIDDEN_IN_FIELD.test(value)) {
    throw new SluiceError('SLUICE_SSE_FIELD', `${name} ${JSON.stringify(value)}`);
  }
}

/** Checks a `retry` value: only a non-negative integer is meaningful to a client. */
export function assertRetry(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new SluiceError('SLUICE_SSE_RETRY', String(ms));
  }
}

/**
 * Turns event data into its text: strings as they are, anything else as its JSON. A value with
 * no JSON text (`undefined`, a function, a symbol) or one JSON cannot serialise (a BigInt, a
 * cycle, a throwing `toJSON` or getter) throws `SLUICE_SSE_DATA`, so nothing is written.
 * @example dataText({ a: 1 }) // '{"a":1}'
 */
export function dataText(data: unknown): string {
  if (typeof data === 'string') return data;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    throw new SluiceError('SLUICE_SSE_DATA', (err as Error).message, { cause: err });
  }
  if (json === undefined)
    throw new SluiceError('SLUICE_SSE_DATA', `${typeof data} has no JSON form`);
  return json;
}

/**
 * Encodes one event: `event:`, `id:`, `retry:`, then one `data:` line per line of data (CRLF,
 * LF and CR all split), then one blank line. Throws a coded error, having produced nothing,
 * when `id`/`event` hold CR, LF or NUL, `retry` is not a non-negative integer, or `data` is
 * given but has no JSON form (`SLUICE_SSE_DATA`, see {@link dataText}).
 * Without a `data` key only the other fields are written: the client updates its last event
 * id or retry delay but dispatches nothing (an EventSource dispatches only events with data);
 * an event with no field at all is an empty message (`data:`).
 * An empty `id` is written as `id:` (it resets the client's last event id).
 * @example encodeEvent({ event: 'tick', id: '7', data: 'a\nb' }) // "event: tick\nid: 7\ndata: a\ndata: b\n\n"
 */
export function encodeEvent(ev: SseEvent): string {
  let out = '';
  if (ev.event !== undefined) {
    assertFieldValue('event', ev.event);
    out += `event: ${ev.event}\n`;
  }
  if (ev.id !== undefined) {
    assertFieldValue('id', ev.id);
    out += ev.id === '' ? 'id\n' : `id: ${ev.id}\n`;
  }
  if (ev.retry !== undefined) {
    assertRetry(ev.retry);
    out += `retry: ${ev.retry}\n`;
  }
  // No field at all is an empty message (`data:`), as before any rule about missing data.
  if ('data' in ev) out += encodeData(dataText(ev.data));
  else if (out === '') out += 'data: \n';
  return out + '\n';
}

/**
 * An event's frame as bytes in a buffer of its own: `Buffer.from` would carve small frames out
 * of a shared 8 KiB pool, and one frame kept (in a hub's history) would then pin its whole slab.
 * @example encodeEventBytes({ id: 'e-1', data: 'hi' }) // bytes of "id: e-1\ndata: hi\n\n"
 */
export function encodeEventBytes(ev: SseEvent): Uint8Array {
  const text = encodeEvent(ev);
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

/** `data:` lines for a text, one per line; the fast path avoids a split for one-line data. */
export function encodeData(text: string): string {
  if (text.indexOf('\n') === -1 && text.indexOf('\r') === -1) return `data: ${text}\n`;
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out;
}

/**
 * Encodes a comment: each line of the text becomes its own `:` line, so a comment can never
 * carry a field. Ends with a blank line so that it also flushes intermediaries' line buffers.
 * @example encodeComment('ping\nx'); // ': ping\n: x\n\n'
 */
export function encodeComment(text = ''): string {
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += line === '' ? ':\n' : `: ${line}\n`;
  return out + '\n';
}

/**
 * Encodes a bare `retry:` hint (a non-negative integer of milliseconds, else it throws).
 * @example encodeRetry(3000); // 'retry: 3000\n\n'
 */
export function encodeRetry(ms: number): string {
  assertRetry(ms);
  return `retry: ${ms}\n\n`;
}

/** True when the keys of `value` are all SSE fields, so `send(value)` treats it as an event. */
export function isEventShape(value: unknown): value is SseEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  let keys = 0;
  for (const key in value) {
    if (key !== 'data' && key !== 'event' && key !== 'id' && key !== 'retry') return false;
    keys++;
  }
  return keys > 0;
}
