// What a new user meets in the first minutes: a busy port is one line naming the port and PORT=
// (start() rejects with SLUICE_PORT_IN_USE; run() prints the line and exits 1, as GoFrame's
// s.Run() does), and log lines carry reqId only when the request has an id.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { Server, SluiceError, middleware } from '../src/index.js';
import { memoryLogger, startServer } from './helpers/server.js';

const root = new URL('..', import.meta.url).pathname;

async function holdPort(): Promise<number> {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  after(() => holder.close());
  return (holder.address() as net.AddressInfo).port;
}

describe('a busy port', () => {
  it('start() rejects with SLUICE_PORT_IN_USE naming the port and PORT=', async () => {
    const port = await holdPort();
    const s = new Server({ logger: memoryLogger() });
    s.setAddress(`127.0.0.1:${port}`);
    const err = await s.start().then(
      () => assert.fail('started on a busy port'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_PORT_IN_USE');
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
    assert.match(
      err.message,
      new RegExp(`^the port is already in use: ${port} on 127\\.0\\.0\\.1;`),
    );
    assert.match(err.message, /PORT=n/);
    assert.doesNotMatch(err.message, /\n/);
    // Nothing was left listening: the same server starts once the port is free.
    s.setAddress('127.0.0.1:0');
    await s.start();
    await s.shutdown();
  });

  it('run() prints one line and exits 1 (the seed example on a busy PORT)', async () => {
    const port = await holdPort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/seed-writefln.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, new RegExp(`^sluice: the port is already in use: ${port} on .*PORT=n`));
  });
});

describe('reqId in log lines', () => {
  it('absent when the request has no id; present with requestId() or X-Request-Id', async () => {
    const logger = memoryLogger();
    const { url } = await startServer(
      (s) => {
        s.get('/plain', (r) => {
          r.log.warn('plain');
          return 'ok';
        });
        s.group('/ided', (g) => {
          // A middleware that logs before requestId() ran: the id still reaches later lines.
          g.middleware(async (r) => {
            r.log.warn('before');
            await r.middleware.next();
          });
          g.middleware(middleware.requestId());
          g.get('/x', (r) => {
            r.log.warn('after');
            return 'ok';
          });
        });
      },
      { logger },
    );
    await (await fetch(`${url}/plain`)).text();
    await (await fetch(`${url}/plain`, { headers: { 'x-request-id': 'abc-1' } })).text();
    const res = await fetch(`${url}/ided/x`);
    await res.text();
    const id = res.headers.get('x-request-id');
    assert.ok(id);
    const lines = logger.records.filter((r) => ['plain', 'before', 'after'].includes(r.msg ?? ''));
    assert.deepEqual(
      lines.map((r) => [r.msg, r.obj.reqId]),
      [
        ['plain', undefined],
        ['plain', 'abc-1'],
        ['before', undefined],
        ['after', id],
      ],
    );
    assert.ok(!('reqId' in lines[0]!.obj), 'no "reqId":"" key on a request without an id');
  });

  it('the default JSON logger writes no reqId key for a request without one', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import { Server } from './src/index.ts';
const s = new Server();
s.setAddress('127.0.0.1:0');
s.get('/', (r) => { r.log.warn('hello'); return 'ok'; });
await s.start();
await (await fetch('http://127.0.0.1:' + s.port + '/')).text();
await s.shutdown();`,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0, stderr);
    const line = JSON.parse(
      stderr
        .trim()
        .split('\n')
        .find((l) => l.includes('hello'))!,
    );
    assert.equal(line.msg, 'hello');
    assert.ok(!('reqId' in line), stderr);
  });
});
