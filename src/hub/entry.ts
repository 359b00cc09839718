/**
 * One published event as the hub keeps it: its text and its position, and its encodings,
 * memoized per codec: the hub is transport-neutral, a sink brings its codec (SSE frames,
 * WebSocket messages), and every local sink with the same codec gets the same bytes, encoded
 * once. Also the checks both backends share: topic names and the capture of a publish input.
 */
import { SluiceError } from '../errors/index.js';
import { assertFieldValue } from '../codec/sse.js';
import { RESET_EVENT } from './event-id.js';
import type { HubCodec, HubEvent, PublishInput } from './types.js';

/** Who keeps an entry (the memory hub's history): told when a new encoding makes it larger. */
export interface EntryHolder {
  grew(entry: Entry, bytes: number): void;
}

/** Bytes of objects per memoized encoding beyond its bytes (a Uint8Array and its ArrayBuffer). */
const ENCODING_OVERHEAD = 160;

/**
 * An event with its numeric position (`hi`, `lo`) for ordering and its encodings.
 * @example entry.encoded(sseCodec) // the SSE frame, the same bytes for every SSE subscriber
 */
export class Entry implements HubEvent {
  readonly id: string;
  readonly event: string | undefined;
  readonly data: string;
  readonly hi: number;
  readonly lo: number;
  /** True for a `sluice-reset` entry, which bypasses position checks. */
  readonly reset: boolean;
  /** Set by a hub that keeps the entry: its accounted size and its order of keeping. */
  holder: EntryHolder | undefined = undefined;
  size = 0;
  order = 0;
  // Two codecs (SSE and WebSocket) cover every sink Sluice has: no Map unless a third appears.
  #codecA: HubCodec | undefined = undefined;
  #bytesA: Uint8Array | undefined = undefined;
  #codecB: HubCodec | undefined = undefined;
  #bytesB: Uint8Array | undefined = undefined;
  #more: Map<HubCodec, Uint8Array> | undefined = undefined;

  constructor(
    id: string,
    event: string | undefined,
    data: string,
    hi: number,
    lo: number,
    reset: boolean,
  ) {
    this.id = id;
    this.event = event;
    this.data = data;
    this.hi = hi;
    this.lo = lo;
    this.reset = reset;
  }

  /** The bytes of this event in the codec's encoding, encoded on first use. */
  encoded(codec: HubCodec): Uint8Array {
    if (codec === this.#codecA) return this.#bytesA!;
    if (codec === this.#codecB) return this.#bytesB!;
    const known = this.#more?.get(codec);
    if (known) return known;
    const bytes = codec.encode(this);
    if (this.#codecA === undefined) {
      this.#codecA = codec;
      this.#bytesA = bytes;
    } else if (this.#codecB === undefined) {
      this.#codecB = codec;
      this.#bytesB = bytes;
    } else (this.#more ??= new Map()).set(codec, bytes);
    this.holder?.grew(this, bytes.byteLength + ENCODING_OVERHEAD);
    return bytes;
  }
}

/** Default `maxEventSize`: 256 KiB of data text plus event name, in UTF-8 bytes. */
export const DEFAULT_MAX_EVENT_SIZE = 256 * 1024;

/** Longest topic name, in UTF-8 bytes. */
export const MAX_TOPIC_BYTES = 256;

/** A lone surrogate (with the `u` flag a well-formed pair is one code point, never matched). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Checks a topic name: a well-formed Unicode string of 1 to 256 UTF-8 bytes. A lone surrogate
 * has no UTF-8 form (Redis would store U+FFFD, so the key read back would never match).
 * Throws `SLUICE_HUB_TOPIC`.
 */
export function assertTopic(name: unknown): asserts name is string {
  if (typeof name !== 'string') {
    throw new SluiceError('SLUICE_HUB_TOPIC', `got ${name === null ? 'null' : typeof name}`);
  }
  if (name.length === 0) throw new SluiceError('SLUICE_HUB_TOPIC', 'the name is empty');
  if (LONE_SURROGATE.test(name)) {
    throw new SluiceError('SLUICE_HUB_TOPIC', 'the name holds a lone surrogate');
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: short names need no count.
  if (name.length * 3 > MAX_TOPIC_BYTES) {
    const bytes = Buffer.byteLength(name);
    if (bytes > MAX_TOPIC_BYTES) throw new SluiceError('SLUICE_HUB_TOPIC', `${bytes} bytes`);
  }
}

/** Builds an entry (encoded lazily, per codec). */
export function makeEntry(
  id: string,
  event: string | undefined,
  data: string,
  hi: number,
  lo: number,
): Entry {
  return new Entry(id, event, data, hi, lo, false);
}

/** The reserved `sluice-reset` entry: its id and data are the position to resume from. */
export function makeResetEntry(id: string, hi: number, lo: number): Entry {
  return new Entry(id, RESET_EVENT, id, hi, lo, true);
}

/** Characters V8 cannot keep in a one-byte string. */
const TWO_BYTE = /[^\x00-\xff]/;

/**
 * The bytes a string takes in V8's heap: one byte per character when every character is at
 * most U+00FF, else two; plus its header.
 */
export function heapBytes(s: string): number {
  return 16 + (TWO_BYTE.test(s) ? 2 * s.length : s.length);
}

/**
 * Checks a publish input and captures its data as text: a string as-is, anything else as JSON.
 * Throws `SLUICE_HUB_DATA` for data JSON cannot represent, `SLUICE_SSE_FIELD` for an event name
 * holding CR/LF/NUL, `SLUICE_HUB_RESERVED_EVENT` for `sluice-reset` and
 * `SLUICE_HUB_EVENT_TOO_LARGE` when the data text plus the event name pass `maxEventSize`
 * UTF-8 bytes (so every event kept in history stays deliverable).
 */
export function captureInput(
  input: PublishInput,
  maxEventSize: number,
): { event: string | undefined; data: string } {
  if (input === null || typeof input !== 'object') {
    throw new SluiceError('SLUICE_HUB_DATA', 'publish takes { data, event? }');
  }
  const event = input.event;
  if (event !== undefined) {
    if (typeof event !== 'string')
      throw new SluiceError('SLUICE_SSE_FIELD', 'event must be a string');
    assertFieldValue('event', event);
    if (event === RESET_EVENT) throw new SluiceError('SLUICE_HUB_RESERVED_EVENT');
  }
  const value = input.data;
  let data: string | undefined;
  if (typeof value === 'string') data = value;
  else {
    try {
      data = JSON.stringify(value);
    } catch (err) {
      throw new SluiceError('SLUICE_HUB_DATA', (err as Error).message, { cause: err });
    }
    if (data === undefined)
      throw new SluiceError('SLUICE_HUB_DATA', `${typeof value} has no JSON form`);
  }
  const chars = data.length + (event?.length ?? 0);
  // A UTF-16 unit is at most 3 UTF-8 bytes: most events are told apart without a scan.
  if (chars * 3 > maxEventSize) {
    const size = Buffer.byteLength(data) + (event === undefined ? 0 : Buffer.byteLength(event));
    if (size > maxEventSize) {
      throw new SluiceError(
        'SLUICE_HUB_EVENT_TOO_LARGE',
        `${size} bytes, maxEventSize is ${maxEventSize}`,
      );
    }
  }
  return { event, data };
}

/** Reads a positive integer option. */
export function positiveOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SluiceError('SLUICE_CONFIG', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}
