// The showcase's token page as a durable run, in Chromium (Debian's, through playwright-core):
// a reload mid-answer continues after the last event id the page kept (no token lost or
// repeated), a second tab shows the same answer, and Stop stops the model (the showcase's fake
// model prints that its signal aborted). The showcase runs as a child process on port 0.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import { spawnExample } from './helpers/spawn-example.js';
import { readEvents, text } from './helpers/runs.js';

const SHOWCASE = new URL('../examples/showcase.ts', import.meta.url).pathname;

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';
let output = '';
const pageErrors: string[] = [];

async function open(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${base}/llm.html`);
  return page;
}

const tokensOf = (page: Page): Promise<number> =>
  page.evaluate(() => Number(document.getElementById('answer')!.dataset.tokens ?? 0));

/** The whole answer of a run, read from the server by a fresh follower. */
async function canonical(id: string): Promise<string> {
  const res = await fetch(`${base}/api/chat/${id}`, {
    headers: { authorization: 'Bearer dev-token' },
  });
  return text((await readEvents(res)).events);
}

describe('the token page is a durable run (Chromium)', () => {
  before(async () => {
    const run = await spawnExample(SHOWCASE, { REDIS_URL: '', TOKEN_INTERVAL_MS: '40' });
    child = run.child;
    base = run.url;
    output = run.output;
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    assert.deepEqual(pageErrors, [], 'no script error in any page');
  });

  it('a reload mid-answer continues after the last event id the page kept: the whole answer, no token lost or repeated', async () => {
    const ctx = await browser!.newContext();
    const page = await open(ctx);
    await page.fill('#prompt', 'Why reload?');
    await page.click('#go');
    await page.waitForFunction(
      () => Number(document.getElementById('answer')!.dataset.tokens) >= 6,
    );
    const id = await page.evaluate(() => localStorage.getItem('sluice-showcase-run'));
    assert.ok(id);
    await page.reload();
    const resumedAt = Number(
      await page.evaluate(() => document.getElementById('answer')!.dataset.resumedAt),
    );
    assert.ok(resumedAt >= 6, `resumed after token ${resumedAt}, not from the start`);
    await page.locator('#status[data-state="done"]').waitFor({ timeout: 15_000 });
    const shown = await page.textContent('#answer');
    const whole = await canonical(id);
    assert.equal(shown, whole, 'exactly the run: nothing lost, nothing twice');
    assert.equal(await tokensOf(page), whole.match(/\S+\s*/g)!.length);
    assert.match(whole, /^You asked: "Why reload\?"\./);
    await ctx.close();
  });

  it('a second tab follows the same run: both show the same answer, from one run', async () => {
    const ctx = await browser!.newContext();
    const first = await open(ctx);
    await first.fill('#prompt', 'Two tabs?');
    await first.click('#go');
    await first.waitForFunction(
      () => Number(document.getElementById('answer')!.dataset.tokens) >= 3,
    );
    const second = await open(ctx); // finds the active run and follows it from its start
    await Promise.all(
      [first, second].map((p) =>
        p.locator('#status[data-state="done"]').waitFor({ timeout: 15_000 }),
      ),
    );
    const [a, b] = await Promise.all([first.textContent('#answer'), second.textContent('#answer')]);
    assert.equal(a, b);
    assert.match(a ?? '', /^You asked: "Two tabs\?"\./);
    await ctx.close();
  });

  it('Stop stops the model (its signal aborts) and every tab shows it stopped', async () => {
    const ctx = await browser!.newContext();
    const first = await open(ctx);
    await first.fill('#prompt', 'Stop me');
    await first.click('#go');
    await first.waitForFunction(
      () => Number(document.getElementById('answer')!.dataset.tokens) >= 3,
    );
    const id = await first.evaluate(() => localStorage.getItem('sluice-showcase-run'));
    const second = await open(ctx);
    await second.waitForFunction(
      () => Number(document.getElementById('answer')!.dataset.tokens) >= 3,
    );
    await first.click('#stop');
    for (const p of [first, second]) {
      await p.locator('#status[data-state="stopped"]').waitFor({ timeout: 5000 });
    }
    const deadline = Date.now() + 5000;
    const line = `model: run ${id} signal aborted (SLUICE_RUN_CANCELLED)`;
    while (!output.includes(line) && Date.now() < deadline)
      await new Promise((f) => setTimeout(f, 20));
    assert.ok(output.includes(line), `the model logged its abort: ${output}`);
    const [a, b] = await Promise.all([first.textContent('#answer'), second.textContent('#answer')]);
    assert.equal(a, b, 'both tabs show the same partial answer');
    await ctx.close();
  });
});
