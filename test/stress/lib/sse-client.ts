/**
 * A small SSE client for load and fault tests: one raw `http` request per client (no agent), a
 * WHATWG-enough parser (fields id/event/data, `:` comments counted as heartbeats), and the
 * figures the drills check: every event id in arrival order, heartbeats, the longest silence.
 */
import http from 'node:http';

export interface SseClientOptions {
  lastEventId?: string;
  localAddress?: string;
  /** Keep the ids of received events (default true). */
  keepIds?: boolean;
  onEvent?: (id: string, event: string, data: string) => void;
}

export class SseClient {
  readonly ids: string[] = [];
  events = 0;
  heartbeats = 0;
  resets = 0;
  lastId = '';
  status = 0;
  connectedAt = 0;
  lastByteAt = 0;
  /** Longest gap between two chunks since the last `resetGap()` (ms). */
  maxGap = 0;
  closed = false;
  error: Error | undefined;
  readonly opened: Promise<void>;
  readonly ended: Promise<void>;
  #req: http.ClientRequest;
  #buf = '';
  #keepIds: boolean;
  #onEvent: SseClientOptions['onEvent'];

  constructor(url: string, options: SseClientOptions = {}) {
    this.#keepIds = options.keepIds ?? true;
    this.#onEvent = options.onEvent;
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    let open!: () => void;
    let fail!: (err: Error) => void;
    let end!: () => void;
    this.opened = new Promise((resolve, reject) => ((open = resolve), (fail = reject)));
    this.opened.catch(() => {});
    this.ended = new Promise((resolve) => (end = resolve));
    const req = http.request(url, { agent: false, headers, localAddress: options.localAddress });
    this.#req = req;
    const finish = (err?: Error): void => {
      if (this.closed) return;
      this.closed = true;
      if (err) this.error = err;
      fail(err ?? new Error('closed before the stream opened'));
      end();
    };
    req.on('error', finish);
    req.on('response', (res) => {
      this.status = res.statusCode ?? 0;
      this.connectedAt = this.lastByteAt = Date.now();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.#onChunk(chunk));
      res.on('error', finish);
      res.on('close', () => finish());
      open();
    });
    req.end();
  }

  resetGap(): void {
    this.maxGap = 0;
    this.lastByteAt = Date.now();
  }

  /** The current silence (ms), counted in the maxGap figure. */
  silence(): number {
    return this.closed ? 0 : Date.now() - this.lastByteAt;
  }

  close(): void {
    this.#req.destroy();
  }

  #onChunk(chunk: string): void {
    const now = Date.now();
    const gap = now - this.lastByteAt;
    if (gap > this.maxGap) this.maxGap = gap;
    this.lastByteAt = now;
    this.#buf += chunk;
    for (;;) {
      const at = this.#buf.indexOf('\n\n');
      if (at === -1) break;
      const block = this.#buf.slice(0, at);
      this.#buf = this.#buf.slice(at + 2);
      this.#onBlock(block);
    }
  }

  #onBlock(block: string): void {
    let id: string | undefined;
    let event = 'message';
    let data: string | undefined;
    let comment = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        comment = true;
        continue;
      }
      const c = line.indexOf(':');
      const field = c === -1 ? line : line.slice(0, c);
      const value = c === -1 ? '' : line.slice(c + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    }
    if (data === undefined) {
      if (comment) this.heartbeats++;
      return;
    }
    this.events++;
    if (id !== undefined) this.lastId = id;
    if (event === 'sluice-reset') this.resets++;
    if (this.#keepIds) this.ids.push(event === 'sluice-reset' ? `reset:${id ?? ''}` : (id ?? ''));
    this.#onEvent?.(id ?? '', event, data);
  }
}

/** Compares hub ids `<epoch>-<ms>-<seq>` of one epoch by their numeric parts (the last two). */
export function compareIds(a: string, b: string): number {
  const pa = a.split('-').slice(-2);
  const pb = b.split('-').slice(-2);
  for (let i = 0; i < 2; i++) {
    const x = BigInt(/^\d+$/.test(pa[i] ?? '') ? pa[i]! : '0');
    const y = BigInt(/^\d+$/.test(pb[i] ?? '') ? pb[i]! : '0');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
