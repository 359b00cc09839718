/**
 * The runs in flight, as a list threaded through the runs themselves: adding and removing a run
 * touch two neighbours and allocate nothing (a Set rehashed its table as requests came and went,
 * on every request's path). Iteration (shutdown) is over a copy, so it may remove as it goes.
 */
import type { Run } from './run.js';

/**
 * The requests an engine is running.
 * @example
 * const inflight = new InflightRuns();
 * inflight.add(run);
 * inflight.delete(run);
 * inflight.size; // 0
 */
export class InflightRuns {
  #head: Run | undefined = undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Whether `run` is in this list (only the head has no previous run). */
  has(run: Run): boolean {
    return run.prevRun !== undefined || this.#head === run;
  }

  add(run: Run): void {
    if (this.has(run)) return;
    run.nextRun = this.#head;
    run.prevRun = undefined;
    if (this.#head) this.#head.prevRun = run;
    this.#head = run;
    this.#size++;
  }

  delete(run: Run): void {
    if (!this.has(run)) return;
    const { prevRun, nextRun } = run;
    if (prevRun) prevRun.nextRun = nextRun;
    else this.#head = nextRun;
    if (nextRun) nextRun.prevRun = prevRun;
    run.prevRun = run.nextRun = undefined;
    this.#size--;
  }

  /** A snapshot of the runs (newest first). */
  [Symbol.iterator](): IterableIterator<Run> {
    const all: Run[] = [];
    for (let run = this.#head; run; run = run.nextRun) all.push(run);
    return all[Symbol.iterator]();
  }
}
