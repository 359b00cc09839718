// SSE clients that connect and leave while the Redis hub cannot reach Redis: each departure
// must end its request and remove its subscriber at once (no request held until Redis returns).
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { createRedisHub } from '../src/hub/redis/index.js';
import { startPrivateRedis } from './helpers/redis-server.js';
import { startServer, waitFor } from './helpers/server.js';

const CLIENTS = 200;

/** The hub's own bookkeeping, read to prove it holds nothing for departed clients. */
interface HubInternals {
  topics: Map<string, { subs: Set<unknown> }>;
  fetches: Set<unknown>;
}

describe('es.subscribe on the Redis hub while Redis is down', () => {
  it(`${CLIENTS} SSE clients connect and leave: every request ends and the hub holds no subscriber`, async (t) => {
    const redis = await startPrivateRedis({ persistent: false });
    t.after(() => redis.stop());
    const hub = createRedisHub({ url: redis.url, prefix: 'leave:' });
    t.after(() => hub.close());
    await hub.publish('t', { data: 'connected' });
    await redis.stop(); // down from here on

    const { s } = await startServer((srv) =>
      srv.get('/events/{topic}', async (r) => {
        await r.response.sse({ heartbeat: 0 }).subscribe(hub, String(r.get('topic')));
      }),
    );
    const sockets: net.Socket[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const sock = net.connect(s.port, '127.0.0.1');
      sock.on('error', () => {});
      // Half resume with a Last-Event-ID, half start live: both paths wait for Redis.
      const resume = i % 2 ? 'Last-Event-ID: zzzzzzzzzz-1-0\r\n' : '';
      sock.write(`GET /events/t${i % 10} HTTP/1.1\r\nHost: x\r\n${resume}\r\n`);
      sockets.push(sock);
    }
    await waitFor(() => s.stats().inflight === CLIENTS, 5000, 'every client in flight');
    const internals = hub as unknown as HubInternals;
    let subs = 0;
    for (const topic of internals.topics.values()) subs += topic.subs.size;
    assert.equal(subs, CLIENTS, 'each client subscribed');

    for (const sock of sockets) sock.destroy();
    await waitFor(() => s.stats().inflight === 0, 1000, 'every request ended');
    assert.equal(internals.topics.size, 0, 'no topic held for departed clients');
    assert.equal(internals.fetches.size, 0, 'no state fetch still waiting for Redis');
  });
});
