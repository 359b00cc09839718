// The showcase (`npm start`) as a user meets it: started as a child process on port 0, driven by
// Chromium through playwright-core (Debian's chromium, never a downloaded browser), and by
// examples/llm-client.ts from Node.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import { spawnExample } from './helpers/spawn-example.js';

const SHOWCASE = new URL('../examples/showcase.ts', import.meta.url).pathname;
const TOKEN_INTERVAL_MS = 30;

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';
const pageErrors: string[] = [];

/** Starts the showcase on the embedded hub and resolves its URL. */
async function startShowcase(): Promise<string> {
  const run = await spawnExample(SHOWCASE, {
    REDIS_URL: '', // the embedded hub, whatever the environment says
    COUNTER_INTERVAL_MS: '50',
    TOKEN_INTERVAL_MS: String(TOKEN_INTERVAL_MS),
  });
  child = run.child;
  return run.url;
}

async function open(path: string): Promise<Page> {
  const page = await browser!.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${path}: ${err.message}`));
  await page.goto(base + path);
  return page;
}

describe('the showcase (npm start) in Chromium', () => {
  before(async () => {
    [base, browser] = await Promise.all([startShowcase(), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM'); // s.run() shuts down gracefully on SIGTERM
      await exited;
    }
    assert.deepEqual(pageErrors, [], 'no script error in any page');
  });

  it('chat: a message posted in one tab appears in the other', async () => {
    const [alice, bob] = await Promise.all([open('/chat.html'), open('/chat.html')]);
    // Both EventSources are open (on the memory hub, subscribed once the stream is open).
    for (const page of [alice, bob])
      await page.locator('#status[data-state="open"]').waitFor({ timeout: 5000 });
    await alice.fill('#name', 'alice');
    await alice.fill('#text', 'hello <b>bob</b>');
    await alice.click('button[type=submit]');
    const seen = bob.locator('#messages li.message').last();
    await seen.waitFor({ timeout: 5000 });
    assert.equal(await seen.locator('.name').textContent(), 'alice');
    assert.equal(
      await seen.locator('.text').textContent(),
      'hello <b>bob</b>',
      'shown as text, not markup',
    );
    assert.match(
      (await seen.getAttribute('data-id')) ?? '',
      /^[0-9a-z]+-\d+$/,
      'carries the hub id',
    );
    // The sender sees its own message too, and its input was cleared.
    await alice.locator('#messages li.message').last().waitFor({ timeout: 5000 });
    assert.equal(await alice.inputValue('#text'), '');
    await Promise.all([alice.close(), bob.close()]);
  });

  it('tokens: the answer to a POST renders word by word, through sluice/client in the page', async () => {
    const page = await open('/llm.html');
    await page.fill('#prompt', 'Why stream?');
    await page.click('#go');
    // Observe the DOM over time: several partial texts, each a prefix of the next, before the end.
    const snapshots: string[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const [text, state] = await page.evaluate(() => [
        document.getElementById('answer')!.textContent ?? '',
        document.getElementById('status')!.dataset.state ?? '',
      ]);
      if (text !== snapshots.at(-1)) snapshots.push(text);
      if (state === 'done') break;
      await new Promise((resolve) => setTimeout(resolve, TOKEN_INTERVAL_MS / 2));
    }
    const final = snapshots.at(-1)!;
    assert.match(final, /^You asked: "Why stream\?"\. Here is a streamed answer/);
    assert.match(final, /EventSource cannot replace\.$/);
    assert.match((await page.textContent('#status')) ?? '', /^done, \d+ tokens$/);
    const partial = snapshots.filter((t) => t !== '' && t !== final);
    assert.ok(
      partial.length >= 5,
      `${partial.length} partial renderings seen before the final text`,
    );
    for (let i = 1; i < snapshots.length; i++) {
      assert.ok(snapshots[i]!.startsWith(snapshots[i - 1]!), 'text only grows');
      assert.ok(snapshots[i]!.length > snapshots[i - 1]!.length);
    }
    await page.close();
  });

  it('tokens: without a valid Authorization the page reports the 401', async () => {
    const page = await open('/llm.html');
    await page.fill('#token', '');
    await page.click('#go');
    await page.locator('#status[data-state="error"]').waitFor({ timeout: 5000 });
    assert.equal(await page.textContent('#status'), 'failed: HTTP 401');
    await page.close();
  });

  it('counter: EventSource receives the counter events in order', async () => {
    const page = await open('/counter.html');
    await page.waitForFunction(
      () => Number(document.getElementById('count')!.dataset.received) >= 5,
      null,
      {
        timeout: 5000,
      },
    );
    const [received, shown] = await page.evaluate(() => [
      Number(document.getElementById('count')!.dataset.received),
      Number(document.getElementById('count')!.textContent),
    ]);
    assert.equal(shown, received - 1, 'the n-th event carries n-1: none dropped, in order');
    await page.close();
  });

  it('examples/llm-client.ts streams /api/chat from Node', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/llm-client.ts', 'hello', 'node'],
      { env: { ...process.env, URL: `${base}/api/chat`, TOKEN: 'n0de' }, timeout: 15_000 },
    );
    assert.match(stdout, /^You asked: "hello node"\. Here is a streamed answer/);
    assert.match(stdout, /EventSource cannot replace\.\n\[done\]\n$/);
  });
});
