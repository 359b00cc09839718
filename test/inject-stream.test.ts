// s.inject() resolves at commit: an endless SSE route is tested in-process, read as it is sent,
// and left like a client leaves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server, createHub } from '../src/index.js';
import { memoryLogger, waitFor } from './helpers/server.js';

describe('inject() streams', () => {
  it('reads an endless SSE route event by event, then leaves: the handler sees its signal abort', async () => {
    const s = new Server({ logger: memoryLogger() });
    let aborted = false;
    s.get('/ticks', async (r) => {
      const es = r.response.sse({ heartbeat: 0 });
      r.signal.addEventListener('abort', () => (aborted = true));
      for (let i = 0; !es.closed; i++) {
        await es.send({ id: String(i), data: i });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    const res = await s.inject({ path: '/ticks' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    let text = '';
    for await (const chunk of res.body) {
      text += Buffer.from(chunk).toString();
      if ((text.match(/\n\n/g) ?? []).length >= 3) break;
    }
    assert.match(text, /^id: 0\ndata: 0\n\nid: 1\ndata: 1\n\nid: 2\ndata: 2\n\n/);
    res.close();
    await waitFor(() => aborted, 2000, 'the handler to see the client leave');
    await waitFor(() => s.stats().inflight === 0, 2000, 'no request in flight');
  });

  it('resumes a hub subscription from Last-Event-ID, in-process', async () => {
    const hub = createHub();
    const s = new Server({ logger: memoryLogger() });
    s.get('/room', (r) => r.response.sse({ heartbeat: 0 }).subscribe(hub, 'room'));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await hub.publish('room', { data: `m${i}` }));
    const res = await s.inject({ path: '/room', headers: { 'last-event-id': ids[0]! } });
    let text = '';
    for await (const chunk of res.body) {
      text += Buffer.from(chunk).toString();
      if (text.includes('m2')) break;
    }
    res.close();
    assert.equal(text, `id: ${ids[1]}\ndata: m1\n\nid: ${ids[2]}\ndata: m2\n\n`);
    await waitFor(() => s.stats().inflight === 0, 2000, 'no request in flight');
    await hub.close();
  });

  it('text() and json() still read a whole buffered answer', async () => {
    const s = new Server({ logger: memoryLogger() });
    s.post('/echo', async (r) => ({ got: await r.json() }));
    const res = await s.inject({ method: 'POST', path: '/echo', body: { a: 1 } });
    assert.deepEqual(await res.json(), { got: { a: 1 } });
  });
});
