/**
 * Content-coding negotiation (RFC 9110 §12.5.3) and what is worth compressing: pure functions
 * the `compress()` middleware and the response share.
 */

/** A content coding Sluice can produce. */
export type Encoding = 'br' | 'gzip';

/** Compression levels. */
export interface CompressionLevels {
  /** Brotli quality 0-11. */
  brotliQuality: number;
  /** gzip level 1-9. */
  gzipLevel: number;
}

/** Per-request compression settings the response applies at commit. */
export interface CompressionPlan extends CompressionLevels {
  encoding: Encoding;
  /** Smallest buffered body compressed, in bytes. */
  threshold: number;
  /** Compress streams too (flushed at every send). */
  streams: boolean;
}

/**
 * Picks the first offered encoding the client accepts with q > 0 (`*` counts for any).
 * @example negotiate('gzip;q=0.5, br', ['br', 'gzip']) // 'br'
 */
export function negotiate(
  header: string | undefined,
  offered: readonly Encoding[],
): Encoding | undefined {
  if (!header) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  for (const enc of offered) {
    const weight = q.get(enc) ?? q.get('*');
    if (weight !== undefined && weight > 0) return enc;
  }
  return undefined;
}

const COMPRESSIBLE =
  /^(text\/|application\/(json|javascript|xml|x-ndjson|[\w.+-]+\+(json|xml))|image\/svg\+xml)/i;

/**
 * True for content types worth compressing (text, JSON, JavaScript, XML, NDJSON, SVG).
 * @example isCompressible('application/json; charset=utf-8') // true
 */
export function isCompressible(contentType: string | undefined): boolean {
  return contentType !== undefined && COMPRESSIBLE.test(contentType);
}
