// WebSockets on the same routes: r.webSocket() after middleware, the hub to sockets with replay
// and encode-once, the limits (message size, a socket that does not read), shutdown's 1001.
// Real clients: the ws package, raw sockets, Chromium's WebSocket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { HttpError, Server, createHub, subscribeWebSocket, type Hub } from '../src/index.js';
import { WEBSOCKET_CODEC } from '../src/websocket/index.js';
import { launchChromium } from './helpers/chromium.js';
import { memoryLogger, waitFor } from './helpers/server.js';

async function chatServer(hub: Hub, options: Record<string, unknown> = {}) {
  const s = new Server({ logger: memoryLogger(), ...options });
  s.setAddress('127.0.0.1:0');
  s.use(async (r) => {
    // Auth runs before any upgrade: a refused socket never opens.
    if (r.getQuery('token') === 'bad') throw new HttpError(401, 'bad token');
    await r.middleware.next();
  });
  s.get('/chat', async (r) => {
    const ws = await r.webSocket();
    ws.on('message', (m) => void hub.publish('room', { data: String(m), event: 'chat' }));
    await subscribeWebSocket(ws, hub, 'room', { from: r.getQuery<string>('from') });
  });
  s.get('/page', (r) => {
    r.response.header().set('Content-Type', 'text/html');
    return '<!doctype html><title>ws</title>';
  });
  await s.start();
  after(() => s.shutdown({ timeout: 500 }));
  return { s, url: `ws://127.0.0.1:${s.port}` };
}

function open(
  url: string,
): Promise<{ ws: WebSocket; messages: Array<{ id: string; event?: string; data: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: Array<{ id: string; event?: string; data: string }> = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m)) as { id: string; data: string }));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('error', reject);
    after(() => ws.terminate());
  });
}

describe('r.webSocket() and the hub', () => {
  it('a chat over the hub: a message sent on one socket reaches every socket, once, as {id, event, data}', async () => {
    const hub = createHub();
    after(() => hub.close());
    const { url, s } = await chatServer(hub);
    const a = await open(`${url}/chat`);
    const b = await open(`${url}/chat`);
    await waitFor(() => s.stats().inflight >= 2, 2000, 'both subscribed');
    a.ws.send('hello from a');
    b.ws.send('hello from b');
    await waitFor(() => a.messages.length === 2 && b.messages.length === 2, 2000, 'both messages');
    assert.deepEqual(a.messages, b.messages);
    assert.deepEqual(a.messages.map((m) => [m.event, m.data]).sort(), [
      ['chat', 'hello from a'],
      ['chat', 'hello from b'],
    ]);
  });

  it('resumes after a reconnect with the last id: the missed events, then live, no gap, no duplicate', async () => {
    const hub = createHub();
    after(() => hub.close());
    const { url } = await chatServer(hub);
    const first = await open(`${url}/chat`);
    const id1 = await hub.publish('room', { data: 'one' });
    await waitFor(() => first.messages.length === 1, 2000, 'one');
    first.ws.close();
    const missed = [
      await hub.publish('room', { data: 'two' }),
      await hub.publish('room', { data: 'three' }),
    ];
    const again = await open(`${url}/chat?from=${encodeURIComponent(id1)}`);
    await waitFor(() => again.messages.length === 2, 2000, 'the missed events');
    const live = await hub.publish('room', { data: 'four' });
    await waitFor(() => again.messages.length === 3, 2000, 'live');
    assert.deepEqual(
      again.messages.map((m) => m.id),
      [...missed, live],
    );
    const stale = await open(`${url}/chat?from=zzzz-1`);
    await waitFor(() => stale.messages.length >= 1, 2000, 'a reset');
    assert.equal(stale.messages[0]!.event, 'sluice-reset');
  });

  it('the same bytes go to every local socket: one encoding per publish', async () => {
    const hub = createHub();
    after(() => hub.close());
    const frames: Uint8Array[] = [];
    const detaches = [0, 1, 2].map(() =>
      hub.attach('t', { codec: WEBSOCKET_CODEC, write: (b) => frames.push(b), end: () => {} }),
    );
    await hub.publish('t', { data: { x: 1 }, event: 'e' });
    assert.equal(frames.length, 3);
    assert.ok(frames[0] === frames[1] && frames[1] === frames[2], 'one Uint8Array for all');
    assert.equal(
      Buffer.from(frames[0]!).toString(),
      JSON.stringify({
        id: JSON.parse(Buffer.from(frames[0]!).toString()).id,
        event: 'e',
        data: '{"x":1}',
      }),
    );
    for (const d of detaches) d();
  });

  it('middleware refuses before any upgrade (401, no socket); a plain GET gets 426; a bad handshake 400', async () => {
    const hub = createHub();
    after(() => hub.close());
    const { url } = await chatServer(hub);
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${url}/chat?token=bad`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('the socket opened')));
      ws.on('error', () => {});
    });
    assert.equal(refused, 401);
    const plain = await fetch(`${url.replace('ws:', 'http:')}/chat`);
    assert.equal(plain.status, 426);
    const bad = String(await rawHandshake(url, { 'Sec-WebSocket-Key': 'short' }));
    assert.match(bad, /^HTTP\/1\.1 400 /);
    assert.match(bad, /Sec-WebSocket-Key/);
  });

  it('a message over webSocketMaxMessage closes the socket with 1009', async () => {
    const hub = createHub();
    after(() => hub.close());
    const { url } = await chatServer(hub, { webSocketMaxMessage: 1024 });
    const c = await open(`${url}/chat`);
    const code = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.send('x'.repeat(4096));
    assert.equal(await code, 1009);
  });

  it('a socket that never reads is cut at its limit while the others keep receiving', async () => {
    const hub = createHub({ history: { maxEvents: 0 } });
    after(() => hub.close());
    const { url, s } = await chatServer(hub, { webSocketMaxBuffered: 256 * 1024 });
    const stuck = await rawHandshake(url, {}, { keepOpen: true });
    assert.ok(typeof stuck !== 'string');
    stuck.socket.pause(); // never reads again
    const reader = await open(`${url}/chat`);
    await waitFor(() => s.stats().inflight >= 2, 2000, 'both subscribed');
    const big = 'y'.repeat(64 * 1024);
    // The stuck client's handler ends when its socket is cut (its subscription resolves).
    const cut = (): boolean => s.stats().inflight === 1;
    for (let published = 0; published < 400 && !cut(); published++) {
      await hub.publish('room', { data: big });
      await new Promise((f) => setImmediate(f));
    }
    await waitFor(cut, 5000, 'the socket that does not read to be cut');
    await hub.publish('room', { data: 'after the cut' });
    // Big messages may still be on their way to the reader: wait for this one, in order, last.
    await waitFor(
      () => reader.messages.some((m) => m.data === 'after the cut'),
      5000,
      'the reader still receives',
    );
    assert.equal(reader.messages.at(-1)!.data, 'after the cut');
    assert.ok(
      reader.messages.slice(0, -1).every((m) => m.data === big),
      'nothing else in between',
    );
  });

  it('shutdown closes every socket with 1001 (going away)', async () => {
    const hub = createHub();
    const s = new Server({ logger: memoryLogger() });
    s.setAddress('127.0.0.1:0');
    s.get('/chat', async (r) => {
      const ws = await r.webSocket();
      await subscribeWebSocket(ws, hub, 'room');
    });
    await s.start();
    const clients = await Promise.all([1, 2, 3].map(() => open(`ws://127.0.0.1:${s.port}/chat`)));
    const codes = clients.map(
      (c) => new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code))),
    );
    await s.shutdown({ timeout: 1000 });
    assert.deepEqual(await Promise.all(codes), [1001, 1001, 1001]);
    await hub.close();
  });
});

describe("Chromium's WebSocket", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  it('chats over the hub and resumes after a reconnect with the last id', async () => {
    const hub = createHub();
    after(() => hub.close());
    const { url } = await chatServer(hub);
    const page = await browser.newPage();
    await page.goto(`${url.replace('ws:', 'http:')}/page`);
    // A string, not a function: the test runner's transpiler would add helpers the page lacks.
    const result = (await page.evaluate(`(async (base) => {
      function connect(query) {
        return new Promise((resolve) => {
          const ws = new WebSocket(base + '/chat' + query);
          const got = [];
          ws.onmessage = (e) => got.push(JSON.parse(e.data));
          ws.onopen = () => resolve({ ws, got });
        });
      }
      async function until(f) {
        for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
      }
      const a = await connect('');
      a.ws.send('first');
      await until(() => a.got.length === 1);
      const last = a.got[0].id;
      a.ws.close();
      const b = await connect('');
      b.ws.send('while a was away');
      await until(() => b.got.length === 1);
      const again = await connect('?from=' + encodeURIComponent(last));
      await until(() => again.got.length === 1);
      return { missed: again.got.map((m) => m.data), first: a.got[0].data };
    })(${JSON.stringify(url)})`)) as { missed: string[]; first: string };
    assert.deepEqual(result, { first: 'first', missed: ['while a was away'] });
    await page.close();
  });
});

/**
 * A WebSocket opening handshake over a raw socket: the answer's head as text, or, with
 * `keepOpen`, the open socket (a client that can then stop reading).
 */
function rawHandshake(
  url: string,
  override: Record<string, string>,
  options: { keepOpen?: boolean } = {},
): Promise<string | { socket: net.Socket }> {
  const { port } = new URL(url);
  const key = randomBytes(16).toString('base64');
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
    ...override,
  };
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    after(() => socket.destroy());
    let text = '';
    socket.on('error', reject);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      if (options.keepOpen && text.startsWith('HTTP/1.1 101')) {
        const accept = createHash('sha1')
          .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
          .digest('base64');
        assert.match(
          text,
          new RegExp(`Sec-WebSocket-Accept: ${accept.replace(/[+/]/g, '\\$&')}`, 'i'),
        );
        socket.removeAllListeners('data');
        resolve({ socket });
      }
    });
    socket.on('close', () => resolve(text));
    socket.write(
      `GET /chat HTTP/1.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n')}\r\n\r\n`,
    );
  });
}
