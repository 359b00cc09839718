// Helpers for the durable-runs tests: a scripted fake model (released token by token by the
// test, or on a timer), the usual chat routes over a Runs object, and an SSE reader that
// returns the events of a response as the WHATWG parser sees them.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Runs, Server } from '../../src/index.js';

/** One SSE event as a client sees it (`event` undefined for an unnamed one). */
export interface Ev {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/**
 * Reads a response's SSE events until the body ends (or `until` says stop, then the body is
 * cancelled). `complete` is false when the connection was cut mid-body.
 */
export async function readEvents(
  res: Response,
  until?: (ev: Ev, all: Ev[]) => boolean,
): Promise<{ events: Ev[]; complete: boolean }> {
  const events: Ev[] = [];
  let stop = false;
  const parser = createParser({
    onEvent(m: EventSourceMessage) {
      // A client that stops at `until` has seen nothing after it, even if the same read carried more.
      if (stop) return;
      const ev = { id: m.id, event: m.event, data: m.data };
      events.push(ev);
      if (until?.(ev, events)) stop = true;
    },
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let complete = true;
  try {
    while (!stop) {
      const step = await reader.read();
      if (step.done) break;
      parser.feed(decoder.decode(step.value, { stream: true }));
    }
    if (stop) await reader.cancel();
  } catch {
    complete = false;
  }
  return { events, complete };
}

/** The tokens of a list of events (`event: token`), joined. */
export function text(events: Ev[]): string {
  return events
    .filter((e) => e.event === 'token')
    .map((e) => e.data)
    .join('');
}

/** The terminal event's content, or undefined when there is none. */
export function endOf(events: Ev[]): Record<string, unknown> | undefined {
  const end = events.find((e) => e.event === 'sluice-end');
  return end ? (JSON.parse(end.data) as Record<string, unknown>) : undefined;
}

/**
 * A fake model that emits `tokens` one at a time: each waits for `release()` (or, with
 * `intervalMs`, for a timer). It records how often it was called and how its signal ended.
 */
export class ScriptedModel {
  calls = 0;
  aborted: unknown[] = [];
  abortedAt: number[] = [];
  private released = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly tokens: string[],
    readonly intervalMs = 0,
  ) {}

  /** Lets `n` more tokens out (timer-less models only). */
  release(n = 1): void {
    this.released += n;
    for (const w of this.waiters.splice(0)) w();
  }

  /** The text of every token. */
  get answer(): string {
    return this.tokens.join('');
  }

  async *stream(signal: AbortSignal): AsyncGenerator<string> {
    this.calls++;
    signal.addEventListener(
      'abort',
      () => {
        this.aborted.push(signal.reason);
        this.abortedAt.push(performance.timeOrigin + performance.now());
        for (const w of this.waiters.splice(0)) w();
      },
      { once: true },
    );
    for (let i = 0; i < this.tokens.length; i++) {
      if (this.intervalMs > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.intervalMs);
          signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
      } else {
        while (this.released <= i && !signal.aborted) {
          await new Promise<void>((resolve) => this.waiters.push(resolve));
        }
      }
      if (signal.aborted) return;
      yield this.tokens[i]!;
    }
  }
}

/**
 * The chat routes of the issue over `runs`: the user is the `x-user` header.
 *   POST /chat               starts a run of `model()` and follows it (format from ?format=)
 *   GET  /chat/{id}          follows (resume with Last-Event-ID), owner checked
 *   POST /chat/{id}/stop     cancels, owner checked
 */
export function chatRoutes(s: Server, runs: Runs, model: () => ScriptedModel): void {
  const userOf = (r: { header(n: string): string | undefined }): string | undefined =>
    r.header('x-user');
  const formatOf = (r: { url: URL }): 'sluice' | 'openai' | 'anthropic' | 'ai-sdk' =>
    (r.url.searchParams.get('format') ?? 'sluice') as 'sluice';
  s.post('/chat', async (r) => {
    const m = model();
    const run = await runs.start(
      async ({ token, signal }) => {
        for await (const t of m.stream(signal)) await token(t);
      },
      { owner: userOf(r) },
    );
    r.response.header().set('X-Run-Id', run.id);
    return runs.follow(r, run.id, { format: formatOf(r) });
  });
  s.get('/chat/{id}', (r) =>
    runs.follow(r, String(r.get('id')), { owner: userOf(r), format: formatOf(r) }),
  );
  s.post('/chat/{id}/stop', (r) => runs.cancel(String(r.get('id')), { owner: userOf(r) }));
}
