// The seed's two programs, run as they are (examples/seed-*.ts) with fewer events and a shorter
// interval: the exact bytes of the Go version arrive one by one, not in one burst at the end.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { spawnExample } from './helpers/spawn-example.js';

const COUNT = 6;
const INTERVAL = 120;
const EXPECTED_BODY = Array.from({ length: COUNT }, (_, i) => `data: ${i}\n`).join('');

async function startExample(file: string): Promise<{ port: number; child: ChildProcess }> {
  return spawnExample(file, {
    SEED_COUNT: String(COUNT),
    SEED_INTERVAL_MS: String(INTERVAL),
    NODE_ENV: 'production',
  });
}

/** Reads a chunked response over a raw socket, timing each data chunk. */
function readTimed(
  port: number,
): Promise<{ head: string; chunks: Array<{ at: number; text: string }> }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    let head = '';
    const chunks: Array<{ at: number; text: string }> = [];
    sock.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      if (!head) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = buf.slice(0, end);
        buf = buf.slice(end + 4);
      }
      // Parse complete chunks: <hex>\r\n<data>\r\n
      for (;;) {
        const nl = buf.indexOf('\r\n');
        if (nl === -1) break;
        const size = parseInt(buf.slice(0, nl), 16);
        if (buf.length < nl + 2 + size + 2) break;
        const text = buf.slice(nl + 2, nl + 2 + size);
        buf = buf.slice(nl + 2 + size + 2);
        if (size === 0) {
          sock.end();
          return resolve({ head, chunks });
        }
        chunks.push({ at: Date.now(), text });
      }
    });
    sock.on('error', reject);
    sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

for (const file of ['examples/seed-writefln.ts', 'examples/seed-raw-writer.ts']) {
  describe(`seed parity: ${file}`, () => {
    it("sends the Go version's exact bytes, one event per flush, spread over time", async (t) => {
      const { port, child } = await startExample(file);
      t.after(() => void child.kill('SIGTERM'));
      const { head, chunks } = await readTimed(port);
      assert.match(head, /^HTTP\/1\.1 200 OK/);
      assert.match(head, /\r\nContent-Type: text\/event-stream\r\n/);
      assert.match(head, /\r\nCache-Control: no-cache\r\n/);
      assert.match(head, /\r\nTransfer-Encoding: chunked/);
      assert.equal(chunks.map((c) => c.text).join(''), EXPECTED_BODY);
      assert.deepEqual(
        chunks.map((c) => c.text),
        Array.from({ length: COUNT }, (_, i) => `data: ${i}\n`),
      );
      // Events arrive one by one: the whole stream spans about (COUNT - 1) intervals.
      const span = chunks.at(-1)!.at - chunks[0]!.at;
      assert.ok(span >= (COUNT - 1) * INTERVAL * 0.8, `span ${span} ms: events arrived in a burst`);
      for (let i = 1; i < chunks.length; i++) {
        assert.ok(
          chunks[i]!.at - chunks[i - 1]!.at >= INTERVAL * 0.5,
          `gap before event ${i} too short`,
        );
      }
    });
  });
}

describe('seed parity: curl -N transcript', () => {
  it('curl -N receives the byte-exact body of the Go version', async (t) => {
    const { port, child } = await startExample('examples/seed-writefln.ts');
    t.after(() => void child.kill('SIGTERM'));
    const { stdout } = await promisify(execFile)('curl', ['-sN', `http://127.0.0.1:${port}/`]);
    assert.equal(stdout, EXPECTED_BODY);
  });
});
