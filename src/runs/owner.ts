/**
 * Owners of runs, kept as digests: the store never holds the owner's own text (a user id, an
 * email), and comparisons take the same time whatever the values.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The digest kept for an owner (`''` for none).
 * @example ownerDigest('user-42') // '0b7f...' (64 hex characters)
 */
export function ownerDigest(owner: string | undefined): string {
  if (owner === undefined) return '';
  return createHash('sha256').update('sluice-run-owner\0').update(owner).digest('hex');
}

/**
 * True when two digests are equal, compared in constant time.
 * @example sameDigest(ownerDigest('a'), ownerDigest('a')) // true
 */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
