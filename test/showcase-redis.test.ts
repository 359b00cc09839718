// The showcase with REDIS_URL: two instances on two ports share the chat room, and a client
// that moves from one instance to the other resumes with Last-Event-ID.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { createClient } from 'redis';
import { collectEvents, stream, type StreamEvent } from '../src/client/index.js';
import { sleep } from './helpers/server.js';
import { launchChromium } from './helpers/chromium.js';
import { spawnExample } from './helpers/spawn-example.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `sluice-showcase-test:${randomBytes(6).toString('hex')}:`;
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 100 }))
    keys.push(...batch);
  if (keys.length) await redis.del(keys);
  redis.destroy();
});

async function startInstance(): Promise<string> {
  const run = await spawnExample('examples/showcase.ts', { REDIS_URL, SHOWCASE_PREFIX: PREFIX });
  children.push(run.child);
  assert.match(run.output, /on the Redis hub at /);
  return run.url;
}

async function send(base: string, text: string): Promise<string> {
  const res = await fetch(`${base}/chat/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'test', text }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { id: string }).id;
}

it('with REDIS_URL, two showcase instances share the chat room; a client resumes on the other one', async () => {
  const [one, two] = await Promise.all([startInstance(), startInstance()]);
  const seen: StreamEvent[] = [];
  const onOne = (async () => {
    for await (const ev of stream(`${one}/chat/events`, { signal: AbortSignal.timeout(10_000) })) {
      seen.push(ev);
      if (JSON.parse(ev.data).text === 'bye') break;
    }
  })();
  // Subscribing on Redis is asynchronous: post until the first message comes through.
  for (let i = 0; seen.length === 0; i++) {
    assert.ok(i < 200, 'no message reached instance one');
    await send(two, 'warm-up');
    await sleep(25);
  }
  const ids = [await send(two, 'hello from two'), await send(two, 'bye')];
  await onOne;
  assert.deepEqual(
    seen.slice(-2).map((e) => e.id),
    ids,
    'posted on two, received on one',
  );
  const port = (url: string): number => Number(new URL(url).port);
  assert.equal(JSON.parse(seen.at(-1)!.data).via, port(two));

  // Away for two messages posted on one; back on two with the last id: both, nothing else.
  const missed = [await send(one, 'm1'), await send(one, 'm2')];
  const resumed = await collectEvents(`${two}/chat/events`, {
    lastEventId: ids[1],
    count: 2,
    strict: true,
  });
  assert.deepEqual(
    resumed.map((e) => e.id),
    missed,
  );
  assert.deepEqual(
    resumed.map((e) => JSON.parse(e.data).text),
    ['m1', 'm2'],
  );
});

it('npm run showcase:cluster starts two instances on one Redis hub and stops both', async (t) => {
  const launcher = spawn(process.execPath, ['--import', 'tsx', 'examples/showcase-cluster.ts'], {
    env: { ...process.env, PORTS: '0,0', REDIS_URL, SHOWCASE_PREFIX: PREFIX },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
  // Whatever happens below, SIGTERM (not SIGKILL: the launcher must stop its two instances).
  t.after(async () => {
    if (launcher.exitCode !== null || launcher.signalCode !== null) return;
    launcher.kill('SIGTERM');
    await exited;
  });
  let out = '';
  launcher.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const urls = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the cluster did not start: ${out}`)), 20_000);
    launcher.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = [...out.matchAll(/\[instance (\d)\] sluice: listening on (http:\S+)/g)];
      if (found.length === 2) {
        clearTimeout(timer);
        resolve(found.sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => m[2]!));
      }
    });
  });
  const [one, two] = urls as [string, string];
  assert.notEqual(one, two);
  for (const url of urls) {
    const info = (await (await fetch(`${url}/demo/info`)).json()) as { hub: string };
    assert.match(info.hub, /^Redis hub at /);
  }
  // Posted on one; a tab that joins two afterwards finds it in the room's history.
  const text = `cluster ${Date.now()}`;
  await send(one, text);
  let found = false;
  for await (const ev of stream(`${two}/chat/events`, { signal: AbortSignal.timeout(10_000) })) {
    if ((JSON.parse(ev.data) as { text?: string }).text === text) {
      found = true;
      break;
    }
  }
  assert.ok(found, 'the message posted on one is in the history two replays');

  // In Chromium: a tab on each instance; a message sent on one appears live on the other.
  const browser = await launchChromium();
  try {
    const errors: string[] = [];
    const [a, b] = await Promise.all([browser.newPage(), browser.newPage()]);
    for (const page of [a, b]) page.on('pageerror', (err) => errors.push(err.message));
    await Promise.all([a.goto(`${one}/chat.html`), b.goto(`${two}/chat.html`)]);
    for (const page of [a, b]) {
      await page.locator('#status[data-state="open"]').waitFor({ timeout: 10_000 });
      assert.match((await page.locator('#instance').textContent()) ?? '', /Redis hub$/);
    }
    const live = `live ${Date.now()}`;
    // Subscribing on Redis is asynchronous: the tab on two is open, but send until it sees it.
    const seen = b.locator('#messages li.message .text', { hasText: live });
    for (let i = 0; (await seen.count()) === 0; i++) {
      assert.ok(i < 50, 'the message sent on one never reached the tab on two');
      if (i % 10 === 0) {
        await a.fill('#text', live);
        await a.click('button[type=submit]');
      }
      await sleep(100);
    }
    const via = b.locator('#messages li.message', { hasText: live }).first().locator('.via');
    assert.match((await via.textContent()) ?? '', new RegExp(`via :${new URL(one).port}$`));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }

  launcher.kill('SIGTERM');
  assert.equal(await exited, 0, 'the launcher exits cleanly once both instances stopped');
  for (const url of urls) {
    await assert.rejects(fetch(`${url}/demo/info`), 'the instance stopped with the launcher');
  }
});
