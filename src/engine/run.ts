/**
 * The engine's per-request state: the prepared chain, the position in it, the hooks that
 * matched, the error thrown and the value returned. Owned by the engine; the request only sees
 * it through `RunView` (for `r.getError()` and `r.getHandlerResponse()`).
 */
import type { RunView } from '../exchange/host.js';
import type { Request } from '../exchange/request.js';
import type { MatchedHooks } from './types.js';

/** One request being run. */
export class Run implements RunView {
  readonly r: Request;
  readonly chain: ReadonlyArray<(r: Request) => unknown>;
  readonly hooks: MatchedHooks | undefined;
  /** Position of the function running now (-1 before the chain starts). */
  index = -1;
  error: unknown = undefined;
  returned: unknown = undefined;
  /** The client key its stream counts under (`streamsPerClient`), once one opened. */
  streamKey: string | undefined = undefined;
  /** What the request observer's `start` returned (telemetry only). */
  observed: unknown = undefined;
  /** Links of the engine's in-flight list (`InflightRuns`). */
  prevRun: Run | undefined = undefined;
  nextRun: Run | undefined = undefined;

  constructor(
    r: Request,
    chain: ReadonlyArray<(r: Request) => unknown>,
    hooks: MatchedHooks | undefined,
  ) {
    this.r = r;
    this.chain = chain;
    this.hooks = hooks;
    r.run = this;
  }
}
