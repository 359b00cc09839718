// compress(): buffered bodies above the threshold, streams left alone by default, and with
// streams: true every event flushed through the compressor so it arrives at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { middleware } from '../src/index.js';
import { startServer } from './helpers/server.js';

function get(url: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(url, { headers }, resolve).on('error', reject));
}

async function body(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('compress()', () => {
  it('compresses a buffered body above the threshold with brotli or gzip, and leaves small ones alone', async () => {
    const big = 'hello world '.repeat(500);
    const { url } = await startServer((s) => {
      s.use(middleware.compress({ threshold: 1024 }));
      s.get('/big', () => big);
      s.get('/small', () => 'tiny');
      s.get('/nt', (r) => {
        r.response.header().set('Cache-Control', 'no-transform');
        return big;
      });
    });
    const br = await get(`${url}/big`, { 'accept-encoding': 'gzip, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    const brBytes = await body(br);
    assert.equal(Number(br.headers['content-length']), brBytes.length);
    assert.equal(zlib.brotliDecompressSync(brBytes).toString(), big);
    const gz = await get(`${url}/big`, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(zlib.gunzipSync(await body(gz)).toString(), big);
    const small = await get(`${url}/small`, { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal((await body(small)).toString(), 'tiny');
    const none = await get(`${url}/big`, {});
    assert.equal(none.headers['content-encoding'], undefined);
    assert.equal((await body(none)).toString(), big);
    const nt = await get(`${url}/nt`, { 'accept-encoding': 'gzip' });
    assert.equal(nt.headers['content-encoding'], undefined);
    await body(nt);
  });

  it('leaves streams alone by default', async () => {
    const { url } = await startServer((s) => {
      s.use(middleware.compress());
      s.get('/e', async (r) => {
        const es = r.response.sse({ heartbeat: 0 });
        await es.send('x'.repeat(4000));
      });
    });
    const res = await get(`${url}/e`, { 'accept-encoding': 'gzip, br' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal((await body(res)).toString(), `data: ${'x'.repeat(4000)}\n\n`);
  });

  for (const encoding of ['gzip', 'br'] as const) {
    it(`with streams: true, ${encoding} events arrive one by one, not at the end`, async () => {
      const { url } = await startServer((s) => {
        s.use(middleware.compress({ streams: true }));
        s.get('/e', async (r) => {
          const es = r.response.sse({ heartbeat: 0 });
          for (let i = 0; i < 5; i++) {
            await es.send({ id: String(i), data: `event number ${i}` });
            await new Promise((resolve) => setTimeout(resolve, 60));
          }
        });
      });
      const res = await get(`${url}/e`, { 'accept-encoding': encoding });
      assert.equal(res.headers['content-encoding'], encoding);
      const inflate = encoding === 'br' ? zlib.createBrotliDecompress() : zlib.createGunzip();
      res.pipe(inflate);
      const arrivals: Array<{ at: number; text: string }> = [];
      for await (const chunk of inflate)
        arrivals.push({ at: Date.now(), text: (chunk as Buffer).toString() });
      const text = arrivals.map((a) => a.text).join('');
      assert.equal(
        text,
        [0, 1, 2, 3, 4].map((i) => `id: ${i}\ndata: event number ${i}\n\n`).join(''),
      );
      assert.ok(arrivals.length >= 5, `events arrived in ${arrivals.length} pieces`);
      assert.ok(
        arrivals.at(-1)!.at - arrivals[0]!.at >= 200,
        'events were held back until the end',
      );
    });
  }
});
