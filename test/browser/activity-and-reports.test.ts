// The audit log's activity chart, chips and row filters, the Overview page, the Reports page and
// verification by date, in Debian's Chromium against a real server with seeded events.
// Screenshots are written only when asked (STELE_WRITE_SCREENSHOTS=1): a test run never rewrites
// tracked files.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { verifyPackage } from '../../src/reports/package-verifier.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { BROWSER_SKIP, SCREENSHOTS, ensureUiBuilt, launchChromium } from './chromium.js';
import { actionsShown, settled, signIn } from './page-helpers.js';
import { PASSWORD, USERS, startSeededServer, type SeededServer } from './seeded-server.js';

const WRITE_SCREENSHOTS = process.env.STELE_WRITE_SCREENSHOTS === '1';
const shoot = async (page: Page, name: string, options: { fullPage?: boolean } = {}) => {
  if (WRITE_SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, ...options });
};

describe('activity, overview and reports in a real browser', { skip: BROWSER_SKIP }, () => {
  let server: SeededServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    ensureUiBuilt();
    server = await startSeededServer({ dataDir: mkdtempSync(join(tmpdir(), 'stele-browser-reports-')) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const signedIn = (viewport = { width: 1280, height: 900 }) => signIn(browser, server.url, USERS.admin, PASSWORD, { viewport, timezoneId: 'Europe/Paris', track: contexts });
  const rows = (page: Page) => page.locator('table.events tbody tr.row');
  const chart = (page: Page) => page.locator('.activity-chart .u-over');

  it('shows the matching total and a chart of activity above the table; dragging across it narrows the window', async () => {
    const page = await signedIn();
    await rows(page).first().waitFor();
    await chart(page).waitFor();
    const total = page.locator('.activity .total');
    await total.filter({ hasText: /matching events, \d+ failed/ }).waitFor();
    const label = await page.locator('.activity-chart [role="img"]').getAttribute('aria-label');
    assert.match(label ?? '', /^Activity of the matching events: \d+ events, \d+ failed, in bars of 1h$/);
    await shoot(page, 'audit-log-activity-1280');

    const box = (await chart(page).boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForURL(/range=custom/);
    const url = new URL(page.url());
    const from = Date.parse(url.searchParams.get('from')!);
    const to = Date.parse(url.searchParams.get('to')!);
    assert.ok(to - from > 3600_000 && to - from < 4 * 86_400_000, `${url.searchParams.get('from')} .. ${url.searchParams.get('to')}`);
    // The rows of the narrower window replace the others once they arrive.
    await page.waitForFunction(([start, end]) => {
      const times = [...document.querySelectorAll('table.events[aria-busy="false"] tbody tr.row time')].map((t) => Date.parse(t.getAttribute('datetime')!));
      return times.length > 0 && times.every((t) => t >= start! && t < end!);
    }, [from, to]);
    // The custom window is a chip; removing it goes back to the last 7 days.
    await page.getByRole('button', { name: /^Remove filter time:/ }).click();
    await page.waitForURL((u) => !u.searchParams.has('from'));
  });

  it('zooms to a bar when it is clicked', async () => {
    const page = await signedIn();
    await chart(page).waitFor();
    const box = (await chart(page).boundingBox())!;
    // Bars are an hour each over 7 days: click where the seeded events are, near the right.
    await page.mouse.click(box.x + box.width * 0.9, box.y + box.height - 3);
    await page.waitForURL(/range=custom/);
    const url = new URL(page.url());
    assert.equal(Date.parse(url.searchParams.get('to')!) - Date.parse(url.searchParams.get('from')!), 3600_000);
  });

  it('filters by a click on an actor, action or ip in a row, shows the filters as removable chips, and marks each actor\'s kind', async () => {
    const page = await signedIn();
    await rows(page).first().waitFor();
    const first = rows(page).first();
    assert.equal(await first.locator('.actor-kind').getAttribute('aria-label'), 'user');
    const action = (await first.locator('td:nth-child(4)').textContent())!;
    await first.locator('td:nth-child(4) button').click();
    await page.waitForURL(new RegExp(`action=${action.replaceAll('.', '\\.')}`));
    await settled(page);
    assert.deepEqual([...new Set(await actionsShown(page))], [action]);
    const ip = (await rows(page).first().locator('td:nth-child(6)').textContent())!;
    await rows(page).first().locator('td:nth-child(6) button').click();
    await page.waitForURL(/ip=/);
    await settled(page);
    const chips = await page.getByRole('list', { name: 'Filters applied' }).locator('li').allTextContents();
    assert.ok(chips.includes(`action: ${action}×`) && chips.includes(`ip: ${ip}×`), chips.join(' | '));
    await page.getByRole('button', { name: `Remove filter action: ${action}` }).click();
    await page.waitForURL((u) => !u.searchParams.has('action') && u.searchParams.get('ip') === ip);
    await settled(page);
    assert.ok((await page.locator('table.events tbody tr.row td:nth-child(6)').allTextContents()).every((shown) => shown === ip));

    // The filter bar's own controls for category, ip/CIDR and target type.
    await page.getByRole('button', { name: `Remove filter ip: ${ip}` }).click();
    await page.getByLabel('Category').selectOption(['authentication']);
    await page.getByLabel('IP or CIDR').fill('192.0.2.0/25');
    await page.getByLabel('Target type').fill('user');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/category=authentication.*target_type=user.*ip=192\.0\.2\.0%2F25/);
    await settled(page);
    assert.ok((await actionsShown(page)).every((a) => a === 'user.login_succeeded' || a === 'login.failed'));
    await shoot(page, 'audit-log-chips-1280');
  });

  it('works at phone width: each event a card, nothing wider than the screen', async () => {
    const page = await signedIn({ width: 390, height: 844 });
    await rows(page).first().waitFor();
    await chart(page).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    const row = (await rows(page).first().boundingBox())!;
    assert.ok(row.width <= 390 && row.height > 60, `a card ${row.width}×${row.height}`);
    await page.locator('.activity').scrollIntoViewIfNeeded();
    await shoot(page, 'audit-log-activity-390', { fullPage: false });
  });

  it('gives an overview of the last day, week or month, with top actors, actions and ips linked to the audit log', async () => {
    const page = await signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await chart(page).waitFor();
    const tiles = page.locator('.tile');
    await tiles.filter({ hasText: 'Failed-login rate' }).locator('.value').filter({ hasText: /%$/ }).waitFor();
    // The seed fails every login.failed (one action in five), so a fifth of logins... of the seeded kind fail.
    const rate = await tiles.filter({ hasText: 'Failed-login rate' }).locator('.label').nth(1).textContent();
    assert.match(rate ?? '', /^\d+ of \d+ logins$/);
    const topActors = page.getByRole('region', { name: 'Top actors' }).or(page.locator('section[aria-labelledby="top-actor"]'));
    await topActors.locator('tbody tr').first().waitFor();
    assert.equal(await topActors.locator('tbody tr').count(), 8);
    await page.getByRole('region', { name: 'Open alerts' }).getByText('No open alerts.').waitFor();
    await page.getByRole('region', { name: 'Unhealthy streams' }).getByText('No streams.').waitFor();
    await shoot(page, 'overview-1280');
    await page.getByRole('link', { name: 'Last 24 hours' }).click();
    await page.waitForURL(/window=24h/);
    // The lists are fetched again for the new window, and reading the overview is itself audited
    // (data.accessed can climb the top actions): take an action, then click the link of that very action.
    await page.waitForLoadState('networkidle');
    const actions = page.locator('section[aria-labelledby="top-action"] tbody a');
    const action = (await actions.first().textContent())!;
    await actions.filter({ hasText: new RegExp(`^${action.replaceAll('.', '\\.')}$`) }).first().click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    assert.match(page.url(), new RegExp(`range=24h.*action=${action.replaceAll('.', '\\.')}|action=${action.replaceAll('.', '\\.')}.*range=24h`));
  });

  it('generates a PDF, printable HTML and the SOC 2 package on the Reports page, and schedules one', async () => {
    const page = await signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
    const generate = async (type: string, format?: string) => {
      await page.getByLabel('Report', { exact: true }).first().selectOption(type);
      if (format) await page.getByLabel('Format').first().selectOption(format);
      await page.getByLabel('Period').selectOption('7d');
      await page.getByRole('button', { name: 'Generate' }).click();
    };
    await generate('login_activity', 'pdf');
    const pdfLink = page.getByRole('link', { name: /^Download stele-login-activity-.*\.pdf/ });
    await pdfLink.waitFor({ timeout: 30_000 });
    const [pdf] = await Promise.all([page.waitForEvent('download'), pdfLink.click()]);
    assert.equal(readFileSync((await pdf.path())!).subarray(0, 5).toString(), '%PDF-');

    await generate('permission_changes', 'html');
    const htmlLink = page.getByRole('link', { name: 'Open printable HTML' });
    await htmlLink.waitFor({ timeout: 30_000 });
    const [report] = await Promise.all([page.context().waitForEvent('page'), htmlLink.click()]);
    await report.getByRole('heading', { name: 'Permission changes report' }).waitFor();
    assert.match(await report.locator('dl.figures').textContent() ?? '', /Permission changes\d+/);
    await report.close();

    await generate('soc2');
    const zipLink = page.getByRole('link', { name: /^Download stele-soc2-.*\.zip/ });
    await zipLink.waitFor({ timeout: 60_000 });
    const [zip] = await Promise.all([page.waitForEvent('download'), zipLink.click()]);
    const checked = await verifyPackage({ file: (await zip.path())!, publicKeyPem: testSigningKey().publicPem });
    assert.ok(checked.ok, JSON.stringify(checked.checks));

    const schedules = page.getByRole('form', { name: 'Schedule a report' });
    await schedules.getByLabel('Send to').selectOption('directory');
    await schedules.getByLabel(/^Directory/).fill('reports/weekly');
    await schedules.getByRole('button', { name: 'Schedule' }).click();
    const scheduled = page.getByRole('button', { name: /^Delete the weekly Security events schedule$/ });
    await scheduled.waitFor();
    await shoot(page, 'reports-1280', { fullPage: true });
    await scheduled.click();
    await scheduled.waitFor({ state: 'detached' });
  });

  it('verifies the log by date range as well as by seq', async () => {
    const page = await signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Verification' }).click();
    await page.getByLabel('By date (UTC)').check();
    await page.getByLabel(/^From \(UTC/).fill(new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 16));
    await page.getByRole('button', { name: 'Verify' }).click();
    const result = page.locator('.result').first();
    await result.waitFor();
    assert.match(await result.textContent() ?? '', /✓ Verified \d+ events \(seq \d+–\d+\)/);
  });
});
