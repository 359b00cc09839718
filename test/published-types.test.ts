// The published declarations: built as `npm run build` builds them (stripInternal on), they
// compile for a consumer with library checking on, and Request/Response show only the
// documented API (no engine state, no transport).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules/.bin/tsc');
let out = '';

describe('published types', () => {
  before(() => {
    // Inside the project, so the declarations resolve their dependencies from node_modules.
    out = mkdtempSync(join(root, '.published-types-'));
    execFileSync(tsc, ['-p', 'tsconfig.build.json', '--outDir', join(out, 'dist')], { cwd: root });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('a consumer compiles against them with skipLibCheck off', () => {
    const consumer = join(out, 'consumer.ts');
    writeFileSync(
      consumer,
      `import { g, Server, type Request, middleware, createHub } from './dist/index.js';
import { stream, StreamError } from './dist/client/index.js';
import { createRedisHub } from './dist/hub/redis/index.js';
import { serveFake } from './dist/testing/index.js';
const s = g.server();
s.get('/x', async (r: Request) => { r.response.writeJson({ a: 1 }); await r.response.flush(); });
s.use(middleware.cors());
void createHub(); void createRedisHub; void stream; void StreamError; void serveFake(new Server(), {});
`,
    );
    try {
      execFileSync(
        tsc,
        [
          '--noEmit',
          '--strict',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--types',
          'node',
          '--typeRoots',
          join(root, 'node_modules/@types'),
          consumer,
        ],
        { cwd: out, encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (err) {
      assert.fail(String((err as { stdout?: string }).stdout ?? err));
    }
  });

  it('Request and Response declare no engine state and no transport', () => {
    const declared = ['exchange/request.d.ts', 'exchange/response.d.ts']
      .map((f) => readFileSync(join(out, 'dist', f), 'utf8'))
      .join('\n')
      .replace(/\/\*\*[\s\S]*?\*\//g, ''); // the declarations, not their doc comments
    for (const internal of [
      'chain',
      'chainIndex',
      'hooks',
      'run:',
      'wire',
      'env:',
      'sink',
      'commit(',
      'finish(',
      'abort(reason',
      'eventStream',
      'compression',
      'touched',
      'hasOutput',
      'returned',
      'raw:',
      'ServerResponse',
      'IncomingMessage',
    ]) {
      assert.ok(!declared.includes(internal), `published types mention ${internal}`);
    }
  });
});
