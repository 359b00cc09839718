// The showcase (`npm start`) as a user meets it: started as a child process on port 0, driven by
// Chromium through playwright-core (Debian's chromium, never a downloaded browser), and by
// examples/llm-client.ts from Node. Every claim the pages make is exercised here; the pages
// must load with no script error, no console error, no failed request and no request leaving
// the server (the only failures allowed are the ones a test provokes, named where it does).
// UPDATE_SCREENSHOTS=1 also writes docs/images/showcase-*.png (desktop 1280x800, phone 390x844).
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import { spawnExample } from './helpers/spawn-example.js';

const SHOWCASE = new URL('../examples/showcase.ts', import.meta.url).pathname;
const IMAGES = new URL('../docs/images/', import.meta.url).pathname;
const TOKEN_INTERVAL_MS = 30;
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';
let serverOut = '';
const pageErrors: string[] = [];
const consoleErrors: string[] = [];
const failedRequests: string[] = [];
const outsideRequests: string[] = [];
/**
 * Failures a test provokes on purpose (a dropped socket, a 401, a reload mid-stream), each
 * allowed at most `times` times.
 */
const allowed: Array<{ re: RegExp; times: number }> = [];
const allow = (re: RegExp, times = 1): number => allowed.push({ re, times });

/** Starts the showcase on the embedded hub and resolves its URL. */
async function startShowcase(): Promise<string> {
  const run = await spawnExample(SHOWCASE, {
    REDIS_URL: '', // the embedded hub, whatever the environment says
    COUNTER_INTERVAL_MS: '50',
    TOKEN_INTERVAL_MS: String(TOKEN_INTERVAL_MS),
    TICK_INTERVAL_MS: '100',
  });
  child = run.child;
  serverOut = run.output;
  child.stdout!.on('data', (chunk: Buffer) => (serverOut += chunk.toString()));
  return run.url;
}

/** Records everything that went wrong in a page (checked once, after every test). */
function watch(page: Page, label: string): Page {
  page.on('pageerror', (err) => pageErrors.push(`${label}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${label}: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(base + '/') && !req.url().startsWith('data:'))
      outsideRequests.push(req.url());
  });
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? '';
    // ERR_ABORTED is the page cancelling its own stream (leaving the loop after the run's end
    // event, a reload, a closed tab): not a failure, and Chromium logs no error for it.
    if (error === 'net::ERR_ABORTED' && req.resourceType() !== 'document') return;
    failedRequests.push(`${req.method()} ${req.url()} ${error}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400)
      failedRequests.push(`${res.request().method()} ${res.url()} HTTP ${res.status()}`);
  });
  return page;
}

async function open(path: string, context?: BrowserContext): Promise<Page> {
  const page = watch(await (context ?? browser!).newPage(), path);
  await page.goto(base + path);
  return page;
}

const text = (page: Page, selector: string): Promise<string> =>
  page.locator(selector).evaluate((el) => el.textContent ?? '');
const num = async (page: Page, selector: string): Promise<number> =>
  Number(await text(page, selector));

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(IMAGES, { recursive: true });
  await page.screenshot({ path: `${IMAGES}showcase-${name}.png` });
}

/** A region of examples/showcase.ts, extracted here independently of the server's parser. */
function region(name: string): string {
  const lines = readFileSync(SHOWCASE, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '// #endregion');
  assert.ok(start >= 0 && end > start, `region ${name} in showcase.ts`);
  return lines
    .slice(start + 1, end)
    .join('\n')
    .trimEnd();
}

/** Reads an LLM page's answer until its status is final; every rendering seen, in order. */
async function watchAnswer(page: Page, until = /^(done|stopped|error)$/): Promise<string[]> {
  const snapshots: string[] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const [answer, state] = await page.evaluate(() => [
      document.getElementById('answer')!.textContent ?? '',
      document.getElementById('status')!.dataset.state ?? '',
    ]);
    if (answer !== snapshots.at(-1)) snapshots.push(answer);
    if (until.test(state)) return snapshots;
    await new Promise((resolve) => setTimeout(resolve, TOKEN_INTERVAL_MS / 2));
  }
  throw new Error(`the answer did not end: ${snapshots.at(-1)}`);
}

async function ask(page: Page, prompt: string): Promise<void> {
  await page.fill('#prompt', prompt);
  await page.click('#go');
}

const tokensShown = (page: Page): Promise<number> =>
  page.evaluate(() => Number(document.getElementById('answer')!.dataset.tokens ?? 0));

describe('the showcase (npm start) in Chromium', () => {
  let reference = ''; // the full answer to "Why stream?", as the first run rendered it

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
    const unexpected = (list: string[]): string[] =>
      list.filter((line) => {
        const a = allowed.find((x) => x.times > 0 && x.re.test(line));
        if (a) a.times--;
        return !a;
      });
    assert.deepEqual(pageErrors, [], 'no script error in any page');
    assert.deepEqual(unexpected(consoleErrors), [], 'no console error in any page');
    assert.deepEqual(unexpected(failedRequests), [], 'no failed request');
    assert.deepEqual(outsideRequests, [], 'no request leaves the showcase (no CDN, no font)');
  });

  it('landing: says what Sluice does better, links every demo, and streams live figures', async () => {
    const page = await open('/');
    assert.match(await page.title(), /^Sluice/);
    for (const demo of ['resume', 'chat', 'llm', 'slow']) {
      assert.equal(await page.getAttribute(`#card-${demo}`, 'href'), `/${demo}.html`);
    }
    // Someone streaming elsewhere, so that deliveries move: a resume page follows the ticker.
    const other = await open('/resume.html');
    const figures = page.locator('#figures');
    const seen = new Set<string>();
    const deadline = Date.now() + 15_000;
    let deliveries = 0;
    while (seen.size < 3 && Date.now() < deadline) {
      const snap = await figures.getAttribute('data-snapshot');
      if (snap) {
        seen.add(snap);
        deliveries = Math.max(
          deliveries,
          (JSON.parse(snap) as { deliveriesPerSec: number }).deliveriesPerSec,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(seen.size >= 3, `three different snapshots in 15 s (saw ${seen.size})`);
    assert.ok(deliveries > 0, 'the ticker subscriber shows up as deliveries per second');
    assert.ok((await num(page, '[data-figure="streams"]')) >= 2, 'this panel and the resume page');
    assert.match(await text(page, '[data-figure="loop"]'), /^\d+\.\d ms$/);
    assert.match(await text(page, '[data-figure="rss"]'), /^\d+\.\d MiB$/);
    if (SCREENSHOTS) {
      // A few more seconds of the sparkline for the picture.
      await page.waitForFunction(
        () => Number(document.getElementById('figures')!.dataset.updates) >= 10,
        null,
        { timeout: 20_000 },
      );
    }
    await screenshot(page, 'landing-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'landing-phone');
    await Promise.all([page.close(), other.close()]);
  });

  it('every demo shows the code that serves it, exactly as it is in examples/showcase.ts', async () => {
    const pages: Array<[string, string, string]> = [
      ['/resume.html', 'resume', 'await es.subscribe(hub, ticks)'],
      ['/chat.html', 'chat', "hub.subscribe('chat', options)"],
      ['/llm.html', 'llm', 'runs.follow(r,'],
      ['/slow.html', 'slow', "await es.subscribe(hub, 'firehose')"],
      ['/counter.html', 'counter', "s.get('/counter/events'"],
      ['/', 'stats', 's.stats()'],
    ];
    for (const [path, name, call] of pages) {
      const page = await open(path);
      const pre = page.locator(`pre[data-source="${name}"][data-loaded="true"]`);
      await pre.waitFor({ state: 'attached', timeout: 10_000 });
      const shown = await pre.evaluate((el) => el.textContent ?? '');
      assert.equal(shown, region(name), `${path} shows the ${name} region verbatim`);
      assert.ok(shown.includes(call), `${path}: the code shown holds ${call}`);
      await page.close();
    }
  });

  it('resume: the server drops the socket, EventSource resumes with no gap and no duplicate', async () => {
    // The dropped stream fails in the browser: that one failure is the point of the demo.
    allow(/GET .*\/demo\/resume\/events\?tab=\w+ net::ERR_/);
    allow(/^\/resume\.html: Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING$/);
    const page = await open('/resume.html');
    await page.locator('#drop:enabled').waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => Number(document.getElementById('received')!.textContent) >= 5);
    const before = await num(page, '#received');
    await page.click('#drop');
    await page.waitForFunction(
      () => document.getElementById('status')!.textContent!.startsWith('reconnected'),
      null,
      { timeout: 10_000 },
    );
    await page.waitForFunction(
      (n) => Number(document.getElementById('received')!.textContent) >= n,
      before + 10,
      { timeout: 10_000 },
    );
    assert.equal(await num(page, '#drops'), 1);
    assert.equal(await num(page, '#gaps'), 0, 'no tick missing');
    assert.equal(await num(page, '#dups'), 0, 'no tick twice');
    assert.ok(
      (await num(page, '#replayed')) >= 1,
      'ticks published while disconnected were replayed',
    );
    // The strip itself: consecutive numbers around the drop marker.
    const strip = await page.$$eval('#ticks span:not(.drop)', (els) =>
      els.map((e) => e.textContent),
    );
    const ns = strip.map(Number);
    assert.ok(
      ns.every((n, i) => i === 0 || n === ns[i - 1]! + 1),
      `contiguous: ${strip.join(' ')}`,
    );
    assert.equal(await page.locator('#ticks span.drop').count(), 1);
    await screenshot(page, 'resume-desktop');
    await page.close();
  });

  it('chat: a tab that joins late sees the history, then live messages both ways', async () => {
    const alice = await open('/chat.html');
    await alice.locator('#status[data-state="open"]').waitFor({ timeout: 10_000 });
    await alice.fill('#name', 'alice');
    const said = [`first ${Date.now()}`, 'hello <b>late joiner</b>'];
    for (const line of said) {
      await alice.fill('#text', line);
      await alice.click('button[type=submit]');
      await alice
        .locator('#messages li.message .text', { hasText: line })
        .waitFor({ timeout: 10_000 });
    }
    assert.equal(await alice.inputValue('#text'), '', 'the input was cleared');

    const bob = await open('/chat.html');
    await bob.locator('#status[data-state="open"]').waitFor({ timeout: 10_000 });
    const history = bob.locator('#messages li.message.history .text');
    await history.filter({ hasText: said[1]! }).waitFor({ timeout: 10_000 });
    const texts = await history.allTextContents();
    assert.equal(texts[0], 'The room is open.', 'from the room start');
    assert.deepEqual(texts.slice(-2), said, 'in order, as text (not markup)');
    assert.match(
      (await bob.locator('#messages li.message').last().getAttribute('data-id')) ?? '',
      /^[0-9a-z]+-\d+$/,
      'carries the hub id',
    );

    await bob.fill('#name', 'bob');
    await bob.fill('#text', 'hi alice');
    await bob.click('button[type=submit]');
    const live = alice.locator('#messages li.message:not(.history)').last();
    await live.locator('.text', { hasText: 'hi alice' }).waitFor({ timeout: 10_000 });
    assert.equal(await live.locator('.name').textContent(), 'bob');
    await screenshot(bob, 'chat-desktop');
    await Promise.all([alice.close(), bob.close()]);
  });

  describe('llm: a durable run', () => {
    let context: BrowserContext; // one browser profile: tabs share localStorage, as a user's do
    before(async () => {
      context = await browser!.newContext();
    });
    after(async () => {
      await context.close();
    });

    it('the answer renders word by word, through sluice/client in the page', async () => {
      const page = await open('/llm.html', context);
      await ask(page, 'Why stream?');
      const snapshots = await watchAnswer(page);
      reference = snapshots.at(-1)!;
      assert.match(reference, /^You asked: "Why stream\?"\. Here is a streamed answer/);
      assert.match(reference, /EventSource cannot replace\.$/);
      assert.match(await text(page, '#status'), /^done, \d+ tokens$/);
      const partial = snapshots.filter((t) => t !== '' && t !== reference);
      assert.ok(partial.length >= 5, `${partial.length} partial renderings before the final text`);
      for (let i = 1; i < snapshots.length; i++) {
        assert.ok(snapshots[i]!.startsWith(snapshots[i - 1]!), 'text only grows');
      }
      await page.close();
    });

    it('reload mid-answer: the page continues after its last id, no token lost or repeated', async () => {
      const page = await open('/llm.html', context);
      await ask(page, 'Why stream?');
      await page.waitForFunction(
        () => Number(document.getElementById('answer')!.dataset.tokens) >= 5,
      );
      await page.reload();
      const resumedAt = Number(await page.locator('#answer').getAttribute('data-resumed-at'));
      assert.ok(resumedAt >= 5, `resumed after ${resumedAt} tokens, not from the start`);
      const snapshots = await watchAnswer(page);
      assert.equal(snapshots.at(-1), reference, 'the same answer as an uninterrupted run');
      assert.equal(await tokensShown(page), reference.match(/\S+\s*/g)!.length);
      await page.close();
    });

    it('a second tab follows the same run: both show the same answer', async () => {
      const first = await open('/llm.html', context);
      await ask(first, 'Why stream?');
      await first.waitForFunction(
        () => Number(document.getElementById('answer')!.dataset.tokens) >= 3,
      );
      const second = await open('/llm.html', context);
      const [a, b] = await Promise.all([watchAnswer(first), watchAnswer(second)]);
      assert.equal(a.at(-1), reference);
      assert.equal(b.at(-1), reference, 'the second tab shows the whole answer');
      assert.equal(await second.locator('#answer').getAttribute('data-resumed-at'), '0');
      if (SCREENSHOTS) {
        await second.setViewportSize({ width: 390, height: 844 });
        await second.evaluate(() => document.querySelector('.stage')!.scrollIntoView());
        await screenshot(second, 'llm-phone');
      }
      await Promise.all([first.close(), second.close()]);
    });

    it('Stop cancels the run on the server: the model signal aborts', async () => {
      const page = await open('/llm.html', context);
      await ask(page, 'Please stop me');
      await page.waitForFunction(
        () => Number(document.getElementById('answer')!.dataset.tokens) >= 3,
      );
      const before = serverOut.length;
      await page.click('#stop');
      await watchAnswer(page);
      const status = await text(page, '#status');
      assert.match(status, /^stopped after \d+ tokens: the run was cancelled on the server$/);
      const shown = await tokensShown(page);
      assert.ok(shown < reference.match(/\S+\s*/g)!.length, 'stopped before the end');
      const deadline = Date.now() + 2000;
      while (!/signal aborted/.test(serverOut.slice(before)) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.match(serverOut.slice(before), /model: run \S+ signal aborted \(\w+\)/);
      await page.close();
    });

    it('without a valid Authorization the page shows the server message with the 401', async () => {
      allow(/POST .*\/api\/chat HTTP 401/);
      allow(/^\/llm\.html: Failed to load resource: .*status of 401/);
      const page = await open('/llm.html', context);
      await page.fill('#token', '');
      await page.click('#go');
      await page.locator('#status[data-state="error"]').waitFor({ timeout: 10_000 });
      assert.equal(
        await text(page, '#status'),
        'failed: HTTP 401: send Authorization: Bearer <token>',
      );
      await page.close();
    });
  });

  it('slow reader: a client that never reads is cut at its cap, the page gets every event', async () => {
    const page = await open('/slow.html');
    await page.locator('#start:enabled').waitFor({ timeout: 10_000 });
    await page.click('#start');
    const slow = page.locator('#slow-reader');
    await page
      .locator('#slow-reader[data-state="cut"], #slow-reader[data-state="survived"]')
      .waitFor({ timeout: 30_000 });
    assert.equal(await slow.getAttribute('data-state'), 'cut');
    assert.equal(await slow.getAttribute('data-code'), 'SLUICE_STREAM_OVERFLOW');
    const published = Number(await slow.getAttribute('data-published'));
    const last = Number(await slow.getAttribute('data-last'));
    assert.ok(published >= 10, `${published} events published in the burst`);
    // Meanwhile this page, on the same topic, received every event, in order.
    await page.waitForFunction(
      (n) => Number(document.getElementById('page-reader')!.dataset.last) === n,
      last,
      { timeout: 10_000 },
    );
    assert.ok((await num(page, '#received')) >= published, 'every event of the burst');
    assert.equal(await num(page, '#gaps'), 0);
    // The figures panel saw the backlog grow while the slow reader was not reading.
    await page.waitForFunction(
      () => Number(document.getElementById('figures')!.dataset.peakUnsent) > 64 * 1024,
      null,
      { timeout: 5000 },
    );
    // The page still flows after the cut: a second slow reader, a second burst, all received.
    await page.click('#start');
    await page.waitForFunction(
      (n) => Number(document.getElementById('slow-reader')!.dataset.last) > n,
      last,
      { timeout: 30_000 },
    );
    const last2 = Number(await slow.getAttribute('data-last'));
    await page.waitForFunction(
      (n) => Number(document.getElementById('page-reader')!.dataset.last) === n,
      last2,
      { timeout: 10_000 },
    );
    assert.equal(await num(page, '#gaps'), 0);
    await screenshot(page, 'slow-desktop');
    await page.close();
  });

  it('counter: EventSource receives the counter events in order', async () => {
    const page = await open('/counter.html');
    await page.waitForFunction(
      () => Number(document.getElementById('count')!.dataset.received) >= 5,
      null,
      { timeout: 10_000 },
    );
    const [received, shown] = await page.evaluate(() => [
      Number(document.getElementById('count')!.dataset.received),
      Number(document.getElementById('count')!.textContent),
    ]);
    assert.equal(shown, received - 1, 'the n-th event carries n-1: none dropped, in order');
    // What the page says: a reload starts a new EventSource, which sends no id: from 0 again.
    assert.match(await text(page, '.demo-head p'), /the count starts again at 0/);
    await page.reload();
    await page.waitForFunction(
      () => Number(document.getElementById('count')!.dataset.received) >= 2,
    );
    const [again, first] = await page.evaluate(() => [
      Number(document.getElementById('count')!.dataset.received),
      Number(document.getElementById('count')!.textContent),
    ]);
    assert.equal(first, again - 1, 'after the reload the count started at 0');
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

it('a bad number in the environment stops the showcase with one line naming it', async () => {
  const run = promisify(execFile)(process.execPath, ['--import', 'tsx', SHOWCASE], {
    env: { ...process.env, PORT: '0', TICK_INTERVAL_MS: '0.5' },
    timeout: 15_000,
  });
  const err = (await run.then(
    () => assert.fail('it started'),
    (e: unknown) => e,
  )) as { code: number; stderr: string };
  assert.equal(err.code, 1);
  assert.equal(
    err.stderr,
    'showcase: TICK_INTERVAL_MS=0.5: expected a whole number, 10 to 60000\n',
  );
});
