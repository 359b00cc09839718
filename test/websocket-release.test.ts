// Once a WebSocket took the connection, the upgrade's Node request and head buffer are released:
// a handler that keeps `r` for the socket's whole life (awaiting its end) does not keep them
// alive. What the request said stays readable on `r`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import { startServer, waitFor } from './helpers/server.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function collected(ref: WeakRef<object>, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    gc();
    if (ref.deref() === undefined) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('WebSocket upgrade: what the exchange keeps', () => {
  it('releases the Node request once the socket is taken; headers, method and path stay readable', async () => {
    const refs: Array<WeakRef<IncomingMessage>> = [];
    const seen: string[] = [];
    const { url } = await startServer((s) =>
      s.get('/ws/:room', async (r) => {
        refs.push(new WeakRef((r.native as { req: IncomingMessage }).req));
        const ws = await r.webSocket();
        seen.push(
          `${r.method} ${r.path} ${r.params.room} ${r.header('x-client')} native.req=${
            (r.native as { req?: unknown }).req === undefined ? 'released' : 'kept'
          }`,
        );
        ws.send('hello');
        // The handler keeps `r` for as long as the socket lives.
        await new Promise<void>((resolve) => ws.once('close', () => resolve()));
        seen.push(`closed ${r.header('x-client')}`);
      }),
    );
    const client = new WebSocket(`${url.replace('http', 'ws')}/ws/blue`, {
      headers: { 'x-client': 'c1' },
    });
    const first = await new Promise<string>((resolve, reject) => {
      client.once('message', (m) => resolve(String(m)));
      client.once('error', reject);
    });
    assert.equal(first, 'hello');
    assert.deepEqual(seen, ['GET /ws/blue blue c1 native.req=released']);
    assert.equal(refs.length, 1);
    assert.ok(await collected(refs[0]!), 'the IncomingMessage was garbage-collected');
    // The socket still works after the release, and so does `r`.
    client.close();
    await waitFor(() => seen.length === 2, 2000, 'the handler to see the close');
    assert.equal(seen[1], 'closed c1');
  });

  it('a second r.webSocket() on the same request rejects with SLUICE_WEBSOCKET_HANDSHAKE', async () => {
    let second: unknown;
    const { url } = await startServer((s) =>
      s.get('/twice', async (r) => {
        const ws = await r.webSocket();
        second = await r.webSocket().then(
          () => 'resolved',
          (err: { code?: string }) => err.code,
        );
        ws.close();
      }),
    );
    const client = new WebSocket(`${url.replace('http', 'ws')}/twice`);
    await new Promise<void>((resolve) => client.once('close', () => resolve()));
    assert.equal(second, 'SLUICE_WEBSOCKET_HANDSHAKE');
  });
});
