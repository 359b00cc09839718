/**
 * Development warning for the seed's trap: a `text/event-stream` response whose flushed frames
 * carry fields but never the blank line that ends an event, so no EventSource dispatches
 * anything. Warned once per route, pointing at r.response.sse().
 */
import type { Request } from '../request/request.js';

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
  readonly #seen = new WeakMap<Request, Seen>();

  inspect(r: Request, chunks: ReadonlyArray<string | Uint8Array>): void {
    if (r.response.eventStream || this.#warned.has(r.routePattern)) return;
    const ct = r.response.headersIfAny?.get('content-type');
    if (!ct || !ct.startsWith('text/event-stream')) return;
    let seen = this.#seen.get(r);
    if (!seen) this.#seen.set(r, (seen = { flushes: 0, fields: false, blank: false, tail: '' }));
    if (seen.blank || seen.flushes >= INSPECTED_FLUSHES) return;
    let text = seen.tail;
    for (const c of chunks) text += typeof c === 'string' ? c : Buffer.from(c).toString('latin1');
    seen.fields ||= FIELD.test(text);
    seen.blank ||= BLANK.test(text);
    seen.tail = text.slice(-3);
    seen.flushes++;
    if (seen.flushes >= 2 && seen.fields && !seen.blank) {
      this.#warned.add(r.routePattern);
      r.log.warn(
        { route: r.routePattern },
        'text/event-stream frames without a blank line: no EventSource will dispatch them. End each event with an empty line ("\\n\\n"), or use r.response.sse() which frames events for you. (Shown once per route outside production.)',
      );
    }
  }
}
