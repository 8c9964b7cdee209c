// Saved searches (save from the audit log, list, open, delete) and the bulk export a view over the
// direct-download cap gets instead, in real headless Chromium. The server's cap is 50 rows, so the
// seeded log (230 events) is over it and one event type (46 events) is under it.

import { actionsShown, filterByAction, searchFor, settled, signIn } from './page-helpers.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { BROWSER_SKIP, SCREENSHOTS, ensureUiBuilt, launchChromium } from './chromium.js';
import { ACTIONS, ADMIN_TOKEN, PASSWORD, SEEDED, USERS, startSeededServer, type SeededServer } from './seeded-server.js';

const MAX_ROWS = 50;
const LOGIN_FAILED = Array.from({ length: SEEDED }, (_, i) => ACTIONS[i % ACTIONS.length]).filter((a) => a === 'login.failed').length;

describe('saved searches and bulk export in a real browser', { skip: BROWSER_SKIP }, () => {
  let server: SeededServer;
  let browser: Browser;
  let dataDir: string;

  before(async () => {
    ensureUiBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'stele-browser-'));
    server = await startSeededServer({ exportMaxRows: MAX_ROWS, dataDir });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const signedIn = (email: string = USERS.admin, viewport = { width: 1280, height: 800 }) => signIn(browser, server.url, email, PASSWORD, { viewport });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  async function applyLoginFailedLastDay(page: Page) {
    await page.getByLabel('Event types').selectOption(['login.failed']);
    await page.getByLabel('Time').selectOption('24h');
    await page.getByLabel('Result').selectOption('false');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=login.failed/);
    await settled(page);
  }

  it('saves the applied search and filters, lists it, and opens it with the URL state restored', async () => {
    const page = await signedIn();
    await applyLoginFailedLastDay(page);
    const viewUrl = new URL(page.url());

    await page.getByText('Save search', { exact: true }).click();
    await page.getByLabel('Name of the saved search').fill('Failed logins, last day');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved “Failed logins, last day”' }).waitFor();

    // Stored as the API's filters, the time window still relative.
    const stored = (await (await fetch(`${server.url}/v1/saved-searches?tenant_id=${server.tenantA}`, { headers: admin })).json()).saved_searches;
    const mine = stored.find((s: { name: string }) => s.name === 'Failed logins, last day');
    assert.deepEqual(mine.filters, { action: ['login.failed'], success: false, since: 'now-1d' });
    assert.equal(mine.query, '');

    await page.getByRole('link', { name: 'Saved searches' }).first().click();
    await page.getByRole('heading', { name: 'Saved searches' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Failed logins, last day' });
    assert.match(await row.textContent() ?? '', /Event types: login\.failed · Failure · Last day/);
    await page.screenshot({ path: `${SCREENSHOTS}/saved-searches-1280.png` });

    // Opening it from a fresh start restores the same URL, filter bar and rows.
    await page.getByRole('link', { name: 'Open saved search Failed logins, last day' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await settled(page);
    assert.equal(new URL(page.url()).search, viewUrl.search);
    assert.deepEqual(await page.getByLabel('Event types').evaluate((s: HTMLSelectElement) => [...s.selectedOptions].map((o) => o.value)), ['login.failed']);
    assert.equal(await page.getByLabel('Time').inputValue(), '24h');
    assert.equal(await page.getByLabel('Result').inputValue(), 'false');
    const actions = await actionsShown(page);
    assert.ok(actions.length > 0);
    assert.deepEqual([...new Set(actions)], ['login.failed']);
  });

  it('saves a search with the query language, by keyboard, and Escape closes the panel', async () => {
    const page = await signedIn();
    await searchFor(page, 'action:member.role_changed AND details.to_role:admin');
    const search = page.getByRole('searchbox', { name: 'Search' });

    const summary = page.locator('summary', { hasText: 'Save search' });
    await summary.focus();
    await page.keyboard.press('Enter');
    const name = page.getByLabel('Name of the saved search');
    await name.focus();
    await page.keyboard.type('Promotions to admin');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Saved “Promotions to admin”' }).waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('details.save-search').evaluate((d: HTMLDetailsElement) => d.open), false);
    assert.equal(await summary.evaluate((s) => s === document.activeElement), true, 'focus back on the summary');

    await page.goto(`${server.url}/saved-searches`);
    const row = page.getByRole('row').filter({ hasText: 'Promotions to admin' });
    assert.match(await row.textContent() ?? '', /action:member\.role_changed AND details\.to_role:admin/);
    await row.getByRole('link').click();
    await settled(page);
    assert.equal(await search.inputValue(), 'action:member.role_changed AND details.to_role:admin');
    assert.deepEqual([...new Set(await actionsShown(page))], ['member.role_changed']);
  });

  it('lets a viewer save, list, open and delete searches, and shows a viewer no export', async () => {
    const page = await signedIn(USERS.viewer);
    assert.equal(await page.getByText('Export', { exact: true }).count(), 0, 'no export for audit:read');
    await page.getByLabel('Event types').selectOption(['document.viewed']);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=document.viewed/);
    await page.getByText('Save search', { exact: true }).click();
    await page.getByLabel('Name of the saved search').fill('Viewer: documents viewed');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).getByRole('link', { name: 'Saved searches' }).click();

    await page.getByRole('heading', { name: 'Saved searches' }).waitFor();
    await page.getByRole('link', { name: 'Open saved search Viewer: documents viewed' }).waitFor();
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Delete saved search Viewer: documents viewed' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted “Viewer: documents viewed”' }).waitFor();
    // The status can appear a moment before the list re-renders: wait for the entry to go (this times out if it stays).
    await page.getByRole('link', { name: 'Open saved search Viewer: documents viewed' }).waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(await page.getByRole('link', { name: 'Open saved search Viewer: documents viewed' }).count(), 0);
  });

  it('offers direct downloads up to the cap', async () => {
    const page = await signedIn();
    await filterByAction(page, 'login.failed');
    await page.getByText('Export', { exact: true }).click();
    await page.getByText(`${LOGIN_FAILED} matching events. Download as:`).waitFor();
    assert.equal(await page.getByRole('link', { name: 'CSV' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Start bulk export' }).count(), 0);
  });

  it('runs a bulk export job over the cap, with progress, and downloads the file', async () => {
    // The direct export of this view is refused by the server, as the page expects.
    const refused = await fetch(`${server.url}/v1/events/export?format=csv&since=now-7d&tenant_id=${server.tenantA}`, { headers: admin });
    assert.equal(refused.status, 422);
    assert.equal((await refused.json()).error.code, 'too_many_rows');

    const page = await signedIn();
    await settled(page);
    await page.getByText('Export', { exact: true }).click();
    await page.getByText(`more than the ${MAX_ROWS} a direct download may hold`).waitFor();
    assert.equal(await page.getByRole('link', { name: 'CSV' }).count(), 0, 'no direct link over the cap');
    await page.getByLabel('Format').selectOption('csv');
    await page.getByRole('button', { name: 'Start bulk export' }).click();
    const link = page.getByRole('link', { name: /^Download CSV \(gzip/ });
    await link.waitFor({ timeout: 15_000 }).catch(async (error: Error) => {
      throw new Error(`${error.message}\nThe panel showed: ${await page.locator('.export-menu .menu-panel').innerText()}`);
    });
    assert.equal(await link.evaluate((a) => a === document.activeElement), true, 'focus moves to the ready file');
    const status = await page.locator('.bulk-export [role="status"]').textContent();
    const rows = Number(/ready: ([\d,]+) rows/.exec(status ?? '')?.[1]?.replace(/,/g, ''));
    assert.ok(rows > MAX_ROWS, `${rows} rows`);
    await page.screenshot({ path: `${SCREENSHOTS}/bulk-export-1280.png` });

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const csv = gunzipSync(readFileSync((await download.path())!)).toString('utf8');
    const records = parse(csv, { columns: true }) as Record<string, string>[];
    assert.equal(records.length, rows);
    assert.ok(records.filter((r) => r.action === 'login.failed').length === LOGIN_FAILED);
  });

  it('shows the progress of a running job', async () => {
    // Hold the job's status at "running" by answering the poll from the page itself, so the
    // progress bar is seen whatever the speed of the worker.
    const page = await signedIn();
    await settled(page);
    await page.route('**/v1/exports/*', async (route) => {
      if (route.request().method() !== 'GET' || route.request().url().includes('/download')) return route.continue();
      const response = await route.fetch();
      const job = await response.json();
      await route.fulfill({ response, json: { ...job, status: 'running', row_count: 120, expected_rows: 240, progress: 0.5 } });
    });
    await page.getByText('Export', { exact: true }).click();
    await page.getByRole('button', { name: 'Start bulk export' }).click();
    await page.getByRole('status').filter({ hasText: 'Exporting CSV: 120 of 240 rows' }).waitFor();
    const progress = page.getByRole('progressbar', { name: 'Bulk export progress' });
    assert.equal(await progress.getAttribute('value'), '50');
    await page.screenshot({ path: `${SCREENSHOTS}/bulk-export-progress-1280.png` });
  });

  it('fits the export and save panels in 390×844', async () => {
    const page = await signedIn(USERS.admin, { width: 390, height: 844 });
    await settled(page);
    await page.getByText('Export', { exact: true }).click();
    await page.getByRole('button', { name: 'Start bulk export' }).waitFor();
    const wider = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(await wider() <= 0, `page is ${await wider()}px wider than the screen with the export panel open`);
    const panel = (await page.locator('.export-menu .menu-panel').boundingBox())!;
    assert.ok(panel.x >= 0 && panel.x + panel.width <= 390, `export panel at ${panel.x}..${panel.x + panel.width}`);
    await page.locator('.export-menu .menu-panel').evaluate((panel) => panel.scrollIntoView({ block: 'end' }));
    await page.screenshot({ path: `${SCREENSHOTS}/bulk-export-390.png` });
    await page.getByText('Export', { exact: true }).click();

    await page.getByText('Save search', { exact: true }).click();
    const save = (await page.locator('.save-search .menu-panel').boundingBox())!;
    assert.ok(save.x >= 0 && save.x + save.width <= 390, `save panel at ${save.x}..${save.x + save.width}`);
    assert.ok(await wider() <= 0);
  });
});
