// The API docs at /docs in real headless Chromium: Swagger UI renders every operation of
// /openapi.json under the page's strict CSP (no inline scripts, nothing from other origins), and
// the browser reports no CSP violation or error while it does.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { BROWSER_SKIP, ensureUiBuilt, launchChromium } from './chromium.js';
import { startSeededServer, type SeededServer } from './seeded-server.js';

describe('the API docs in a real browser', { skip: BROWSER_SKIP }, () => {
  let server: SeededServer;
  let browser: Browser;

  before(async () => {
    ensureUiBuilt();
    server = await startSeededServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders every operation under its CSP, with no violation and no error', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json() as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((sum, methods) => sum + Object.keys(methods).length, 0);
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));
    });
    try {
      await page.goto(`${server.url}/docs/`);
      await page.locator('.opblock').nth(operations - 1).waitFor();
      assert.equal(await page.locator('.opblock').count(), operations);
      await page.locator('.opblock-summary-operation-id, .opblock-summary-path').first().waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
