// examples/llm-client.ts runs as it is against a server that streams tokens; and sluice/client
// stays portable (no node: imports), since it must run in browsers too.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { scriptServer, type ScriptServer } from './client-support.js';

let server: ScriptServer | undefined;
after(() => server?.close());

void test('examples/llm-client.ts POSTs the prompt with Authorization and prints the tokens', async () => {
  server = await scriptServer([
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: 1\nevent: token\ndata: {"text":"Hello"}\n\n');
      res.write('id: 2\nevent: token\ndata: {"text":", world"}\n\n');
      res.write('event: done\ndata: {"reason":"stop"}\n\n');
    },
  ]);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'examples/llm-client.ts', 'say', 'hi'],
    { env: { ...process.env, URL: `${server.url}/api/chat`, TOKEN: 't0k' }, timeout: 20_000 },
  );
  assert.equal(stdout, 'Hello, world\n[done: stop]\n');
  const [req] = server.requests;
  assert.equal(req?.method, 'POST');
  assert.equal(req?.url, '/api/chat');
  assert.equal(req?.headers.authorization, 'Bearer t0k');
  assert.deepEqual(JSON.parse(req?.body ?? ''), { prompt: 'say hi' });
});

void test('src/client imports nothing from node:', () => {
  for (const name of readdirSync(new URL('../src/client/', import.meta.url))) {
    const source = readFileSync(new URL(`../src/client/${name}`, import.meta.url), 'utf8');
    assert.doesNotMatch(source, /from ['"]node:|require\(/, name);
  }
});
