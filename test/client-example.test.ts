// examples/llm-client.ts runs as it is against a server that streams tokens; and sluice/client
// stays portable (no node: imports), since it must run in browsers too.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Server } from '../src/index.js';
import { createHub } from '../src/hub/index.js';
import { createRuns } from '../src/runs/index.js';
import { memoryLogger } from './helpers/server.js';

// A real Sluice server with a durable run: the POST starts a scripted "model", GET follows it.
const seen: { method: string; auth?: string; body?: unknown }[] = [];
const hub = createHub();
const runs = createRuns(hub);
const s = new Server({ logger: memoryLogger() });
s.setAddress('127.0.0.1:0');
s.post('/api/chat', async (r) => {
  const body = await r.json();
  seen.push({ method: 'POST', auth: r.header('authorization'), body });
  const run = await runs.start(
    async ({ token }) => {
      for (const t of ['Hello', ', world']) await token(t);
    },
    { owner: r.header('authorization') ?? '' },
  );
  return { id: run.id };
});
s.get('/api/chat/{id}', (r) => {
  seen.push({ method: 'GET', auth: r.header('authorization') });
  return runs.follow(r, String(r.get('id')), { owner: r.header('authorization') ?? '' });
});
after(async () => {
  await s.shutdown({ timeout: 1000 });
  await runs.close();
  await hub.close();
});

void test('examples/llm-client.ts starts a run with a POST (prompt, Authorization) and prints its tokens and its end', async () => {
  await s.start();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'examples/llm-client.ts', 'say', 'hi'],
    {
      env: { ...process.env, URL: `http://127.0.0.1:${s.port}/api/chat`, TOKEN: 't0k' },
      timeout: 20_000,
    },
  );
  assert.equal(stdout, 'Hello, world\n[done]\n');
  assert.deepEqual(seen, [
    { method: 'POST', auth: 'Bearer t0k', body: { prompt: 'say hi' } },
    { method: 'GET', auth: 'Bearer t0k' },
  ]);
});

void test('src/client imports nothing from node:', () => {
  for (const name of readdirSync(new URL('../src/client/', import.meta.url))) {
    const source = readFileSync(new URL(`../src/client/${name}`, import.meta.url), 'utf8');
    assert.doesNotMatch(source, /from ['"]node:|require\(/, name);
  }
});
