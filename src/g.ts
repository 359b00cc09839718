/**
 * `g`: GoFrame's global object. `g.server(name)` gives one live Server per name (after
 * shutdown() the name gives a new one); `g.requestFromCtx(ctx)` gives the request back from a
 * controller's context.
 */
import { Server } from './server/server.js';
import { Request, type RequestContext } from './exchange/request.js';
import { currentRequest } from './engine/request-context.js';

const servers = new Map<string, Server>();

/**
 * GoFrame's global object: `g.server(name?)` gives the one live {@link Server} of that name
 * (created on first use; after `shutdown()` the name gives a new one), `g.requestFromCtx(ctx)`
 * the request behind a controller's context, `g.currentRequest()` the request being served.
 * @example
 * import { g } from 'sluice';
 * const s = g.server();
 * s.bindHandler('/', (r) => r.response.write('hello'));
 * s.setPort(8999);
 * await s.run();
 */
export const g = {
  /**
   * The server of this name (default 'default'), created on first use.
   * @example const s = g.server(); s.bindHandler('/', (r) => 'hello'); await s.run();
   */
  server(name = 'default'): Server {
    let s = servers.get(name);
    if (!s) {
      const created = new Server();
      created.onClosed = () => {
        if (servers.get(name) === created) servers.delete(name);
      };
      servers.set(name, created);
      s = created;
    }
    return s;
  },

  /** The request behind a controller's `ctx` (undefined for a foreign context). */
  requestFromCtx(ctx: RequestContext | unknown): Request | undefined {
    return Request.fromContext(ctx);
  },

  /** The request being served, from any async call below the handler (needs `requestContext: true`). */
  currentRequest(): Request | undefined {
    return currentRequest();
  },
};
