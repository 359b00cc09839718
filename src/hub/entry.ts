/**
 * One published event as the hub keeps it: its text, its position and its SSE frame, encoded
 * once and shared by every local subscriber.
 */
import { SluiceError } from '../errors/index.js';
import { assertFieldValue, encodeEvent } from '../codec/sse.js';
import { RESET_EVENT } from './event-id.js';
import type { HubEvent, PublishInput } from './types.js';

/** An event with its encoded frame and numeric position (`hi`, `lo`) for ordering. */
export interface Entry extends HubEvent {
  readonly frame: Uint8Array;
  readonly hi: number;
  readonly lo: number;
  /** True for a `sluice-reset` entry, which bypasses position checks. */
  readonly reset: boolean;
}

/** Builds an entry, encoding its frame once. */
export function makeEntry(
  id: string,
  event: string | undefined,
  data: string,
  hi: number,
  lo: number,
): Entry {
  const frame = Buffer.from(encodeEvent({ id, event, data }), 'utf8');
  return { id, event, data, frame, hi, lo, reset: false };
}

/** The reserved `sluice-reset` entry carrying the head id as its id and data. */
export function makeResetEntry(headId: string, hi: number, lo: number): Entry {
  const frame = Buffer.from(encodeEvent({ id: headId, event: RESET_EVENT, data: headId }), 'utf8');
  return { id: headId, event: RESET_EVENT, data: headId, frame, hi, lo, reset: true };
}

/**
 * Checks a publish input and captures its data as text: a string as-is, anything else as JSON.
 * Throws `SLUICE_HUB_DATA` for data JSON cannot represent, `SLUICE_SSE_FIELD` for an event name
 * holding CR/LF/NUL and `SLUICE_HUB_RESERVED_EVENT` for `sluice-reset`.
 */
export function captureInput(input: PublishInput): { event: string | undefined; data: string } {
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
  if (typeof value === 'string') return { event, data: value };
  let data: string | undefined;
  try {
    data = JSON.stringify(value);
  } catch (err) {
    throw new SluiceError('SLUICE_HUB_DATA', (err as Error).message, { cause: err });
  }
  if (data === undefined)
    throw new SluiceError('SLUICE_HUB_DATA', `${typeof value} has no JSON form`);
  return { event, data };
}
