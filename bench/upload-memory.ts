// The memory an upload costs: a server in a child process receives SIZE bytes (default 1 GiB)
// in one multipart file, streamed by this process, and saves it; the child samples its own RSS
// every 10 ms and reports the peak above its baseline (after a warm-up upload).
// Run: node --import tsx bench/upload-memory.ts   (SIZE in MiB: SIZE=1024)
import { fork } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;

if (process.env.UPLOAD_CHILD) {
  const { Server } = await import('../src/index.js');
  const dir = process.env.UPLOAD_DIR!;
  const size = Number(process.env.SIZE_BYTES);
  const s = new Server({ upload: { maxFileSize: size, maxTotalSize: size + 4096, tempDir: dir } });
  s.setAddress('127.0.0.1:0');
  let base = 0;
  let peak = 0;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10).unref();
  s.post('/up', async (r) => {
    await r.parse();
    const f = r.getUploadFile('file');
    const name = f ? await f.save(join(dir, 'saved'), true) : 'none';
    rmSync(join(dir, 'saved', name), { force: true });
    return { size: f?.size ?? 0, peakMiB: (peak - base) / MiB, rssMiB: process.memoryUsage().rss / MiB };
  });
  s.post('/reset', () => {
    base = process.memoryUsage().rss;
    peak = base;
    return { baseMiB: base / MiB };
  });
  await s.start();
  process.send!(s.port);
} else {
  const size = Number(process.env.SIZE ?? 1024) * MiB;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-upload-memory-'));
  const child = fork(new URL(import.meta.url).pathname, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, UPLOAD_CHILD: '1', UPLOAD_DIR: dir, SIZE_BYTES: String(size) },
  });
  const port = await new Promise<number>((resolve) => child.once('message', (p) => resolve(p as number)));
  const post = (path: string, bytes: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const head = Buffer.from(
        '--B\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n',
      );
      const tail = Buffer.from('\r\n--B--\r\n');
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path,
          headers: {
            'content-type': 'multipart/form-data; boundary=B',
            'content-length': String(bytes ? head.length + bytes + tail.length : 0),
          },
        },
        (res) => {
          let out = '';
          res.on('data', (c: Buffer) => (out += c.toString()));
          res.on('end', () => resolve(out));
        },
      );
      req.on('error', reject);
      if (!bytes) return void req.end();
      req.write(head);
      const chunk = Buffer.alloc(MiB, 0x5a);
      let sent = 0;
      const pump = (): void => {
        while (sent < bytes) {
          const n = Math.min(chunk.length, bytes - sent);
          sent += n;
          if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
        }
        req.end(tail);
      };
      pump();
    });
  await post('/up', 8 * MiB); // warm-up: JIT, buffers, the parser's first allocations
  console.log('baseline', await post('/reset', 0));
  const started = Date.now();
  const result = await post('/up', size);
  const seconds = (Date.now() - started) / 1000;
  console.log('upload', result, `${(size / MiB / seconds).toFixed(0)} MiB/s`);
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
