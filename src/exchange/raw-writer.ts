/**
 * `r.response.rawWriter()`: Go's `RawWriter()` + `http.Flusher`. Writes bypass the buffer and go
 * straight to the stream; the first write or flush commits the response (so headers set after
 * rawWriter() but before that still go out, as in Go), through the response's one commit path.
 */
import { ClientClosedError } from '../errors/index.js';
import type { ResponseHeaders } from '../http/headers.js';
import type { Sink } from '../stream/sink.js';

/** What the raw writer needs from its response (the response implements it). */
export interface RawTarget {
  header(): ResponseHeaders;
  status: number;
  readonly ended: boolean;
  /** Commits if needed (beforeOutput hooks included) and returns the sink, or undefined (HEAD). */
  openSink(): Sink | undefined;
  /** The buffered bytes written before, taken out (sent ahead of the raw write). */
  takeBuffer(): Buffer | undefined;
  /** Marks the response as written to (a returned value is then a mistake). */
  markTouched(): void;
  flush(): Promise<boolean>;
}

/**
 * The connection without the buffer.
 * @example
 * const rw = r.response.rawWriter();
 * rw.header().set('Content-Type', 'text/event-stream');
 * rw.write('data: 1\n\n');
 * await rw.flush();
 */
export class RawWriter {
  readonly #response: RawTarget;

  /** @internal use `r.response.rawWriter()` */
  constructor(response: RawTarget) {
    this.#response = response;
  }

  /** The response headers (the same object as `r.response.header()`). */
  header(): ResponseHeaders {
    return this.#response.header();
  }

  /** Sets the status; it goes out with the first write or flush. */
  writeHeader(status: number): void {
    this.#response.status = status;
  }

  /**
   * Writes bytes or text to the connection now (buffered writes still pending go first). Throws
   * ClientClosedError once the client is gone, as Go's `Fprintf` returns an error.
   * Returns false when the stream asks the writer to wait (`await flush()` waits for it).
   */
  write(chunk: string | Uint8Array): boolean {
    const res = this.#response;
    const sink = res.openSink();
    if (!sink || sink.gone || res.ended) throw sink?.reason ?? new ClientClosedError();
    const pending = res.takeBuffer();
    if (pending) sink.write(pending);
    res.markTouched();
    if (!sink.write(chunk)) throw sink.reason ?? new ClientClosedError();
    return sink.unsent < sink.policy.highWaterMark;
  }

  /** Commits if needed and waits for room on the stream; false once the client is gone. */
  flush(): Promise<boolean> {
    return this.#response.flush();
  }
}
