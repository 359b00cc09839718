// Per-client limits: concurrent streams per client (429 + Retry-After past it, IP by default
// or a key function) and the rateLimit() token bucket (memory and Redis stores), tested with
// many sockets from one address (127.0.0.1) and another client on 127.0.0.2; sluice/client
// honours the Retry-After.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { createClient } from 'redis';
import {
  MemoryRateLimitStore,
  RedisRateLimitStore,
  SluiceError,
  Server,
  rateLimit,
  type Request,
} from '../src/index.js';
import { stream } from '../src/client/index.js';
import { memoryLogger, startServer, waitFor } from './helpers/server.js';
import { startRedis } from './stress/lib/redis-proc.js';

/** Opens an SSE request on a raw socket from `localAddress`; resolves the status line and headers. */
function openStream(
  port: number,
  path: string,
  localAddress = '127.0.0.1',
  headers = '',
): Promise<{ sock: net.Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    let buf = '';
    sock.setEncoding('latin1');
    sock.on('data', (c: string) => {
      buf += c;
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        sock.removeAllListeners('data');
        sock.resume();
        resolve({ sock, head: buf.slice(0, end) });
      }
    });
    sock.on('error', reject);
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n${headers}\r\n`);
  });
}

const statusOf = (head: string): number => Number(head.split(' ')[1]);
const headerOf = (head: string, name: string): string | undefined =>
  new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1];

const sseRoute = (s: Server): void => {
  s.get('/events', async (r) => {
    const es = r.response.sse({ heartbeat: 0 });
    await es.send('hello');
    await new Promise((resolve) => es.signal.addEventListener('abort', resolve));
  });
  s.get('/plain', () => 'plain');
};

void describe('streamsPerClient', () => {
  void it('the 4th stream from one address gets 429 with Retry-After; another address and plain requests still pass; a freed slot is reusable', async () => {
    const { s } = await startServer(sseRoute, { streamsPerClient: { max: 3, retryAfter: 7 } });
    const open: net.Socket[] = [];
    after(() => open.forEach((sock) => sock.destroy()));
    for (let i = 0; i < 3; i++) {
      const { sock, head } = await openStream(s.port, '/events');
      open.push(sock);
      assert.equal(statusOf(head), 200);
    }
    const refused = await openStream(s.port, '/events');
    open.push(refused.sock);
    assert.equal(statusOf(refused.head), 429);
    assert.equal(headerOf(refused.head, 'retry-after'), '7');
    // Another client (127.0.0.2) has its own count.
    const other = await openStream(s.port, '/events', '127.0.0.2');
    open.push(other.sock);
    assert.equal(statusOf(other.head), 200);
    // Buffered responses are not streams.
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/plain`)).status, 200);
    // One leaves: its slot is free again.
    open[0]!.destroy();
    await waitFor(() => s.stats().streams === 3, 2000, 'the stream to close');
    const again = await openStream(s.port, '/events');
    open.push(again.sock);
    assert.equal(statusOf(again.head), 200);
  });

  void it('the 429 body names the code', async () => {
    const { url } = await startServer(sseRoute, { streamsPerClient: { max: 1 } });
    const first = await openStream(Number(new URL(url).port), '/events');
    after(() => first.sock.destroy());
    const res = await fetch(`${url}/events`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '5');
    assert.equal(((await res.json()) as { code: string }).code, 'SLUICE_TOO_MANY_STREAMS');
  });

  void it('a key function limits by user, whatever the address; undefined exempts', async () => {
    const { s } = await startServer(sseRoute, {
      streamsPerClient: { max: 2, key: (r) => r.header('x-user') },
    });
    const socks: net.Socket[] = [];
    after(() => socks.forEach((sock) => sock.destroy()));
    const as = async (user: string | undefined, from = '127.0.0.1'): Promise<number> => {
      const { sock, head } = await openStream(
        s.port,
        '/events',
        from,
        user ? `X-User: ${user}\r\n` : '',
      );
      socks.push(sock);
      return statusOf(head);
    };
    assert.equal(await as('ann'), 200);
    assert.equal(await as('ann', '127.0.0.2'), 200);
    assert.equal(await as('ann', '127.0.0.3'), 429, 'ann is one client on any address');
    assert.equal(await as('bob'), 200);
    for (let i = 0; i < 4; i++) assert.equal(await as(undefined), 200, 'no key: no limit');
  });

  void it('many sockets from one address: exactly max get through at once, the map empties after', async () => {
    const { s } = await startServer(sseRoute, { streamsPerClient: { max: 10 } });
    const results = await Promise.all(
      Array.from({ length: 60 }, () => openStream(s.port, '/events')),
    );
    const ok = results.filter((x) => statusOf(x.head) === 200).length;
    assert.equal(ok, 10);
    assert.equal(results.filter((x) => statusOf(x.head) === 429).length, 50);
    results.forEach((x) => x.sock.destroy());
    await waitFor(() => s.stats().streams === 0 && s.stats().inflight === 0, 3000, 'all closed');
  });

  void it('refuses a bad setting with SLUICE_CONFIG', () => {
    for (const bad of [
      { max: 0 },
      { max: 1.5 },
      { max: 2, retryAfter: -1 },
      { max: 1, key: 'ip' },
    ]) {
      assert.throws(
        () => new Server().setConfig({ streamsPerClient: bad as never }),
        (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_CONFIG',
      );
    }
  });
});

void describe('rateLimit()', () => {
  void it('a burst passes, then 429 with Retry-After and RateLimit headers; 127.0.0.2 has its own bucket', async () => {
    const { url } = await startServer((s) => {
      s.use(rateLimit({ rate: 1, burst: 5 }));
      s.get('/', () => 'ok');
    });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 8; i++) {
      last = await fetch(url);
      statuses.push(last.status);
      await last.text();
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    assert.equal(last!.headers.get('retry-after'), '1');
    assert.equal(last!.headers.get('ratelimit-policy'), '"default";q=5;w=5');
    assert.match(last!.headers.get('ratelimit') ?? '', /^"default";r=0;t=\d+$/);
    const other = new Agent({ localAddress: '127.0.0.2' });
    after(() => other.close());
    const res = await undiciFetch(url, { dispatcher: other });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ratelimit'), '"default";r=4;t=1');
  });

  void it('refills at the rate', async () => {
    const { url } = await startServer((s) => {
      s.use(rateLimit({ rate: 20, burst: 2 }));
      s.get('/', () => 'ok');
    });
    for (let i = 0; i < 2; i++) assert.equal((await fetch(url)).status, 200);
    assert.equal((await fetch(url)).status, 429);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal((await fetch(url)).status, 200);
  });

  void it('the memory store stays within maxKeys, evicting the least recently used', () => {
    let now = 0;
    const store = new MemoryRateLimitStore({ maxKeys: 3, now: () => now });
    for (const k of ['a', 'b', 'c']) assert.equal(store.take(k, 1, 1, 1).allowed, true);
    assert.equal(store.take('a', 1, 1, 1).allowed, false, 'a is empty and now most recent');
    store.take('d', 1, 1, 1); // evicts b, the least recently used
    assert.equal(store.size, 3);
    assert.equal(store.take('a', 1, 1, 1).allowed, false, 'a was kept');
    assert.equal(store.take('b', 1, 1, 1).allowed, true, 'b starts over');
    now += 1000;
    assert.equal(store.take('a', 1, 1, 1).allowed, true, 'refilled after a second');
  });

  void it('sluice/client waits the Retry-After of a 429 and then gets the stream', async () => {
    const { url } = await startServer((s) => {
      s.use(rateLimit({ rate: 1, burst: 1 }));
      s.get('/events', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('in');
        await es.close();
      });
    });
    await (await fetch(`${url}/events`)).text(); // spends the one token
    const started = Date.now();
    const ac = new AbortController();
    for await (const ev of stream(`${url}/events`, { signal: ac.signal, retry: 10 })) {
      assert.equal(ev.data, 'in');
      break;
    }
    const waited = Date.now() - started;
    assert.ok(waited >= 900, `waited ${waited} ms for Retry-After: 1`);
    assert.ok(waited < 5000, `waited ${waited} ms`);
  });

  void it('Redis store: shared by two servers, atomic under a concurrent burst', async () => {
    const client = createClient({ url: 'redis://127.0.0.1:6379' });
    await client.connect();
    after(() => client.destroy());
    const prefix = `rl-test-${process.pid}-${Date.now()}:`;
    const store = new RedisRateLimitStore(client, { prefix });
    const make = (s: Server): void => {
      s.use(rateLimit({ rate: 0.1, burst: 10, store, key: (r: Request) => r.header('x-key') }));
      s.get('/', () => 'ok');
    };
    const a = await startServer(make);
    const b = await startServer(make);
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(i % 2 ? a.url : b.url, { headers: { 'x-key': 'k1' } }).then((res) => res.status),
      ),
    );
    assert.equal(statuses.filter((st) => st === 200).length, 10, statuses.join(','));
    assert.equal(statuses.filter((st) => st === 429).length, 30);
    const ttl = await client.pTTL(`${prefix}k1`);
    assert.ok(ttl > 0 && ttl <= 101_000, `the bucket expires (${ttl} ms)`);
  });

  void it('Redis store down: requests pass and a warning is logged', async () => {
    const client = createClient({ url: 'redis://127.0.0.1:6379' });
    await client.connect();
    client.destroy();
    const log = memoryLogger();
    const { url } = await startServer(
      (s) => {
        s.use(rateLimit({ rate: 1, burst: 1, store: new RedisRateLimitStore(client) }));
        s.get('/', () => 'ok');
      },
      { logger: log },
    );
    assert.equal((await fetch(url)).status, 200);
    assert.equal((await fetch(url)).status, 200);
    assert.ok(
      log.records.some((rec) => rec.level === 'warn' && /store failed/.test(rec.msg ?? '')),
    );
  });

  void it('Redis frozen (SIGSTOP): a request waits at most storeTimeout, then passes with a warning', async () => {
    const redis = await startRedis('none');
    const client = createClient({ url: redis.url });
    client.on('error', () => {}); // the reconnects while it is stopped at the end
    await client.connect();
    after(async () => {
      client.destroy();
      await redis.stop();
    });
    const log = memoryLogger();
    const { url } = await startServer(
      (s) => {
        s.use(
          rateLimit({
            rate: 1,
            burst: 1,
            storeTimeout: 300,
            store: new RedisRateLimitStore(client),
          }),
        );
        s.get('/', () => 'ok');
      },
      { logger: log },
    );
    assert.equal((await fetch(url)).status, 200);
    const frozen = redis.freeze(1500);
    const started = Date.now();
    assert.equal((await fetch(url)).status, 200);
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 1200, `waited ${waited} ms`);
    assert.ok(
      log.records.some((rec) => rec.level === 'warn' && /store failed/.test(rec.msg ?? '')),
    );
    await frozen;
  });

  void it('a key function fed a huge header costs a bounded bucket key', async () => {
    const seen: string[] = [];
    const store = {
      inner: new MemoryRateLimitStore(),
      take(key: string, cost: number, rate: number, burst: number) {
        seen.push(key);
        return this.inner.take(key, cost, rate, burst);
      },
    };
    const { url } = await startServer((s) => {
      s.use(rateLimit({ rate: 1, burst: 1, store, key: (r) => r.header('x-key') }));
      s.get('/', () => 'ok');
    });
    const huge = 'k'.repeat(8000);
    assert.equal((await fetch(url, { headers: { 'x-key': huge } })).status, 200);
    assert.equal((await fetch(url, { headers: { 'x-key': huge } })).status, 429, 'the same bucket');
    assert.equal((await fetch(url, { headers: { 'x-key': huge + 'x' } })).status, 200, 'another');
    assert.ok(
      seen.every((k) => k.length <= 128),
      'keys stay short',
    );
  });

  void it('refuses bad options', () => {
    assert.throws(() => rateLimit({ rate: 0 }), RangeError);
    assert.throws(() => rateLimit({ rate: 1, burst: 0.5 }), RangeError);
    assert.throws(() => rateLimit({ rate: 1, name: 'a b' }), RangeError);
  });
});
