// A server stopped with shutdown() and started again behaves like a new one: its keep-alive
// responses do not announce a close, and the next shutdown() really stops listening.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { Server } from '../src/index.js';
import { memoryLogger, socketOf } from './helpers/server.js';
import { connectRaw, exchange, headerOf } from './helpers/raw-http.js';

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';

/** A server that was started, answered a request, shut down, and was started again. */
async function restarted(): Promise<Server> {
  const s = new Server({ logger: memoryLogger() });
  s.setAddress('127.0.0.1:0');
  // The listening server, reached through a request's socket: only to clean up should
  // shutdown() leave it listening (the test has failed then).
  let listening: http.Server | undefined;
  s.get('/', (r) => {
    listening = (socketOf(r) as unknown as { server: http.Server }).server;
    return 'ok';
  });
  after(async () => {
    await s.shutdown({ timeout: 200 });
    if (listening?.listening) {
      listening.closeAllConnections();
      listening.close();
    }
  });
  await s.start();
  assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'ok');
  await s.shutdown({ timeout: 200 });
  await s.start();
  return s;
}

describe('a server restarted after shutdown()', () => {
  it('serves keep-alive responses without Connection: close', async () => {
    const s = await restarted();
    const x = await exchange(s.port, Buffer.from(GET + GET, 'latin1'), { responses: 2, grace: 50 });
    assert.equal(x.responses.length, 2);
    for (const res of x.responses) {
      assert.equal(res.status, 200);
      assert.equal(res.body.toString('latin1'), 'ok');
      assert.notEqual(
        headerOf(res, 'connection')?.toLowerCase(),
        'close',
        'a restarted server still says it is shutting down',
      );
    }
    assert.equal(x.closed, false, 'the keep-alive connection was closed');
  });

  it('is really stopped by a second shutdown(): a new connection is refused', async () => {
    const s = await restarted();
    const x = await exchange(s.port, Buffer.from(GET, 'latin1'), { responses: 1 });
    assert.equal(x.responses[0]?.status, 200);
    const port = s.port;
    await s.shutdown({ timeout: 200 });
    await assert.rejects(
      connectRaw(port).then((sock) => sock.destroy()),
      (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
      'the port still accepts connections after the second shutdown()',
    );
  });
});
