// A typed client from the document (API §14): openapi-typescript (from the npm registry)
// generates types from the 3.1 document; a scripted client using them with `fetch` and with
// `sluice/client`'s `stream()` compiles under tsc, a misuse does not, and the script runs
// against the real server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { Server } from '../src/index.js';
import { defineOpenApiApp } from './fixtures/openapi-app.js';
import { memoryLogger, startServer } from './helpers/server.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, `.generated-types-${process.pid}`);
const tsc = join(root, 'node_modules/.bin/tsc');

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    verbatimModuleSyntax: true,
  },
  files: ['client.ts'],
};

/** What a team writes against the generated types: fetch for JSON routes, stream() for SSE. */
const CLIENT = `import type { components, paths } from './api.js';
import { stream } from '../src/client/index.js';

type User = paths['/api/user/{id}']['get']['responses'][200]['content']['application/json'];
type NewUser = paths['/api/users']['post']['requestBody']['content']['application/json'];
type ChatEvents = components['schemas']['ChatEvents'];

export async function getUser(base: string, id: paths['/api/user/{id}']['get']['parameters']['path']['id']): Promise<User> {
  const res = await fetch(\`\${base}/api/user/\${id}\`);
  return (await res.json()) as User;
}

export async function createUser(base: string, user: NewUser): Promise<string> {
  const res = await fetch(\`\${base}/api/users\`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  const created = (await res.json()) as User;
  return created.name;
}

export async function chat(base: string, room: string, prompt: string): Promise<{ text: string[]; tokens: number }> {
  const text: string[] = [];
  for await (const ev of stream<ChatEvents>(\`\${base}/api/chat/\${room}\`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
    json: true,
  })) {
    if (ev.event === 'token') text.push(ev.data.text);
    else if (ev.event === 'note') text.push(ev.data.room.toUpperCase());
    else if (ev.event === 'done') return { text, tokens: ev.data.tokens };
  }
  throw new Error('the stream ended without done');
}
`;

/** Misuses the generated types must refuse, each with the error tsc gives. */
const MISUSES: Array<[string, RegExp]> = [
  [`const u = {} as User; u.passwordHash;`, /Property 'passwordHash' does not exist/],
  [`const n: NewUser = { name: 'a' };`, /Property 'email' is missing/],
  [
    `for await (const ev of stream<ChatEvents>('/', { json: true })) { if (ev.event === 'token') ev.data.tokens; }`,
    /Property 'tokens' does not exist/,
  ],
  [
    `for await (const ev of stream<ChatEvents>('/', { json: true })) { if (ev.event === 'nope') {} }`,
    /This comparison appears to be unintentional/,
  ],
];

async function typecheck(): Promise<string> {
  try {
    await run(tsc, ['-p', join(dir, 'tsconfig.json')], { cwd: dir });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

describe('a typed client from the 3.1 document (openapi-typescript)', () => {
  before(async () => {
    mkdirSync(dir, { recursive: true });
    const s = new Server({ logger: memoryLogger() });
    defineOpenApiApp(s);
    const ast = await openapiTS(s.openApi({ version: '3.1.0' }) as never);
    writeFileSync(join(dir, 'api.ts'), astToString(ast));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates types that a fetch and stream() client compiles against', async () => {
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    assert.equal(await typecheck(), '');
  });

  for (const [misuse, error] of MISUSES) {
    it(`refuses: ${misuse.slice(0, 70)}`, async () => {
      writeFileSync(
        join(dir, 'client.ts'),
        `${CLIENT}\nexport async function misuse(): Promise<void> {\n${misuse}\n}\n`,
      );
      assert.match(await typecheck(), error);
    });
  }

  it('the scripted client runs against the real server', async () => {
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    const { url } = await startServer(defineOpenApiApp);
    const client = (await import(join(dir, 'client.ts'))) as {
      getUser: (base: string, id: number) => Promise<unknown>;
      createUser: (base: string, u: { name: string; email: string }) => Promise<string>;
      chat: (base: string, room: string, prompt: string) => Promise<unknown>;
    };
    assert.deepEqual(await client.getUser(url, 5), { id: 5, name: 'Ada' });
    assert.equal(await client.createUser(url, { name: 'Grace', email: 'g@example.com' }), 'Grace');
    assert.deepEqual(await client.chat(url, 'r1', 'hello there'), {
      text: ['hello', 'there', 'R1'],
      tokens: 2,
    });
  });
});
