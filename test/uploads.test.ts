// Multipart uploads with real clients (curl -F, undici's FormData, Chromium's form posts) and
// hostile ones (a truncated body, a 10,000-part flood, a slow upload under the body timeout):
// files are streamed to disk, every limit answers its coded error, filenames never leave the
// target, and no temporary file outlives its request.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { pbkdf2 } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { Browser } from 'playwright-core';
import {
  defineRoute,
  handle,
  handlerResponse,
  UploadFile,
  type Logger,
  type Server,
  type UploadConfig,
} from '../src/index.js';
import { writeTempFile } from '../src/exchange/uploads.js';
import { startServer, waitFor } from './helpers/server.js';
import { launchChromium } from './helpers/chromium.js';

const run = promisify(execFile);

/** JSON.stringify's replacer that keeps an Error's message and code. */
function errorFields(_key: string, value: unknown): unknown {
  return value instanceof Error
    ? { message: value.message, code: (value as { code?: unknown }).code }
    : value;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sluice-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A server whose temporary files go to a directory the test can watch. */
async function uploadServer(
  define: (s: Server, saveDir: string) => void,
  upload: UploadConfig = {},
  extra: Record<string, unknown> = {},
): Promise<{ url: string; port: number; temp: string; saveDir: string; s: Server }> {
  const temp = tempDir('upload-tmp');
  const saveDir = tempDir('upload-save');
  const { s, url } = await startServer((s) => define(s, saveDir), {
    upload: { tempDir: temp, ...upload },
    ...extra,
  });
  return { url, port: s.port, temp, saveDir, s };
}

/** The echo route most tests use: fields, and each file's name, size and saved content. */
function echo(s: Server, saveDir: string): void {
  s.post('/up', async (r) => {
    const fields = await r.parse();
    const files = r.getUploadFiles('file') ?? [];
    const saved = [];
    for (const f of files) {
      const name = await f.save(saveDir);
      saved.push({
        name,
        size: f.size,
        type: f.type,
        text: readFileSync(join(saveDir, name), 'utf8'),
      });
    }
    return {
      name: r.get('name'),
      tags: r.get('tags'),
      all: r.getAll('tag'),
      keys: Object.keys(fields),
      saved,
    };
  });
}

function multipartBody(boundary: string, parts: string[]): string {
  return parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + `--${boundary}--\r\n`;
}

describe('uploads: real clients', () => {
  it('curl -F: fields (bracket arrays, repeated keys) and files reach r.get, r.parse and save()', async () => {
    const { url, temp, saveDir } = await uploadServer(echo);
    const src = join(tempDir('curl-src'), 'a.txt');
    writeFileSync(src, 'hello from curl');
    const { stdout } = await run('curl', [
      '-sS',
      '-F',
      'name=john',
      '-F',
      'tags[]=x',
      '-F',
      'tags[]=y',
      '-F',
      'tag=1',
      '-F',
      'tag=2',
      '-F',
      `file=@${src};filename=../../escape.txt`,
      `${url}/up`,
    ]);
    const body = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(body.name, 'john');
    assert.deepEqual(body.tags, ['x', 'y']);
    assert.deepEqual(body.all, ['1', '2']);
    assert.deepEqual(body.saved, [
      { name: 'escape.txt', size: 15, type: 'text/plain', text: 'hello from curl' },
    ]);
    assert.deepEqual(readdirSync(saveDir), ['escape.txt']);
    await waitFor(() => readdirSync(temp).length === 0, 2000, 'temporary files removed');
  });

  it("undici's FormData: several files, a Unicode name, Blob types; unsaved files are removed", async () => {
    const { url, temp } = await uploadServer((s) => {
      s.post('/up', async (r) => {
        await r.parse();
        const files = r.getUploadFiles('file') ?? [];
        return files.map((f) => ({
          filename: f.filename,
          original: f.originalFilename,
          size: f.size,
          type: f.type,
        }));
      });
    });
    const form = new FormData();
    form.append('file', new Blob(['{"a":1}'], { type: 'application/json' }), 'données.json');
    form.append('file', new Blob([new Uint8Array(70_000)]), 'C:\\Users\\x\\evil<>.bin');
    form.append('file', new Blob(['x']), '...');
    const res = await fetch(`${url}/up`, { method: 'POST', body: form });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), [
      { filename: 'données.json', original: 'données.json', size: 7, type: 'application/json' },
      {
        filename: 'evil__.bin',
        original: 'evil<>.bin',
        size: 70_000,
        type: 'application/octet-stream',
      },
      { filename: 'file', original: '...', size: 1, type: 'application/octet-stream' },
    ]);
    await waitFor(() => readdirSync(temp).length === 0, 2000, 'temporary files removed');
  });

  it('a typed controller validates the fields and gets the file typed', async () => {
    const route = defineRoute({
      method: 'POST',
      path: '/avatar',
      input: z.object({
        title: z.string().min(1),
        avatar: z.instanceof(UploadFile).refine((f) => f.size <= 10, 'at most 10 bytes'),
      }),
    });
    const { url } = await uploadServer((s) =>
      s.bind({
        avatar: handle(route, async (_ctx, input) => ({
          title: input.title,
          file: input.avatar.filename,
          text: (await input.avatar.bytes()).toString('utf8'),
        })),
      }),
    );
    const ok = new FormData();
    ok.append('title', 'me');
    ok.append('avatar', new Blob(['tiny']), 'me.png');
    const res = await fetch(`${url}/avatar`, { method: 'POST', body: ok });
    assert.deepEqual(await res.json(), { title: 'me', file: 'me.png', text: 'tiny' });
    const big = new FormData();
    big.append('title', 'me');
    big.append('avatar', new Blob(['far more than ten bytes']), 'me.png');
    const bad = await fetch(`${url}/avatar`, { method: 'POST', body: big });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /avatar/);
  });

  describe('Chromium', () => {
    let browser: Browser | undefined;
    after(() => browser?.close());

    it('a form post with a file input and text fields', async () => {
      const { url, saveDir, temp } = await uploadServer((s, dir) => {
        s.get('/', (r) => {
          r.response.header().set('Content-Type', 'text/html; charset=utf-8');
          r.response.write(
            '<form method="post" action="/up" enctype="multipart/form-data">' +
              '<input name="name" value="chromium"><input type="file" name="file" multiple>' +
              '<input type="file" name="empty"><button id="go">go</button></form>',
          );
        });
        s.post('/up', async (r) => {
          await r.parse();
          const names = (await r.getUploadFiles('file')?.save(dir)) ?? [];
          // An empty file input arrives as a field with an empty value, as Go reads it.
          return `${String(r.get('name'))}|${names.join(',')}|${JSON.stringify(r.get('empty'))}`;
        });
      });
      const src = tempDir('chromium-src');
      writeFileSync(join(src, 'one.txt'), 'first');
      writeFileSync(join(src, 'two.txt'), 'second');
      browser = await launchChromium();
      const page = await browser.newPage();
      await page.goto(url);
      await page.setInputFiles('input[name=file]', [join(src, 'one.txt'), join(src, 'two.txt')]);
      await Promise.all([page.waitForURL(`${url}/up`), page.click('#go')]);
      assert.equal(await page.textContent('body'), 'chromium|one.txt,two.txt|""');
      assert.equal(readFileSync(join(saveDir, 'two.txt'), 'utf8'), 'second');
      await waitFor(() => readdirSync(temp).length === 0, 2000, 'temporary files removed');
    });
  });
});

describe('uploads: limits', () => {
  const boundary = 'XyZ';
  const type = `multipart/form-data; boundary=${boundary}`;
  const field = (name: string, value: string): string =>
    `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
  const file = (name: string, filename: string, value: string): string =>
    `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n${value}`;

  async function post(
    url: string,
    body: string,
    contentType = type,
  ): Promise<{ status: number; text: string }> {
    const res = await fetch(`${url}/up`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  it('answers each limit with its code and removes what was written', async () => {
    const { url, temp } = await uploadServer(
      (s, dir) => {
        s.use(handlerResponse());
        echo(s, dir);
      },
      {
        maxFileSize: 1000,
        maxFiles: 2,
        maxFields: 3,
        maxFieldSize: 50,
        maxParts: 4,
        maxTotalSize: 10_000,
      },
    );
    const cases: Array<[string, string, number, string]> = [
      [
        'a file over maxFileSize',
        multipartBody(boundary, [file('file', 'a.txt', 'x'.repeat(1001))]),
        413,
        'SLUICE_UPLOAD_FILE_TOO_LARGE',
      ],
      [
        'more files than maxFiles',
        multipartBody(
          boundary,
          [1, 2, 3].map((i) => file('file', `${i}.txt`, 'x')),
        ),
        413,
        'SLUICE_UPLOAD_TOO_MANY_FILES',
      ],
      [
        'more fields than maxFields',
        multipartBody(
          boundary,
          [1, 2, 3, 4].map((i) => field(`f${i}`, 'x')),
        ),
        413,
        'SLUICE_UPLOAD_TOO_MANY_PARTS',
      ],
      [
        'a field over maxFieldSize',
        multipartBody(boundary, [field('name', 'y'.repeat(51))]),
        413,
        'SLUICE_UPLOAD_FIELD_TOO_LARGE',
      ],
      [
        'more parts than maxParts',
        multipartBody(boundary, [
          field('a', '1'),
          field('b', '2'),
          file('file', 'a.txt', 'x'),
          file('file', 'b.txt', 'x'),
          field('c', '3'),
        ]),
        413,
        'SLUICE_UPLOAD_TOO_MANY_PARTS',
      ],
      // Declared over the limit: refused before any handler, in plain text.
      [
        'a body over maxTotalSize',
        multipartBody(boundary, [file('file', 'a.txt', 'x'.repeat(900))]).padEnd(10_001, ' '),
        413,
        '10001 bytes declared',
      ],
      ['no boundary', 'whatever', 400, 'SLUICE_UPLOAD_MALFORMED'],
    ];
    for (const [what, body, status, expected] of cases) {
      const res = await post(url, body, what === 'no boundary' ? 'multipart/form-data' : type);
      assert.equal(res.status, status, what);
      if (expected.startsWith('SLUICE_')) {
        const json = JSON.parse(res.text) as { code: string; data: null };
        assert.deepEqual([json.code, json.data], [expected, null], what);
      } else assert.ok(res.text.includes(expected), `${what}: ${res.text}`);
      // Removed before r.parse() rejected, so before this answer was written: no waiting.
      assert.deepEqual(readdirSync(temp), [], `no temporary file after: ${what}`);
    }
  });

  // The cause of a temporary file left behind now and then after a 413: the write's pipeline
  // rejected before the file's open had run, and the removal that followed found nothing yet.
  // Keeping libuv's pool busy delays the open until after the source has failed, every time.
  it('a file write settles only once its file is closed, even when the source fails before the open', async () => {
    const path = join(tempDir('write'), 'upload');
    const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const busy = Array.from({ length: pool }, () =>
      promisify(pbkdf2)('sluice', 'salt', 300_000, 32, 'sha256'),
    );
    const source = new Readable({
      read() {
        this.destroy(new Error('cut by the test'));
      },
    });
    await assert.rejects(writeTempFile(source, path), /cut by the test/);
    assert.ok(existsSync(path), 'the file was opened and closed before the write settled');
    await Promise.all(busy);
  });

  // A file that cannot be written is the server's fault, not the client's: 500, the detail in
  // the log and not in the answer, and the next upload goes through once the disk is back.
  it('a temporary directory that cannot be written answers 500 SLUICE_UPLOAD_STORAGE, not a client error', async () => {
    const logged: string[] = [];
    const { url, temp } = await uploadServer((s, dir) => {
      const record = (...args: unknown[]): void => {
        logged.push(
          args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a, errorFields))).join(' '),
        );
      };
      const logger: Logger = {
        debug() {},
        info() {},
        warn: record,
        error: record,
        child: () => logger,
      };
      s.setConfig({ logger });
      echo(s, dir);
    });
    rmSync(temp, { recursive: true });
    const form = (): FormData => {
      const fd = new FormData();
      fd.append('file', new Blob(['hello']), 'a.txt');
      return fd;
    };
    const res = await fetch(`${url}/up`, {
      method: 'POST',
      body: form(),
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 500);
    const json = (await res.json()) as { code: string; message: string };
    assert.equal(json.code, 'SLUICE_UPLOAD_STORAGE');
    assert.ok(!json.message.includes(temp), 'the path stays out of the answer');
    assert.ok(
      logged.some((line) => line.includes('SLUICE_UPLOAD_STORAGE') || line.includes(temp)),
      `logged: ${logged.join(' | ')}`,
    );
    mkdirSync(temp);
    const again = await fetch(`${url}/up`, { method: 'POST', body: form() });
    assert.equal(again.status, 200);
    await waitFor(() => readdirSync(temp).length === 0, 2000, 'the temporary file removed');
  });

  it('a multipart body read any other way than parse() keeps the body limit', async () => {
    const { url } = await uploadServer((s, dir) => {
      echo(s, dir);
      s.post('/raw', async (r) => (await r.body()).length);
    });
    const body = multipartBody(boundary, [file('file', 'big.bin', 'x'.repeat(2 * 1024 * 1024))]);
    const parsed = await post(url, body);
    assert.equal(parsed.status, 200);
    const raw = await fetch(`${url}/raw`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    assert.equal(raw.status, 413, 'r.body() never buffers an upload past bodyLimit (1 MiB)');
  });

  it('a truncated upload fails the parse and leaves no temporary file', async () => {
    let seen: unknown;
    const { port, temp } = await uploadServer((s) =>
      s.post('/up', async (r) => {
        try {
          await r.parse();
        } catch (err) {
          seen = err;
          throw err;
        }
      }),
    );
    const head = `--${boundary}\r\n${file('file', 'cut.bin', '')}`;
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => sock.once('connect', resolve));
    sock.write(
      `POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 1000000\r\n\r\n${head}`,
    );
    sock.write(Buffer.alloc(200_000, 0x61));
    await waitFor(() => readdirSync(temp).length === 1, 2000, 'the temporary file being written');
    sock.destroy();
    await waitFor(() => seen !== undefined, 2000, 'the parse to fail');
    assert.equal((seen as { status?: number }).status, 400);
    await waitFor(() => readdirSync(temp).length === 0, 2000, 'the temporary file removed');
  });

  it('a 10,000-part flood is cut at maxParts at once and the server stays responsive', async () => {
    const { url, temp } = await uploadServer(echo);
    const parts = Array.from({ length: 10_000 }, (_, i) => field(`f${i}`, 'v'));
    const started = Date.now();
    const res = await post(url, multipartBody(boundary, parts));
    assert.equal(res.status, 413);
    assert.match(res.text, /more than 1000 (parts|fields)/);
    assert.ok(Date.now() - started < 2000, 'answered quickly');
    const small = new FormData();
    small.append('name', 'after');
    const after = await fetch(`${url}/up`, { method: 'POST', body: small });
    assert.equal(((await after.json()) as { name: string }).name, 'after');
    assert.deepEqual(readdirSync(temp), []);
  });

  it('a slow upload past the request timeout is cut (408) and its temporary file removed', async () => {
    const { port, temp } = await uploadServer(
      echo,
      {},
      { requestTimeout: 1200, headerTimeout: 1000 },
    );
    const sock = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    sock.on('data', (c: Buffer) => received.push(c));
    const closed = new Promise((resolve) => sock.on('close', resolve));
    sock.on('error', () => undefined);
    await new Promise((resolve) => sock.once('connect', resolve));
    sock.write(
      `POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 100000\r\n\r\n--${boundary}\r\n${file('file', 'slow.bin', '')}`,
    );
    const timer = setInterval(() => sock.writable && sock.write('a'), 100);
    await waitFor(() => readdirSync(temp).length === 1, 2000, 'the temporary file being written');
    await closed;
    clearInterval(timer);
    assert.match(Buffer.concat(received).toString('latin1'), /^HTTP\/1\.1 408/);
    await waitFor(() => readdirSync(temp).length === 0, 2000, 'the temporary file removed');
  });
});

describe('uploads: memory', () => {
  it('streams a 256 MiB upload to disk with bounded memory', async () => {
    const size = 256 * 1024 * 1024;
    const { port, saveDir, temp } = await uploadServer(echoSize, {
      maxFileSize: size,
      maxTotalSize: size + 4096,
    });
    const before = process.memoryUsage().rss;
    let peak = before;
    const probe = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const head = Buffer.from(
      `--B\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from('\r\n--B--\r\n');
    const chunk = Buffer.alloc(1024 * 1024, 0x5a);
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/up',
          headers: {
            'content-type': 'multipart/form-data; boundary=B',
            'content-length': String(head.length + size + tail.length),
          },
        },
        (res) => {
          let out = '';
          res.on('data', (c: Buffer) => (out += c.toString()));
          res.on('end', () => resolve(out));
        },
      );
      req.on('error', reject);
      req.write(head);
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end(tail);
      };
      pump();
    });
    clearInterval(probe);
    assert.equal(text, `big.bin ${size}`);
    const grown = (peak - before) / 1024 / 1024;
    // The client and the server share this process: both stream. Buffering the body would
    // grow the RSS by its 256 MiB at least.
    assert.ok(grown < 96, `RSS grew by ${grown.toFixed(1)} MiB`);
    assert.deepEqual(readdirSync(temp), []);
    rmSync(join(saveDir, 'big.bin'), { force: true });
  });
});

function echoSize(s: Server, saveDir: string): void {
  s.post('/up', async (r) => {
    await r.parse();
    const f = r.getUploadFile('file');
    if (!f) return 'none';
    return `${await f.save(saveDir)} ${f.size}`;
  });
}
