// The server the corpus and the mutation fuzz run against: GET /, POST /echo (r.json()),
// POST /parse (r.parse()), shortened timeouts, and a count of handler calls per client port.
import { Server } from '../../src/index.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** Handler calls per client port: a refused request must not reach any handler. */
export const calls = new Map<number, number>();

function count(r: { native: unknown }): void {
  const { req } = r.native as { req: { socket: { remotePort?: number } } };
  const port = req.socket.remotePort ?? 0;
  calls.set(port, (calls.get(port) ?? 0) + 1);
}

/** Starts the corpus server on 127.0.0.1:0 (header timeout min(500, requestTimeout)). */
export async function startCorpusServer(requestTimeout: number): Promise<Server> {
  const server = new Server({ logger: quiet });
  server.setAddress('127.0.0.1:0');
  server.setConfig({
    headerTimeout: Math.min(500, requestTimeout),
    requestTimeout,
    keepAliveTimeout: 2000,
  });
  server.get('/', (r) => {
    count(r);
    return 'ok';
  });
  server.post('/echo', async (r) => {
    count(r);
    const v = await r.json();
    const keys = v !== null && typeof v === 'object' ? Object.keys(v).length : 0;
    return { type: typeof v, keys, polluted: ({} as Record<string, unknown>).polluted ?? null };
  });
  server.post('/parse', async (r) => {
    count(r);
    const fields = await r.parse();
    return {
      keys: Object.keys(fields).length,
      polluted: ({} as Record<string, unknown>).polluted ?? null,
    };
  });
  await server.start();
  return server;
}
