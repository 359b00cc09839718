/**
 * `sluice/testing`: helpers for testing Sluice apps and Sluice itself.
 * - `serveFake(s, request)`: runs a request through the server on a fake wire (no socket):
 *   routing, middleware, the response and streams, in microseconds; the test plays the client.
 * - `collectEvents(source, { count, until, timeoutMs })`: what a stream sends, for assertions.
 * - `enableStats(s, path)`: a stats endpoint (memory, handles, streams, loop delay) for soak
 *   and fault tests. Never in production.
 * Real-socket tests stay the reference: these add a fast layer, they replace none.
 * @example
 * import { serveFake } from 'sluice/testing';
 * const wire = serveFake(s, { path: '/hello' });
 * await wire.whenEnded();
 * assert.equal(wire.text, 'hello');
 */
import type { Server } from '../server/server.js';
import { FakeWire, type FakeRequest } from './fake-wire.js';

export { FakeWire, type FakeEnd, type FakeRequest } from './fake-wire.js';
export {
  activeHandles,
  createStatsProbe,
  enableStats,
  type StatsProbe,
  type StatsSnapshot,
} from './stats.js';
export { collectEvents, CollectTimeoutError, type CollectOptions } from '../client/testing.js';

/**
 * Serves one request on a fake wire and returns the wire (it records the answer as it goes).
 * @example const wire = serveFake(s, { method: 'POST', path: '/echo', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
 */
export function serveFake(server: Server, request: FakeRequest = {}): FakeWire {
  const wire = new FakeWire(request);
  server.serveWire(wire);
  return wire;
}
