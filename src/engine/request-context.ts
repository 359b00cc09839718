/**
 * Opt-in request context (`setConfig({ requestContext: true })`): the request is kept in
 * AsyncLocalStorage so `g.currentRequest()` finds it from any async call below the handler.
 * Off by default: Node 20 pays for the async hooks it needs on every request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Request } from '../exchange/request.js';

let storage: AsyncLocalStorage<Request> | undefined;

/** Runs `fn` with `r` as the current request. */
export function runWithRequest(r: Request, fn: () => void): void {
  (storage ??= new AsyncLocalStorage<Request>()).run(r, fn);
}

/** The request being served by the caller's async chain, when requestContext is on. */
export function currentRequest(): Request | undefined {
  return storage?.getStore();
}
