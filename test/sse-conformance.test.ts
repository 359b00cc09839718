// Sluice's EventStream against clients others wrote: the `eventsource` package (4.x: 5.x needs
// Node 22) and Chromium's own EventSource (Debian's chromium through playwright-core).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import type { Server } from '../src/index.js';
import { startServer } from './helpers/server.js';

/** The routes both clients are pointed at. */
function bindConformanceRoutes(s: Server, seenLastIds: string[]): void {
  s.get(
    '/page',
    () =>
      new Response('<!doctype html><title>sse</title>', {
        headers: { 'content-type': 'text/html' },
      }),
  );
  // Three events per connection, ids continuing from Last-Event-ID; the server ends the stream,
  // so the client reconnects with the last id, until id 6, after which it answers 204.
  s.get('/resume', async (r) => {
    const last = r.header('last-event-id') ?? '';
    seenLastIds.push(last);
    const start = last === '' ? 0 : Number(last) + 1;
    if (start >= 6) {
      r.response.status = 204;
      return;
    }
    const es = r.response.sse({ heartbeat: 0 });
    await es.retry(50);
    for (let i = start; i < start + 3; i++) {
      await es.send({
        id: String(i),
        event: i % 2 ? 'odd' : 'even',
        data: `line ${i}\nsecond line`,
      });
    }
  });
}

interface Seen {
  type: string;
  data: string;
  lastEventId: string;
}

describe('EventStream with the eventsource package', () => {
  it('reconnects after the server ends a stream, sends Last-Event-ID, honours retry, stops on 204', async () => {
    const lastIds: string[] = [];
    const { url } = await startServer((s) => bindConformanceRoutes(s, lastIds));
    const seen: Seen[] = [];
    const es = new EventSource(`${url}/resume`);
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const record = (e: MessageEvent) =>
        seen.push({ type: e.type, data: e.data as string, lastEventId: e.lastEventId });
      es.addEventListener('odd', record);
      es.addEventListener('even', record);
      es.onerror = () => {
        // The 204 makes the client give up: readyState CLOSED.
        if (es.readyState === EventSource.CLOSED) resolve();
      };
      setTimeout(() => reject(new Error('timed out')), 5000);
    });
    es.close();
    assert.deepEqual(lastIds, ['', '2', '5']);
    assert.deepEqual(
      seen.map((e) => [e.type, e.data, e.lastEventId]),
      [0, 1, 2, 3, 4, 5].map((i) => [i % 2 ? 'odd' : 'even', `line ${i}\nsecond line`, String(i)]),
    );
    assert.ok(Date.now() - started < 3000, 'retry: 50 was not honoured');
  });
});

describe("EventStream with Chromium's EventSource", () => {
  let browser: Browser | undefined;
  after(() => browser?.close());

  it('named events, multi-line data, id persistence, reconnect with Last-Event-ID, 204 stops', async () => {
    const lastIds: string[] = [];
    const { url } = await startServer((s) => bindConformanceRoutes(s, lastIds));
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${url}/page`);
    // A string, not a function: tsx would inject helpers the page does not have.
    const seen = (await page.evaluate(`new Promise((resolve, reject) => {
      const out = [];
      const es = new EventSource('/resume');
      const record = (e) => out.push([e.type, e.data, e.lastEventId]);
      es.addEventListener('odd', record);
      es.addEventListener('even', record);
      es.onerror = () => { if (es.readyState === EventSource.CLOSED) resolve(out); };
      setTimeout(() => reject(new Error('timed out')), 5000);
    })`)) as Array<[string, string, string]>;
    assert.deepEqual(
      seen,
      [0, 1, 2, 3, 4, 5].map((i) => [i % 2 ? 'odd' : 'even', `line ${i}\nsecond line`, String(i)]),
    );
    assert.deepEqual(lastIds, ['', '2', '5']);
  });
});
