/**
 * Event ids shared by the hub backends: `<epoch>-<n>[-<n>]`, compared by their numeric parts
 * (never as strings), with the epoch naming the topic's history.
 */
import { randomBytes } from 'node:crypto';

/** The reserved event name a subscriber gets when its `from` cannot be honoured. */
export const RESET_EVENT = 'sluice-reset';

/** Longest `from` accepted, in UTF-8 bytes; longer ones get a reset. */
export const MAX_ID_BYTES = 128;

const EPOCH = /^[0-9a-z]{1,32}$/;
const PART = /^\d{1,16}$/;

/** A random epoch: 10 base-36 characters, no `-`. */
export function newEpoch(): string {
  return randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0').slice(-10);
}

/** An id split into its epoch and numeric parts (`hi`, and `lo` for two-part ids, else 0). */
export interface ParsedId {
  epoch: string;
  hi: number;
  lo: number;
}

/** Parses an id with `parts` numeric parts (1 or 2); `undefined` when malformed or too long. */
export function parseId(id: string, parts: 1 | 2): ParsedId | undefined {
  if (id.length > MAX_ID_BYTES || Buffer.byteLength(id) > MAX_ID_BYTES) return undefined;
  const fields = id.split('-');
  if (fields.length !== parts + 1) return undefined;
  const [epoch, a, b] = fields as [string, string, string | undefined];
  if (!EPOCH.test(epoch) || !PART.test(a)) return undefined;
  const hi = Number(a);
  let lo = 0;
  if (parts === 2) {
    if (b === undefined || !PART.test(b)) return undefined;
    lo = Number(b);
  }
  if (!Number.isSafeInteger(hi) || !Number.isSafeInteger(lo)) return undefined;
  return { epoch, hi, lo };
}

/** Orders two (hi, lo) positions: negative, zero or positive. */
export function comparePosition(aHi: number, aLo: number, bHi: number, bLo: number): number {
  return aHi !== bHi ? aHi - bHi : aLo - bLo;
}
