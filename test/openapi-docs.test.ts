// The interactive reference (API §14): `s.setSwaggerPath('/docs')` serves Scalar's reference
// from the installed package. In Chromium: the page renders the document, an SSE route shows
// its events (the 3.2 item schema), and no request leaves 127.0.0.1 (no CDN, no fonts, no AI
// agent). UPDATE_SCREENSHOTS=1 writes the README's screenshot (docs/images/openapi-docs.png).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { Server } from '../src/index.js';
import { defineOpenApiApp } from './fixtures/openapi-app.js';
import { launchChromium } from './helpers/chromium.js';
import { memoryLogger, startServer } from './helpers/server.js';

const SCREENSHOT = new URL('../docs/images/openapi-docs.png', import.meta.url);

describe('the docs page (Scalar, served from the package)', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  it('renders the document, shows an SSE route’s events, and loads nothing from outside', async () => {
    const { url } = await startServer(defineOpenApiApp);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const outside: string[] = [];
    const failed: string[] = [];
    await page.route('**/*', (route) => {
      const target = new URL(route.request().url());
      if (target.hostname === '127.0.0.1' || target.protocol === 'data:') return route.continue();
      outside.push(target.href);
      return route.abort();
    });
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
    });
    await page.goto(`${url}/docs`);
    await page.getByText('Sluice example').first().waitFor({ timeout: 30_000 });
    await page.getByText('chat', { exact: true }).first().click();
    await page.getByText('Streams a reply').first().click();
    const example = page.getByText('event: token').first();
    await example.waitFor({ timeout: 30_000 });
    await example.scrollIntoViewIfNeeded();
    const text = await page.evaluate(() => document.body.innerText);
    assert.match(text, /text\/event-stream/);
    assert.match(text, /event: token\s+id: string\s+retry: 0\s+data: \{"text":"string"\}/);
    assert.deepEqual(outside, [], 'the reference must not load anything from another host');
    assert.deepEqual(failed, []);
    const png = await page.screenshot();
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.length > 20_000, 'a rendered page, not a blank one');
    if (process.env.UPDATE_SCREENSHOTS === '1') writeFileSync(SCREENSHOT, png);
    await page.close();
  });

  it('the bundle is served as a static file (a reload is a 304), and the page names the document', async () => {
    const { url } = await startServer(defineOpenApiApp);
    const html = await (await fetch(`${url}/docs`)).text();
    assert.match(html, /"url":"\/api\.json"/);
    assert.match(html, /<script src="\/docs\/scalar\.js">/);
    const js = await fetch(`${url}/docs/scalar.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type')!, /javascript/);
    const etag = js.headers.get('etag');
    assert.ok(etag);
    await js.body?.cancel();
    const again = await fetch(`${url}/docs/scalar.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  it('without setOpenApiPath the page reads the document the docs path serves itself', async () => {
    const { url } = await startServer((s: Server) => {
      s.setSwaggerPath('/reference/', { title: 'T <b>' });
    });
    const html = await (await fetch(`${url}/reference`)).text();
    assert.match(html, /"url":"\/reference\/openapi\.json"/);
    assert.match(html, /<title>T &#60;b&#62;<\/title>/);
    const doc = (await (await fetch(`${url}/reference/openapi.json`)).json()) as {
      openapi: string;
    };
    assert.equal(doc.openapi, '3.2.0');
    new Server({ logger: memoryLogger() }).setSwaggerPath('/x'); // the bundle resolves
  });
});
