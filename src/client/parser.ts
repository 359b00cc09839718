/**
 * An incremental `text/event-stream` parser following WHATWG HTML, "Server-sent events",
 * §9.2.6 (interpreting an event stream). Bytes go in as they arrive, in chunks of any size,
 * split anywhere (inside a UTF-8 sequence, between the CR and LF of a CRLF); whole events come out.
 * Only `TextDecoder` is used, so it runs in browsers and Node alike.
 */
import { StreamError } from './stream-error.js';

/** One dispatched event, as an `EventSource` would deliver it. */
export interface ParsedEvent {
  /** The last event id in force when the event was dispatched (`''` when none, or after a reset). */
  id: string;
  /** The event type: the `event:` field, or `'message'` when the server named none. */
  event: string;
  /** The data lines joined with `\n`. */
  data: string;
}

/** Options of {@link EventStreamParser}. */
export interface EventStreamParserOptions {
  /**
   * Longest line accepted, in UTF-16 code units (about bytes for ASCII). A longer line throws a
   * `StreamError` with code `SLUICE_CLIENT_LINE_TOO_LONG` instead of growing memory without bound.
   * Default 1 MiB (1,048,576).
   */
  maxLineLength?: number;
  /**
   * Largest event accepted: the UTF-8 bytes of its data (the data lines joined with `\n`). A
   * larger event throws a `StreamError` with code `SLUICE_CLIENT_EVENT_TOO_LARGE` as soon as a
   * data line takes it over, instead of growing memory without bound (many short lines are
   * each within `maxLineLength`). Default 1 MiB (1,048,576).
   */
  maxEventSize?: number;
  /** The last event id to start from, e.g. the one kept across a reconnect. Default `''`. */
  lastEventId?: string;
  /** Called with every valid `retry:` value (ASCII digits only), in milliseconds. */
  onRetry?: (ms: number) => void;
}

/** Default {@link EventStreamParserOptions.maxLineLength}: 1 MiB. */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;
/**
 * Default {@link EventStreamParserOptions.maxEventSize}: 1 MiB, the budget of one default line,
 * so an event gets the same room whether it comes as one line or many.
 */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024;

const LINE_END = /\r\n|\r|\n/g;
const DIGITS = /^[0-9]+$/;

/**
 * Parses one event stream (one connection). Feed it the body's chunks; it returns the events
 * each chunk completed. Call {@link EventStreamParser.end} at the end of the body: an event
 * without its closing blank line is discarded, as the standard requires. Use a new parser
 * (passing {@link EventStreamParser.lastEventId}) for the next connection.
 *
 * Rules applied: one leading BOM stripped; CR, LF and CRLF all end a line, even when CR and LF
 * arrive in different chunks; lines starting with `:` are comments and ignored; one space after
 * the colon is stripped; `id` containing NUL is ignored; `retry` is honoured only when it is all
 * ASCII digits; unknown fields are ignored; no event is dispatched when the data buffer is empty
 * (but an `id:` in it still updates the last event id); `event` defaults to `'message'`; invalid
 * UTF-8 becomes U+FFFD.
 * @example
 * const p = new EventStreamParser({ onRetry: (ms) => (delay = ms) });
 * p.feed(new TextEncoder().encode('event: tick\nid: 1\ndata: a\n\n'));
 * // -> [{ id: '1', event: 'tick', data: 'a' }]
 */
export class EventStreamParser {
  /** The last event id string: set at each dispatch from the `id:` fields seen so far. */
  lastEventId: string;
  readonly #maxLineLength: number;
  readonly #maxEventSize: number;
  readonly #onRetry: ((ms: number) => void) | undefined;
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  #started = false;
  #skipLF = false;
  #line = '';
  #data = '';
  #hasData = false;
  /** UTF-8 bytes of `#data`, counted only once it could pass the limit (-1 until then). */
  #dataBytes = -1;
  #eventType = '';
  #idBuffer: string;

  constructor(options: EventStreamParserOptions = {}) {
    this.lastEventId = options.lastEventId ?? '';
    this.#idBuffer = this.lastEventId;
    this.#maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.#maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    this.#onRetry = options.onRetry;
  }

  /** Feeds a chunk of bytes and returns the events it completed (often none). */
  feed(chunk: Uint8Array): ParsedEvent[] {
    return this.#text(this.#decoder.decode(chunk, { stream: true }));
  }

  /**
   * Ends the stream: flushes the decoder and discards any unterminated line or event.
   * Returns the events still completed by the flush (a trailing invalid byte sequence can only
   * add U+FFFD to a pending line, so this is in practice always empty).
   */
  end(): ParsedEvent[] {
    const events = this.#text(this.#decoder.decode());
    this.#line = '';
    this.#data = '';
    this.#hasData = false;
    this.#dataBytes = -1;
    this.#eventType = '';
    this.#idBuffer = this.lastEventId;
    return events;
  }

  #text(input: string): ParsedEvent[] {
    let text = input;
    const events: ParsedEvent[] = [];
    if (text.length === 0) return events;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    if (this.#skipLF) {
      this.#skipLF = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    LINE_END.lastIndex = start;
    for (let m = LINE_END.exec(text); m !== null; m = LINE_END.exec(text)) {
      this.#checkLength(this.#line.length + m.index - start);
      const line = this.#line + text.slice(start, m.index);
      this.#line = '';
      start = LINE_END.lastIndex;
      // A CR closing the text may be the first half of a CRLF split across chunks.
      if (m[0] === '\r' && start === text.length) this.#skipLF = true;
      this.#processLine(line, events);
    }
    this.#checkLength(this.#line.length + text.length - start);
    this.#line += text.slice(start);
    return events;
  }

  #checkLength(length: number): void {
    if (length > this.#maxLineLength) {
      throw new StreamError(
        'SLUICE_CLIENT_LINE_TOO_LONG',
        0,
        `more than ${this.#maxLineLength} characters`,
      );
    }
  }

  #processLine(line: string, events: ParsedEvent[]): void {
    if (line === '') {
      this.#dispatch(events);
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return; // a comment
    let field = line;
    let value = '';
    if (colon > 0) {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data':
        this.#addData(value);
        break;
      case 'event':
        this.#eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#idBuffer = value;
        break;
      case 'retry':
        if (DIGITS.test(value)) this.#onRetry?.(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #addData(value: string): void {
    const joined = this.#hasData;
    this.#data = joined ? `${this.#data}\n${value}` : value;
    this.#hasData = true;
    // A UTF-16 code unit is at most 3 UTF-8 bytes: below a third of the limit nothing is counted.
    if (this.#data.length * 3 <= this.#maxEventSize) return;
    this.#dataBytes =
      this.#dataBytes < 0
        ? utf8Length(this.#data)
        : this.#dataBytes + utf8Length(value) + (joined ? 1 : 0);
    if (this.#dataBytes > this.#maxEventSize) {
      this.#data = '';
      this.#hasData = false;
      this.#dataBytes = -1;
      throw new StreamError(
        'SLUICE_CLIENT_EVENT_TOO_LARGE',
        0,
        `more than ${this.#maxEventSize} bytes of data`,
      );
    }
  }

  #dispatch(events: ParsedEvent[]): void {
    this.lastEventId = this.#idBuffer;
    if (this.#hasData) {
      events.push({ id: this.lastEventId, event: this.#eventType || 'message', data: this.#data });
    }
    this.#data = '';
    this.#hasData = false;
    this.#dataBytes = -1;
    this.#eventType = '';
  }
}

/** UTF-8 length of a string that holds no lone surrogate (what `TextDecoder` produces). */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // 0x80-0x7ff: 2 bytes; a surrogate pair: 4 bytes for 2 units; the rest of the BMP: 3 bytes.
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}
