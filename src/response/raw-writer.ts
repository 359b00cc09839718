/**
 * `r.response.rawWriter()`: Go's `RawWriter()` + `http.Flusher`. Writes bypass the buffer and go
 * straight to the connection; the first write or flush commits the response (so headers set after
 * rawWriter() but before that still go out, as in Go).
 */
import { ClientClosedError } from '../errors.js';
import type { ResponseHeaders } from './headers.js';
import type { Response } from './response.js';

export class RawWriter {
  readonly #response: Response;

  constructor(response: Response) {
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
   * Returns false when the socket asks the writer to wait (`await flush()` waits for it).
   */
  write(chunk: string | Uint8Array): boolean {
    const res = this.#response;
    if (!res.committed) res.commit();
    const outlet = res.outlet;
    if (!outlet || outlet.gone || res.ended) throw outlet?.reason ?? new ClientClosedError();
    if (res.bufferLength() > 0) {
      const pending = res.buffer();
      res.clearBuffer();
      outlet.write(pending);
    }
    res.touched = true;
    if (!outlet.write(chunk)) throw outlet.reason ?? new ClientClosedError();
    return outlet.unsent < outlet.policy.highWaterMark;
  }

  /** Commits if needed and waits for room on the socket; false once the client is gone. */
  flush(): Promise<boolean> {
    return this.#response.flush();
  }
}
