// Without @opentelemetry installed: the built package runs (nothing imports it until
// enableTelemetry()), and enableTelemetry() rejects with SLUICE_TELEMETRY_MISSING naming the
// package to install. A copy of dist/ beside a node_modules that lacks @opentelemetry.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

void describe('telemetry with @opentelemetry absent', () => {
  void it('serves without it, and enableTelemetry() says what to install', async (t) => {
    if (!existsSync(join(ROOT, 'dist/index.js'))) return t.skip('needs npm run build');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-no-otel-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'node_modules'));
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
      if (name !== '@opentelemetry' && name !== '.bin')
        symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
    }
    writeFileSync(
      join(dir, 'main.mjs'),
      `import { Server } from './dist/index.js';
const s = new Server();
s.setAddress('127.0.0.1:0');
s.get('/hi', () => 'hi');
await s.start();
const body = await (await fetch('http://127.0.0.1:' + s.port + '/hi')).text();
let code = 'none';
try { await s.enableTelemetry(); } catch (err) { code = err.code + ' ' + err.message; }
await s.shutdown();
console.log(JSON.stringify({ body, code }));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'main.mjs')], {
      cwd: dir,
    });
    const out = JSON.parse(stdout) as { body: string; code: string };
    assert.equal(out.body, 'hi');
    assert.match(out.code, /^SLUICE_TELEMETRY_MISSING .*npm install @opentelemetry\/api/);
  });
});
