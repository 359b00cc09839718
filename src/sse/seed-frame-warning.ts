/**
 * Development warning for the seed's trap: a `text/event-stream` response whose flushed frames
 * carry fields but never the blank line that ends an event, so no EventSource dispatches
 * anything. Warned once per route, pointing at r.response.sse(). An observer: the server
 * installs it on the flush path outside production; nothing in the core depends on it.
 */
import type { Logger } from '../logger.js';

/** What the warning needs to know about one flush. */
export interface FlushedResponse {
  /** The route pattern that matched (the warning is once per route). */
  readonly route: string;
  /** The response's Content-Type, if set. */
  readonly contentType: string | undefined;
  /** True when `sse()` frames the stream (nothing to warn about). */
  readonly framed: boolean;
  readonly log: Logger;
}

interface Seen {
  flushes: number;
  fields: boolean;
  blank: boolean;
  tail: string;
}

const FIELD = /(^|[\r\n])(data|event|id|retry):/;
const BLANK = /\n\n|\r\r|\r\n\r\n/;
const INSPECTED_FLUSHES = 8;

export class SeedFrameWarning {
  readonly #warned = new Set<string>();
  readonly #seen = new WeakMap<object, Seen>();

  /**
   * Looks at one flush of the response identified by `key` (warned at most once per route).
   * @example warning.inspect(r, { route, contentType, framed: false, log }, chunks)
   */
  inspect(key: object, res: FlushedResponse, chunks: ReadonlyArray<string | Uint8Array>): void {
    if (res.framed || this.#warned.has(res.route)) return;
    const ct = res.contentType;
    if (!ct || !ct.startsWith('text/event-stream')) return;
    let seen = this.#seen.get(key);
    if (!seen) this.#seen.set(key, (seen = { flushes: 0, fields: false, blank: false, tail: '' }));
    if (seen.blank || seen.flushes >= INSPECTED_FLUSHES) return;
    let text = seen.tail;
    for (const c of chunks) text += typeof c === 'string' ? c : Buffer.from(c).toString('latin1');
    seen.fields ||= FIELD.test(text);
    seen.blank ||= BLANK.test(text);
    seen.tail = text.slice(-3);
    seen.flushes++;
    if (seen.flushes >= 2 && seen.fields && !seen.blank) {
      this.#warned.add(res.route);
      res.log.warn(
        { route: res.route },
        'text/event-stream frames without a blank line: no EventSource will dispatch them. End each event with an empty line ("\\n\\n"), or use r.response.sse() which frames events for you. (Shown once per route outside production.)',
      );
    }
  }
}
