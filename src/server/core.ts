/**
 * The engine behind a Server: runs a request's prepared chain GoFrame-style (middleware call
 * `await r.middleware.next()`; exit sentinels are caught at the boundary of the function that
 * threw), then `complete()` turns what the chain left (an error, a returned value, a buffer)
 * into the one response. Nothing here is allocated per request except what the request needs.
 */
import { HttpError, SluiceError, isClientGone } from '../errors.js';
import { isFramingCut } from '../stream/outlet.js';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Request } from '../request/request.js';
import { StreamRegistry } from '../stream/stream-registry.js';
import type { StreamPolicy } from '../stream/outlet.js';
import { EXIT_ALL, EXIT_HOOK, isExitSignal } from './exit.js';
import { sendReturnValue } from './return-value.js';
import { SeedFrameWarning } from '../sse/dev-warning.js';
import { statusText } from '../response/response.js';
import { runWithRequest } from './request-context.js';

/** A route handler: writes to `r.response` and/or returns the response value. */
export type Handler = (r: Request) => unknown;
/** Middleware: calls `await r.middleware.next()` to run the rest of the chain. */
export type Middleware = (r: Request) => unknown;
export type HookName = 'beforeServe' | 'afterServe' | 'beforeOutput' | 'afterOutput';
export type Hook = (r: Request) => unknown;

export interface HookBinding {
  hook: HookName;
  fn: Hook;
  matches: (method: string, host: string | undefined, path: string) => unknown;
}

/** Per-request hooks that matched, looked up only when hooks are bound. */
export type MatchedHooks = Partial<Record<HookName, Hook[]>>;

const RESOLVED = Promise.resolve();

export class ServerCore {
  config: ServerConfig;
  logger: Logger;
  policy: StreamPolicy;
  registry: StreamRegistry;
  readonly statusHandlers = new Map<number, Handler>();
  readonly hooks: HookBinding[] = [];
  readonly inflight = new Set<Request>();
  #drained: (() => void) | undefined;
  #seedWarning: SeedFrameWarning | undefined;
  inspectFlush: ((r: Request, chunks: ReadonlyArray<string | Uint8Array>) => void) | undefined;

  constructor(config: ServerConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.policy = {
      highWaterMark: config.highWaterMark,
      streamCap: config.streamCap,
      writeStallTimeout: config.writeStallTimeout,
    };
    this.registry = new StreamRegistry(config);
    this.#applyDevWarnings();
  }

  /** Re-reads limits after setConfig(). */
  reconfigure(config: ServerConfig, logger: Logger): void {
    this.config = config;
    this.logger = logger;
    this.policy = {
      highWaterMark: config.highWaterMark,
      streamCap: config.streamCap,
      writeStallTimeout: config.writeStallTimeout,
    };
    if (this.registry.size === 0) this.registry = new StreamRegistry(config);
    this.#applyDevWarnings();
  }

  #applyDevWarnings(): void {
    if (this.config.devWarnings) {
      this.#seedWarning ??= new SeedFrameWarning();
      const w = this.#seedWarning;
      this.inspectFlush = (r, chunks) => w.inspect(r, chunks);
    } else this.inspectFlush = undefined;
  }

  // ---- the chain -------------------------------------------------------------------------------

  /** Runs a request's chain from the start; completes the response when it is done. */
  run(r: Request): void {
    if (this.config.requestContext) runWithRequest(r, () => this.#run(r));
    else this.#run(r);
  }

  #run(r: Request): void {
    this.inflight.add(r);
    this.#hooksThen(r, r.hooks?.beforeServe, this.#startChain);
  }

  /**
   * Runs one kind of hooks, then `next` (at once when there are none or they were synchronous).
   * As in GoFrame, hooks are skipped once `r.exitAll()` was called (the response still goes out).
   */
  #hooksThen(r: Request, fns: Hook[] | undefined, next: (r: Request) => void): void {
    const pending = fns && !r.isExited() ? this.#runHooks(r, fns) : undefined;
    if (!pending) return next(r);
    pending.then(
      () => next(r),
      (err) => this.#fail(r, err),
    );
  }

  readonly #startChain = (r: Request): void => {
    // r.exitAll() in a beforeServe hook: no middleware, no handler (GoFrame's behaviour).
    if (r.isExited()) return this.complete(r);
    r.chainIndex = 0;
    const first = r.chain[0];
    let out: unknown;
    try {
      out = first?.(r);
    } catch (err) {
      this.#caught(r, err);
    }
    // One promise per request on the async path: complete() whether the chain resolved or threw.
    if (
      out !== null &&
      typeof out === 'object' &&
      typeof (out as Promise<unknown>).then === 'function'
    ) {
      (out as Promise<unknown>).then(
        () => this.complete(r),
        (err) => {
          this.#caught(r, err);
          this.complete(r);
        },
      );
    } else this.complete(r);
  };

  /** `r.middleware.next()`: runs the next function of the chain. */
  next(r: Request): Promise<void> {
    if (r.isExited()) return RESOLVED;
    const fn = r.chain[++r.chainIndex];
    if (!fn) return RESOLVED;
    return this.#invoke(r, fn) ?? RESOLVED;
  }

  /** Calls one chain function; returns a promise only when it is asynchronous. */
  #invoke(r: Request, fn: (r: Request) => unknown): Promise<void> | undefined {
    let out: unknown;
    try {
      out = fn(r);
    } catch (err) {
      this.#caught(r, err);
      return undefined;
    }
    if (
      out !== null &&
      typeof out === 'object' &&
      typeof (out as Promise<unknown>).then === 'function'
    ) {
      return (out as Promise<unknown>).then(
        () => undefined,
        (err) => this.#caught(r, err),
      );
    }
    return undefined;
  }

  #caught(r: Request, err: unknown): void {
    if (isExitSignal(err)) return; // exit() ends this function only; exitAll() already marked r
    if (r.getError() === undefined) r.setError(err);
  }

  /** Wraps a handler so its return value is kept for post-processing and the final response. */
  static handlerStep(handler: Handler): (r: Request) => unknown {
    return (r) => {
      const out = handler(r);
      if (
        out !== null &&
        typeof out === 'object' &&
        typeof (out as Promise<unknown>).then === 'function'
      ) {
        return (out as Promise<unknown>).then((v) => keepReturned(r, v));
      }
      keepReturned(r, out);
      return undefined;
    };
  }

  // ---- completing the response ------------------------------------------------------------------

  /** Turns what the chain left into the response, then ends it (the single exit). */
  complete(r: Request): void {
    this.#hooksThen(r, r.hooks?.afterServe, this.#produce);
  }

  readonly #produce = (r: Request): void => {
    const res = r.response;
    const err = r.getError();
    if (res.committed) {
      if (err !== undefined) this.#failAfterCommit(r, err);
      else this.#end(r);
      return;
    }
    if (err !== undefined) {
      if (!res.hasOutput) this.#writeError(r, err);
      else this.#logError(r, err);
    } else if (res.returned !== undefined && !res.hasOutput) {
      const pending = sendReturnValue(r, res.returned);
      if (pending) {
        pending.then(
          () => this.#end(r),
          (e) => {
            r.setError(e);
            if (res.committed) return this.#failAfterCommit(r, e);
            this.#writeError(r, e);
            this.#end(r);
          },
        );
        return;
      }
    }
    const statusHandler = this.statusHandlers.get(res.status);
    if (statusHandler && !r.isExited()) {
      res.clearBuffer();
      const out = this.#invoke(r, statusHandler);
      if (out) {
        out.then(
          () => this.#end(r),
          () => this.#end(r),
        );
        return;
      }
    }
    this.#end(r);
  };

  #end(r: Request): void {
    const res = r.response;
    if (!res.committed) {
      const before = this.beforeOutput(r);
      if (before) {
        before.then(
          () => this.#finish(r),
          (err) => this.#fail(r, err),
        );
        return;
      }
    }
    this.#finish(r);
  }

  #finish(r: Request): void {
    const res = r.response;
    try {
      res.finish();
    } catch (err) {
      r.log.error({ err, method: r.method, path: r.path }, 'sluice: failed to end a response');
      if (res.committed) res.abort(err as Error);
      else {
        // Node refused the head (headers are checked when set, so this is a last resort):
        // answer a plain 500 rather than nothing.
        res.resetForFailure();
        try {
          res.finish();
        } catch {
          res.raw.destroy();
        }
      }
    }
    const cut = res.outlet?.reason;
    if (cut !== undefined && isFramingCut(cut)) {
      // A body longer or shorter than its Content-Length: the connection was closed, say why.
      r.log.error({ err: cut, method: r.method, path: r.path }, 'response cut: its length was wrong');
    }
    this.#done(r);
    const hooks = r.hooks;
    if (hooks?.afterOutput && !r.isExited())
      this.#runHooks(r, hooks.afterOutput)?.catch((err) => this.#logError(r, err));
  }

  #done(r: Request): void {
    this.inflight.delete(r);
    if (this.inflight.size === 0 && this.#drained) this.#drained();
  }

  /** A failure outside any handler (a hook, a status handler): answer 500 if still possible. */
  #fail(r: Request, err: unknown): void {
    if (r.getError() === undefined) r.setError(err);
    if (r.response.committed) return this.#failAfterCommit(r, err);
    r.response.clearBuffer();
    this.#writeError(r, err);
    this.#finish(r);
  }

  /**
   * An error after commit: logged, and the connection is closed without the terminating chunk,
   * so a truncated body can never look complete. An EventStream with `errorEvent` first sends
   * its safe `event: error`.
   */
  #failAfterCommit(r: Request, err: unknown): void {
    this.#logAfterCommit(r, err);
    const res = r.response;
    if (!res.ended) res.abort(err instanceof Error ? err : new Error(String(err)));
    this.#finish(r);
  }

  /** An error before commit becomes a real response: its own status for HttpError, else 500. */
  #writeError(r: Request, err: unknown): void {
    const res = r.response;
    const status = errorStatus(err);
    res.clearBuffer();
    res.status = status;
    if (err instanceof HttpError && err.details !== undefined) {
      // A coded error with details (a validation failure's fields) answers JSON a client can read.
      res.writeJson({ code: err.code ?? status, message: err.message, errors: err.details });
    } else if (err instanceof HttpError || (err instanceof SluiceError && status < 500)) {
      res.write(err.message);
    } else res.write(statusText(status));
    this.#logError(r, err);
  }

  #logError(r: Request, err: unknown): void {
    if (isClientGone(err)) return;
    const status = errorStatus(err);
    // 501 and 505 answer what a client sent (an unsupported method or version): not a server fault.
    if (status >= 500 && status !== 501 && status !== 505) {
      r.log.error({ err, method: r.method, path: r.path }, 'request failed');
    }
  }

  #logAfterCommit(r: Request, err: unknown): void {
    if (isClientGone(err)) return;
    const es = r.response.eventStream;
    if (es?.options.errorEvent) {
      es.sendError(err instanceof HttpError ? err.message : 'Internal Server Error');
    }
    r.log.error(
      { err, method: r.method, path: r.path },
      'error after the response was committed; the stream was ended',
    );
  }

  // ---- hooks -------------------------------------------------------------------------------------

  /** Runs the beforeOutput hooks (at commit); undefined when there are none. */
  beforeOutput(r: Request): Promise<void> | undefined {
    const hooks = r.hooks?.beforeOutput;
    if (!hooks || r.isExited()) return undefined;
    return this.#runHooks(r, hooks)?.catch((err) => this.#logError(r, err));
  }

  #runHooks(r: Request, fns: Hook[]): Promise<void> | undefined {
    let chain: Promise<void> | undefined;
    let stop = false;
    const runOne = (fn: Hook): Promise<void> | undefined => {
      if (stop) return undefined;
      try {
        const out = fn(r);
        if (out && typeof (out as Promise<unknown>).then === 'function') {
          return (out as Promise<unknown>).then(
            () => undefined,
            (err) => {
              // exitHook() and exitAll() end the hooks of this kind; exit() only this hook.
              if (err === EXIT_HOOK || err === EXIT_ALL) stop = true;
              else if (!isExitSignal(err)) throw err;
            },
          );
        }
      } catch (err) {
        if (err === EXIT_HOOK || err === EXIT_ALL) stop = true;
        else if (!isExitSignal(err)) throw err;
      }
      return undefined;
    };
    for (const fn of fns) {
      if (chain) chain = chain.then(() => runOne(fn));
      else chain = runOne(fn);
    }
    return chain;
  }

  // ---- connections -------------------------------------------------------------------------------

  /** Aborts `r.signal` when the client leaves before a plain (uncommitted) response finished. */
  watchClose(r: Request): void {
    const raw = r.response.raw;
    const onClose = (): void => {
      if (!raw.writableFinished) r.onClientClose();
    };
    raw.once('close', onClose);
  }

  /** Resolves when no request is in flight. */
  drained(): Promise<void> {
    if (this.inflight.size === 0) return RESOLVED;
    return new Promise((resolve) => {
      this.#drained = () => {
        this.#drained = undefined;
        resolve();
      };
    });
  }
}

function keepReturned(r: Request, value: unknown): void {
  if (value === undefined) return;
  const res = r.response;
  if (res.touched || res.committed) {
    if (r.core.config.devWarnings) throw new SluiceError('SLUICE_RETURN_AFTER_WRITE');
    return;
  }
  res.returned = value;
}

/** The status an error answers with. */
export function errorStatus(err: unknown): number {
  if (err instanceof HttpError || err instanceof SluiceError) return err.status;
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status <= 599) return status;
  return 500;
}
