// The house rules of docs/architecture.md are enforced by `npm run lint` (dependency-cruiser):
// this proves the rules catch what they name (each on a small tree made for it) and that the
// real tree keeps them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const depcruise = join(root, 'node_modules/.bin/depcruise');

function cruise(cwd: string): string {
  try {
    execFileSync(
      depcruise,
      ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
      {
        cwd,
        encoding: 'utf8',
        stdio: 'pipe',
      },
    );
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

describe('house rules (npm run lint)', () => {
  it('the source tree has no cycle, no upward import, Node http only at the edge, a standalone client', () => {
    assert.equal(cruise(root), '');
  });

  it('each rule fails on the violation it names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-house-'));
    try {
      copyFileSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
        }),
      );
      const files: Record<string, string> = {
        // a type-only cycle inside one folder
        'src/http/a.ts': "import type { B } from './b.js';\nexport type A = B | 1;\n",
        'src/http/b.ts': "import type { A } from './a.js';\nexport type B = A | 2;\n",
        // an upward import: the exchange reaching into the engine
        'src/engine/run.ts': 'export const run = 1;\n',
        'src/exchange/request.ts':
          "import { run } from '../engine/run.js';\nexport const r = run;\n",
        // node:http outside the edge
        'src/stream/sink.ts': "import http from 'node:http';\nexport const s = http;\n",
        // the client importing the server's catalogue
        'src/errors/index.ts': 'export const E = 1;\n',
        'src/client/stream.ts': "import { E } from '../errors/index.js';\nexport const c = E;\n",
        // a sideways import between folders of one layer
        'src/router/r.ts': "import { A1 } from '../static/s.js';\nexport const R = A1;\n",
        'src/static/s.ts': 'export const A1 = 1;\n',
      };
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(join(dir, file, '..'), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      const out = cruise(dir);
      for (const rule of [
        'no-circular',
        'layer-exchange',
        'node-http-at-the-edge',
        'client-stands-alone',
        'layer-router',
      ]) {
        assert.match(out, new RegExp(`error ${rule}:`), `${rule} did not fire:\n${out}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
