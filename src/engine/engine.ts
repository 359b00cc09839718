/**
 * The engine behind a Server: runs a request's prepared chain GoFrame-style (middleware call
 * `await r.middleware.next()`; exit sentinels are caught at the boundary of the function that
 * threw), then turns what the chain left (an error, a returned value, a buffer) into the one
 * response, and asks the response to finish. Its per-request state lives in a `Run`; nothing
 * is allocated per request beyond what the request needs.
 */
import type { ServerConfig } from '../config.js';
import { HttpError, SluiceError, errorStatus, isClientGone } from '../errors/index.js';
import { EXIT_ALL, EXIT_HOOK, isExitSignal } from '../exchange/exit.js';
import type { ExchangeHost, ExchangeRequest } from '../exchange/host.js';
import type { Request } from '../exchange/request.js';
import { sendReturnValue } from '../exchange/return-value.js';
import type { Logger } from '../logger.js';
import { StreamRegistry } from '../stream/registry.js';
import { isFramingCut, type StreamPolicy } from '../stream/sink.js';
import { writeErrorResponse } from './error-response.js';
import { normalizeHost } from '../router/index.js';
import { runWithRequest } from './request-context.js';
import { InflightRuns } from './inflight.js';
import { Run } from './run.js';
import type { Handler, Hook, HookBinding, MatchedHooks, StatusBinding } from './types.js';

const RESOLVED = Promise.resolve();
/** Marks a chain's handler step (a symbol: a user's function may have any property). */
const HANDLER = Symbol('sluice.handlerStep');

/**
 * Runs requests for one server.
 * @example
 * const engine = new Engine(config, logger);
 * engine.run(new Run(r, chain, hooks));
 */
export class Engine implements ExchangeHost {
  config: ServerConfig;
  logger: Logger;
  policy: StreamPolicy;
  registry: StreamRegistry;
  readonly statusHandlers = new Map<number, StatusBinding[]>();
  readonly hooks: HookBinding[] = [];
  readonly inflight = new InflightRuns();
  flushObserver:
    ((r: ExchangeRequest, chunks: ReadonlyArray<string | Uint8Array>) => void) | undefined;
  /** Told when each request starts and ends (telemetry); undefined costs one check each. */
  requestObserver: RequestObserver | undefined;
  #drained: (() => void) | undefined;
  /** Open streams per client key (only with `streamsPerClient`); an entry leaves at zero. */
  readonly streamsByClient = new Map<string, number>();

  constructor(config: ServerConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.policy = policyOf(config);
    this.registry = new StreamRegistry(config);
  }

  /** Re-reads limits after setConfig(). */
  reconfigure(config: ServerConfig, logger: Logger): void {
    this.config = config;
    this.logger = logger;
    this.policy = policyOf(config);
    if (this.registry.size === 0) this.registry = new StreamRegistry(config);
  }

  // ---- the chain -------------------------------------------------------------------------------

  /** Runs a request's chain from the start; completes the response when it is done. */
  run(run: Run): void {
    if (this.config.requestContext) runWithRequest(run.r, () => this.#run(run));
    else this.#run(run);
  }

  #run(run: Run): void {
    this.inflight.add(run);
    const observer = this.requestObserver;
    if (observer) {
      run.observed = observer.start(run.r);
      if (observer.enter) {
        observer.enter(run.observed, () =>
          this.#hooksThen(run, run.hooks?.beforeServe, this.#startChain),
        );
        return;
      }
    }
    this.#hooksThen(run, run.hooks?.beforeServe, this.#startChain);
  }

  /**
   * Runs one kind of hooks, then `next` (at once when there are none or they were synchronous).
   * As in GoFrame, hooks are skipped once `r.exitAll()` was called (the response still goes out).
   */
  #hooksThen(run: Run, fns: Hook[] | undefined, next: (run: Run) => void): void {
    const pending = fns && !run.r.isExited() ? this.#runHooks(run.r, fns) : undefined;
    if (!pending) return next(run);
    pending.then(
      () => next(run),
      (err) => this.#fail(run, err),
    );
  }

  readonly #startChain = (run: Run): void => {
    // r.exitAll() in a beforeServe hook: no middleware, no handler (GoFrame's behaviour).
    if (run.r.isExited()) return this.#complete(run);
    run.index = 0;
    const first = run.chain[0];
    const handler = (first as Partial<HandlerStep> | undefined)?.[HANDLER];
    let out: unknown;
    try {
      out = handler ? handler(run.r) : first?.(run.r);
    } catch (err) {
      this.#caught(run, err);
    }
    // One promise per request on the async path: complete whether the chain resolved or threw.
    // A chain that is only its handler keeps the returned value in the same reaction.
    if (isThenable(out)) {
      out.then(
        handler
          ? (value) => {
              this.#keep(run, value);
              this.#complete(run);
            }
          : () => this.#complete(run),
        (err) => {
          this.#caught(run, err);
          this.#complete(run);
        },
      );
    } else {
      if (handler) this.#keep(run, out);
      this.#complete(run);
    }
  };

  /** `r.middleware.next()`: runs the next function of the chain. */
  next(request: ExchangeRequest): Promise<void> {
    const run = (request as Request).run as Run;
    if (run.r.isExited()) return RESOLVED;
    const fn = run.chain[++run.index];
    if (!fn) return RESOLVED;
    return this.#invoke(run, fn) ?? RESOLVED;
  }

  /** Calls one chain function; returns a promise only when it is asynchronous. */
  #invoke(run: Run, fn: (r: Request) => unknown): Promise<void> | undefined {
    const handler = (fn as Partial<HandlerStep>)[HANDLER];
    let out: unknown;
    try {
      out = handler ? handler(run.r) : fn(run.r);
    } catch (err) {
      this.#caught(run, err);
      return undefined;
    }
    if (isThenable(out)) {
      return out.then(handler ? (value) => this.#keep(run, value) : () => undefined, (err) =>
        this.#caught(run, err),
      );
    }
    if (handler) this.#keep(run, out);
    return undefined;
  }

  /** Keeps a handler's return value for the response (an error of keeping it is the handler's). */
  #keep(run: Run, value: unknown): void {
    if (value === undefined) return;
    try {
      keepReturned(run.r, value);
    } catch (err) {
      this.#caught(run, err);
    }
  }

  #caught(run: Run, err: unknown): void {
    if (isExitSignal(err)) return; // exit() ends this function only; exitAll() already marked r
    if (run.error === undefined) run.error = err;
  }

  /**
   * Wraps a handler as the last step of a chain: its return value is kept for post-processing
   * and the final response. The engine calls `step.handler` itself (one promise reaction per
   * request instead of two); calling the step gives the same result for anyone else.
   * @example const chain = [...middleware, Engine.handlerStep((r) => 'hi')];
   */
  static handlerStep(handler: Handler): HandlerStep {
    const step = ((r: Request) => {
      const out = handler(r);
      if (isThenable(out)) return out.then((v) => keepReturned(r, v));
      keepReturned(r, out);
      return undefined;
    }) as HandlerStep;
    step[HANDLER] = handler;
    return step;
  }

  // ---- completing the response ------------------------------------------------------------------

  /** Turns what the chain left into the response, then ends it. */
  #complete(run: Run): void {
    this.#hooksThen(run, run.hooks?.afterServe, this.#produce);
  }

  readonly #produce = (run: Run): void => {
    const r = run.r;
    const res = r.response;
    const err = run.error;
    if (res.committed) {
      if (err !== undefined) this.#failAfterCommit(run, err);
      else this.#end(run);
      return;
    }
    if (err !== undefined) {
      if (!res.hasOutput) this.#writeError(r, err);
      else this.#logError(r, err);
    } else if (run.returned !== undefined && !res.hasOutput) {
      const pending = sendReturnValue(r, run.returned);
      if (pending) {
        pending.then(
          () => this.#end(run),
          (e) => {
            run.error = e;
            if (res.committed) return this.#failAfterCommit(run, e);
            this.#writeError(r, e);
            this.#end(run);
          },
        );
        return;
      }
    }
    const bound = this.statusHandlers.get(res.status);
    const handlers = bound && !r.isExited() ? statusHandlersFor(bound, r.header('host')) : [];
    if (handlers.length > 0) {
      res.clearBuffer();
      // The body it replaces is gone, and so is the type that described it.
      res.header().delete('Content-Type');
      return this.#runStatusHandlers(run, handlers, 0);
    }
    this.#end(run);
  };

  /** Several status handlers for one status all run, in binding order (GoFrame's behaviour). */
  #runStatusHandlers(run: Run, handlers: Handler[], from: number): void {
    for (let i = from; i < handlers.length; i++) {
      if (run.r.isExited()) break;
      const out = this.#invoke(run, handlers[i]!);
      if (out) {
        const next = (): void => this.#runStatusHandlers(run, handlers, i + 1);
        out.then(next, next);
        return;
      }
    }
    this.#end(run);
  }

  /**
   * Adds a hook binding at its place: hooks of one kind run in route-priority order (the most
   * specific pattern first), equal ones in binding order.
   */
  addHook(binding: HookBinding): void {
    const hooks = this.hooks;
    let at = hooks.length;
    if (binding.before) {
      for (let i = 0; i < hooks.length; i++) {
        if (binding.before(hooks[i]!) < 0) {
          at = i;
          break;
        }
      }
    }
    hooks.splice(at, 0, binding);
  }

  /** Runs the beforeOutput hooks (the response's one commit path), then finishes. */
  #end(run: Run): void {
    const before = run.r.response.runBeforeOutput();
    if (!before) return this.#finish(run);
    before.then(
      () => this.#finish(run),
      (err) => this.#fail(run, err),
    );
  }

  #finish(run: Run): void {
    const r = run.r;
    const res = r.response;
    try {
      res.finish();
    } catch (err) {
      r.log.error({ err, method: r.method, path: r.path }, 'sluice: failed to end a response');
      if (res.committed) res.abort(err as Error);
      else {
        // The wire refused the head (headers are checked when set, so this is a last resort):
        // answer a plain 500 rather than nothing.
        res.resetForFailure();
        try {
          res.finish();
        } catch {
          res.abort(err as Error);
        }
      }
    }
    const cut = res.sink?.reason;
    if (cut !== undefined && isFramingCut(cut)) {
      // A body longer or shorter than its Content-Length: the connection was closed, say why.
      r.log.error(
        { err: cut, method: r.method, path: r.path },
        'response cut: its length was wrong',
      );
    }
    this.#done(run);
    const hooks = run.hooks;
    if (hooks?.afterOutput && !r.isExited())
      this.#runHooks(r, hooks.afterOutput)?.catch((err) => this.#logError(r, err));
  }

  #done(run: Run): void {
    this.inflight.delete(run);
    if (run.streamKey !== undefined) this.#releaseStream(run.streamKey);
    if (this.requestObserver && run.observed !== undefined) {
      this.requestObserver.end(run.r, run.observed);
      run.observed = undefined;
    }
    if (this.inflight.size === 0 && this.#drained) this.#drained();
  }

  /** A failure outside any handler (a hook, a status handler): answer 500 if still possible. */
  #fail(run: Run, err: unknown): void {
    if (run.error === undefined) run.error = err;
    const r = run.r;
    if (r.response.committed) return this.#failAfterCommit(run, err);
    r.response.clearBuffer();
    this.#writeError(r, err);
    this.#finish(run);
  }

  /**
   * An error after commit: logged, and the connection is closed without the terminating chunk,
   * so a truncated body can never look complete. An EventStream with `errorEvent` first sends
   * its safe `event: error`.
   */
  #failAfterCommit(run: Run, err: unknown): void {
    const r = run.r;
    this.#logAfterCommit(r, err);
    const res = r.response;
    if (!res.ended) res.abort(err instanceof Error ? err : new Error(String(err)));
    this.#finish(run);
  }

  /** An error before commit becomes a real response: its own status for HttpError, else 500. */
  #writeError(r: Request, err: unknown): void {
    writeErrorResponse(r, err, this.config.errorFormat);
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

  // ---- per-client stream limit ---------------------------------------------------------------------

  /** Counts the stream a request opens against its client's limit (one per request). */
  admitStream(request: ExchangeRequest): number | undefined {
    const limit = this.config.streamsPerClient;
    if (!limit) return undefined;
    const r = request as Request;
    const run = r.run as Run | undefined;
    if (!run || run.streamKey !== undefined) return undefined;
    // No address (a fetch wire without one) is no client to count: exempt rather than shared.
    const key = limit.key ? limit.key(r) : r.ip || undefined;
    if (key === undefined) return undefined;
    const open = this.streamsByClient.get(key) ?? 0;
    if (open >= limit.max) return limit.retryAfter ?? 5;
    this.streamsByClient.set(key, open + 1);
    run.streamKey = key;
    return undefined;
  }

  #releaseStream(key: string): void {
    const open = (this.streamsByClient.get(key) ?? 1) - 1;
    if (open <= 0) this.streamsByClient.delete(key);
    else this.streamsByClient.set(key, open);
  }

  // ---- hooks -------------------------------------------------------------------------------------

  /** Runs the beforeOutput hooks (at commit); undefined when there are none. */
  beforeOutput(request: ExchangeRequest): Promise<void> | undefined {
    const r = request as Request;
    const hooks = (r.run as Run | undefined)?.hooks?.beforeOutput;
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
        if (isThenable(out)) {
          return out.then(
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
        // Never thrown from here: hooks often run inside a promise callback, where a throw
        // would become an unhandled rejection. The caller handles the rejected promise.
        else if (!isExitSignal(err)) return Promise.reject(err);
      }
      return undefined;
    };
    for (const fn of fns) {
      if (chain) chain = chain.then(() => runOne(fn));
      else chain = runOne(fn);
    }
    return chain;
  }

  // ---- draining ----------------------------------------------------------------------------------

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

/**
 * A chain's last step: the handler, callable as a step, with the handler itself attached.
 * @example const step: HandlerStep = Engine.handlerStep((r) => 'hi');
 */
export interface HandlerStep {
  (r: Request): unknown;
  [HANDLER]: Handler;
}

/**
 * What telemetry implements to see requests: `start` when the engine takes a request (its
 * route is matched: `r.routePattern`), `end` once the response is finished (for a stream, when
 * it ends), with whatever `start` returned.
 * @example engine.requestObserver = { start: () => performance.now(), end: (r, t0) => record(r, t0) };
 */
export interface RequestObserver {
  start(r: Request): unknown;
  /** Runs the request's chain inside the observer's context (the span made active), if given. */
  enter?(started: unknown, run: () => void): void;
  end(r: Request, started: unknown): void;
}

/** The matched hooks of a request, from the bound ones (undefined when none applies). */
export function matchHooks(
  bindings: readonly HookBinding[],
  method: string,
  host: string | undefined,
  path: string,
): MatchedHooks | undefined {
  let matched: MatchedHooks | undefined;
  for (const h of bindings) {
    if (!h.matches(method, host, path)) continue;
    matched ??= {};
    (matched[h.hook] ??= []).push(h.fn);
  }
  return matched;
}

/**
 * The status handlers that apply to a request's host: those bound for its domain when there are
 * any (a domain's own handlers win, as in GoFrame), else those bound for every host.
 */
function statusHandlersFor(bound: readonly StatusBinding[], host: string | undefined): Handler[] {
  const name = host === undefined ? undefined : normalizeHost(host);
  const own: Handler[] = [];
  const any: Handler[] = [];
  for (const b of bound) {
    if (b.domains === undefined) any.push(b.fn);
    else if (name !== undefined && b.domains.has(name)) own.push(b.fn);
  }
  return own.length > 0 ? own : any;
}

function keepReturned(r: Request, value: unknown): void {
  if (value === undefined) return;
  const res = r.response;
  if (res.touched || res.committed) {
    if (r.env.config.devWarnings) throw new SluiceError('SLUICE_RETURN_AFTER_WRITE');
    return;
  }
  (r.run as Run).returned = value;
}

function policyOf(config: ServerConfig): StreamPolicy {
  return {
    highWaterMark: config.highWaterMark,
    streamCap: config.streamCap,
    writeStallTimeout: config.writeStallTimeout,
  };
}

function isThenable(value: unknown): value is Promise<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Promise<unknown>).then === 'function'
  );
}
