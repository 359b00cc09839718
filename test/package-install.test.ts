// Installable from git: a scratch project outside this repo runs `npm install git+file://<repo>#<HEAD>`,
// exactly what a user does with the GitHub URL. npm clones the commit, installs its devDependencies,
// runs `prepare` (the build) and packs the result, so this proves that the committed tree builds
// into a working package. Then, in the scratch project:
//   - an ESM program (import) serves an SSE stream and reads it with sluice/client;
//   - a CommonJS program does the same with require('sluice') (require(esm), Node >= 20.19);
//   - tsc (strict, skipLibCheck off) compiles a consumer under `module: nodenext` and under
//     `moduleResolution: bundler`.
// What is tested is HEAD: commit first (uncommitted changes are not in the clone).
// npm runs with --prefer-offline (the cache this repo's own install filled); if the registry is
// needed and unreachable, the test is skipped with the reason instead of failing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const OFFLINE =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network request to .* failed/;

let dir = '';
let skip: string | false = false;

/** A program that serves three SSE events on an ephemeral port and reads them with the client. */
const program = (load: string) => `${load}
const s = new Server();
s.setAddress('127.0.0.1:0');
s.get('/ticks', async (r) => {
  const es = r.response.sse();
  for (let i = 0; i < 3; i++) await es.send({ id: String(i), data: { i } });
});
(async () => {
  await s.start();
  const got = [];
  for await (const ev of stream('http://127.0.0.1:' + s.port + '/ticks', { json: true, maxRetries: 0 })) {
    got.push(ev.data.i);
    if (got.length === 3) break;
  }
  await s.shutdown();
  if (typeof serveFake !== 'function') throw new Error('sluice/testing missing');
  console.log('ok ' + got.join(','));
})();
`;

const consumer = `import { g, Server, type Request, createHub, middleware } from 'sluice';
import { stream, StreamError } from 'sluice/client';
import { serveFake } from 'sluice/testing';
import type { createRedisHub } from 'sluice/redis';
const s: Server = g.server('typed');
const hub = createHub();
s.use(middleware.requestId());
s.get('/user/:id', (r: Request) => ({ id: r.params.id }));
s.get('/chat', (r) => r.response.sse().subscribe(hub, 'room'));
export async function read(url: string): Promise<number> {
  let n = 0;
  try {
    for await (const ev of stream<{ tick: { i: number } }>(url, { json: true })) n += ev.data.i;
  } catch (err) {
    if (err instanceof StreamError) return err.status;
    throw err;
  }
  return n;
}
export const fake = serveFake;
export type RedisHubFactory = typeof createRedisHub;
`;

function npm(args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { ok: r.status === 0, out: `${r.stdout}\n${r.stderr}` };
}

describe('installable from git', { timeout: 600_000 }, () => {
  before(() => {
    const inGit = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root });
    if (inGit.status !== 0) {
      skip = 'not a git checkout: installing from git needs one';
      return;
    }
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    });
    // What is installed is the commit; say so when the tree differs from it.
    if (dirty)
      console.log(
        `package-install: testing HEAD ${head.slice(0, 8)}; uncommitted changes are not in it`,
      );
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    dir = mkdtempSync(join(tmpdir(), 'sluice-install-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }),
    );
    const r = npm(
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        `git+file://${top}#${head}`,
        // The server's declarations name Node's types, as any Node server's do, and the ws
        // library's WebSocket (r.webSocket()); with skipLibCheck on, @types/ws is not needed.
        '@types/node@20',
        '@types/ws@8',
      ],
      dir,
    );
    if (!r.ok && OFFLINE.test(r.out))
      skip = `npm registry unreachable: ${r.out.match(OFFLINE)?.[0]}`;
    else assert.ok(r.ok, `npm install from git failed:\n${r.out.slice(-4000)}`);
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('the installed package carries the built dist, LICENSE and CHANGELOG, and no source maps', (t) => {
    if (skip) return t.skip(skip);
    const pkg = join(dir, 'node_modules/sluice');
    const files = readdirSync(pkg).sort();
    for (const f of ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'package.json'])
      assert.ok(files.includes(f), `missing ${f}: ${files.join(', ')}`);
    const dist = readdirSync(join(pkg, 'dist'), { recursive: true }) as string[];
    assert.ok(dist.includes('index.js') && dist.includes('index.d.ts'));
    assert.deepEqual(
      dist.filter((f) => f.endsWith('.map')),
      [],
    );
    assert.ok(!files.includes('src'), 'sources are not shipped');
  });

  it('an ESM program imports sluice, sluice/client and sluice/testing and streams', (t) => {
    if (skip) return t.skip(skip);
    const file = join(dir, 'esm.mjs');
    writeFileSync(
      file,
      program(`import { Server } from 'sluice';
import { stream } from 'sluice/client';
import { serveFake } from 'sluice/testing';`),
    );
    const out = execFileSync(process.execPath, [file], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(out.trim(), 'ok 0,1,2');
  });

  it('a CommonJS program require()s the same entry points (require(esm))', (t) => {
    if (skip) return t.skip(skip);
    const file = join(dir, 'cjs.cjs');
    writeFileSync(
      file,
      program(`const { Server } = require('sluice');
const { stream } = require('sluice/client');
const { serveFake } = require('sluice/testing');`),
    );
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ok 0,1,2');
    // require(esm) works from Node 20.19 and 22.12 on; before, these were the errors.
    assert.doesNotMatch(r.stderr, /ERR_REQUIRE_ESM|ERR_MODULE_NOT_FOUND/);
  });

  for (const [name, options] of [
    ['module nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['moduleResolution bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ] as const) {
    it(`tsc (strict, skipLibCheck off) compiles a consumer under ${name}`, (t) => {
      if (skip) return t.skip(skip);
      const sub = join(dir, name.replace(/\W+/g, '-'));
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(join(sub, 'index.ts'), consumer);
      writeFileSync(
        join(sub, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...options,
            target: 'es2022',
            lib: ['es2023', 'dom'],
            types: ['node'],
            typeRoots: [join(dir, 'node_modules/@types')],
            strict: true,
            skipLibCheck: false,
            noEmit: true,
          },
          files: ['index.ts'],
        }),
      );
      const r = spawnSync(process.execPath, [tsc, '-p', sub], { cwd: sub, encoding: 'utf8' });
      assert.equal(r.status, 0, `tsc under ${name}:\n${r.stdout}${r.stderr}`);
    });
  }
});
