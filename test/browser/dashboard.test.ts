// The dashboard in real headless Chromium against a real server with seeded events.

import { actionsShown, filterByAction, searchFor, settled, signIn } from './page-helpers.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { BROWSER_SKIP, SCREENSHOTS, ensureUiBuilt, launchChromium } from './chromium.js';
import { ACTIONS, PASSWORD, SEEDED, USERS, startSeededServer, type SeededServer } from './seeded-server.js';

describe('dashboard in a real browser', { skip: BROWSER_SKIP }, () => {
  let server: SeededServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    ensureUiBuilt();
    server = await startSeededServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const signedIn = (email: string = USERS.admin, viewport = { width: 1280, height: 800 }) =>
    signIn(browser, server.url, email, PASSWORD, { viewport, timezoneId: 'Asia/Tokyo', track: contexts });

  const rows = (page: Page) => page.locator('table.events tbody tr.row');
  const pagerStatus = (page: Page) => page.getByRole('navigation', { name: 'Pages (top)' }).locator('.pager-status');

  async function api(path: string, init: RequestInit = {}) {
    return fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer stele_admin_browser_test_0123456789abcdef`, ...init.headers } });
  }

  it('shows a labelled sign-in form and refuses a wrong password with a message', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Email').fill(USERS.admin);
    await page.getByLabel('Password').fill('wrong password');
    await page.screenshot({ path: `${SCREENSHOTS}/sign-in-1280.png` });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'email or password is wrong' }).waitFor();
  });

  it('signs in and shows the last 7 days, 100 events a page, with UTC times to the second, milliseconds and local time on hover', async () => {
    const page = await signedIn();
    await rows(page).first().waitFor();
    assert.equal(await rows(page).count(), 100);
    const time = page.locator('table.events tbody tr.row time').first();
    assert.match(await time.textContent() ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.match(await time.getAttribute('title') ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} in Asia\/Tokyo \(UTC\+9\)$/);
    const link = page.locator('table.events tbody tr.row td:nth-child(5) a').first();
    assert.match(await link.getAttribute('href') ?? '', /^https:\/\/docs\.acme\.test\/doc_\d+$/);
    await page.screenshot({ path: `${SCREENSHOTS}/audit-log-1280.png` });

    // Time to the first rendered page of events, signed in, on a reload.
    const started = Date.now();
    await page.reload();
    await rows(page).first().waitFor();
    console.log(`# time to first rendered audit page: ${Date.now() - started} ms (${SEEDED} events seeded)`);
  });

  it('filters by event type and time window, keeping the filters in the URL', async () => {
    const page = await signedIn();
    await page.getByLabel('Event types').selectOption(['login.failed']);
    await page.getByLabel('Time').selectOption('24h');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=login.failed/);
    await settled(page);
    assert.match(page.url(), /range=24h/);
    const actions = await actionsShown(page);
    assert.ok(actions.length > 0 && actions.length < 20, `${actions.length} rows`);
    assert.deepEqual([...new Set(actions)], ['login.failed']);

    // The URL is the view: opening it again shows the same filters and rows.
    const again = await (await signedIn()).context().newPage();
    await again.goto(page.url());
    await again.locator('table.events tbody tr.row').first().waitFor();
    assert.deepEqual(await again.getByLabel('Event types').evaluate((s: HTMLSelectElement) => [...s.selectedOptions].map((o) => o.value)), ['login.failed']);
    assert.equal(await again.getByLabel('Time').inputValue(), '24h');
    assert.equal((await actionsShown(again)).length, actions.length);

    // A custom window in UTC, whatever the browser's time zone (Tokyo here).
    await page.getByLabel('Time').selectOption('custom');
    const from = new Date(Date.now() - 2 * 24 * 3600_000).toISOString().slice(0, 16);
    await page.getByLabel('From (UTC)').fill(from);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/range=custom/);
    assert.match(decodeURIComponent(page.url()), new RegExp(`from=${from}:00.000Z`));
  });

  it('searches with the query language and shows the API\'s error for a bad query inline', async () => {
    const page = await signedIn();
    await searchFor(page, 'action:member.role_changed AND details.to_role:admin');
    const search = page.getByRole('searchbox', { name: 'Search' });
    const actions = await actionsShown(page);
    assert.ok(actions.length > 0);
    assert.deepEqual([...new Set(actions)], ['member.role_changed']);

    await search.fill('action:(');
    await search.press('Enter');
    const error = page.locator('.field-error[role="alert"]');
    await error.waitFor();
    assert.match(await error.textContent() ?? '', /character \d+/);
    assert.equal(await search.getAttribute('aria-invalid'), 'true');
    await page.screenshot({ path: `${SCREENSHOTS}/search-error-1280.png` });
  });

  it('pages with Next and Prev without moving the table', async () => {
    const page = await signedIn();
    await rows(page).first().waitFor();
    // Compare event ids: many seeded events can share one millisecond, so times do not tell pages apart.
    const firstOf = () => rows(page).first().getAttribute('data-event-id');
    const tableTop = async () => (await page.locator('table.events').boundingBox())!.y;
    // The page number changes at the click, while the previous page's rows stay on show until
    // the new ones arrive (the table is aria-busy meanwhile): wait for both before reading rows.
    const loaded = () => page.locator('table.events[aria-busy="false"]').waitFor();
    const page1 = await firstOf();
    const top = await tableTop();
    const next = page.getByRole('navigation', { name: 'Pages (top)' }).getByRole('button', { name: /Next/ });
    const prev = page.getByRole('navigation', { name: 'Pages (top)' }).getByRole('button', { name: /Prev/ });
    assert.equal(await prev.isDisabled(), true);

    await next.click();
    await pagerStatus(page).filter({ hasText: 'Page 2 of 3' }).waitFor();
    await loaded();
    assert.match(page.url(), /[?&]page=2\b/, 'the page number is in the URL');
    const page2 = await firstOf();
    assert.notEqual(page2, page1);
    assert.equal(await tableTop(), top);
    // Sign-ins are audited too, so the log holds the seeded events plus one per sign-in so far.
    const total = (await (await api(`/v1/events?tenant_id=${server.tenantA}&since=now-7d&include_total=true&limit=1`)).json()).total as number;
    assert.ok(total > 200 && total <= 300, `${total} events`);
    await next.click();
    await pagerStatus(page).filter({ hasText: 'Page 3 of 3' }).waitFor();
    await loaded();
    // The reads recorded meanwhile (data.accessed) are newer events: the last page may have grown by them.
    assert.ok((await rows(page).count()) >= total - 200);
    assert.equal(await next.isDisabled(), true);
    await prev.click();
    await pagerStatus(page).filter({ hasText: 'Page 2 of 3' }).waitFor();
    await loaded();
    // Offset pages: the reads recorded meanwhile (data.accessed) are newer and push rows down a little.
    assert.ok((await rows(page).evaluateAll((list) => list.map((row) => row.getAttribute('data-event-id')))).slice(0, 5).includes(page2), `${page2} near the top of page 2`);
    await prev.click();
    await pagerStatus(page).filter({ hasText: 'Page 1 of 3' }).waitFor();
    await loaded();
    // Page 1 is the newest events again, so it may start with the reads recorded meanwhile
    // (data.accessed, src/audit-trail/): the first row seen before is still on it, near the top.
    const ids = await rows(page).evaluateAll((list) => list.map((row) => row.getAttribute('data-event-id')));
    assert.ok(ids.slice(0, 5).includes(page1), `${page1} near the top of page 1`);
  });

  it('expands a row to a readable panel, the change shown as one, and the full JSON a click away, by keyboard', async () => {
    const page = await signedIn();
    const toggle = rows(page).filter({ hasText: 'member.role_changed' }).first().getByRole('button', { name: /details of/ });
    await toggle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const panel = page.locator('tr.details-row .event-panel');
    assert.match(await panel.locator('.changes').textContent() ?? '', /role: viewer → (admin|editor)/);
    assert.match(await panel.textContent() ?? '', /Actor.*email.*@acme\.test/);
    await page.screenshot({ path: `${SCREENSHOTS}/audit-log-expanded-1280.png` });
    await panel.getByRole('button', { name: 'Raw JSON' }).press('Enter');
    const json = page.locator('tr.details-row pre');
    const event = JSON.parse(await json.textContent() ?? '{}');
    assert.equal(event.action, 'member.role_changed');
    assert.match(event.context.request_id, /^req_\d+$/);
    assert.equal(event.details.from_role, 'viewer');
    assert.equal(typeof event.leaf_hash, 'string');
  });

  it('exports the filtered events as CSV through a plain download link', async () => {
    const page = await signedIn();
    await filterByAction(page, 'login.failed');
    await page.getByText('Export', { exact: true }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const records = parse(readFileSync((await download.path())!, 'utf8'), { columns: true }) as Record<string, string>[];
    const expected = Array.from({ length: SEEDED }, (_, i) => ACTIONS[i % ACTIONS.length]).filter((a) => a === 'login.failed').length;
    assert.equal(records.length, expected);
    assert.ok(records.every((r) => r.action === 'login.failed'), 'every row is a login.failed');
  });

  it('runs a verification, signs a checkpoint and verifies against it', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Verification' }).click();
    await page.getByRole('heading', { name: 'Verification' }).waitFor();
    await page.getByRole('button', { name: 'Verify' }).click();
    assert.match(await page.locator('.result').first().textContent() ?? '', /✓ Verified \d+ events/);
    await page.getByRole('button', { name: 'Sign a checkpoint now' }).click();
    const note = page.getByLabel('Checkpoint text');
    await note.waitFor();
    assert.match(await note.textContent() ?? '', /^stele-test\/\S+\n\d+\n[A-Za-z0-9+/=]{44}\n\n— stele-test /);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(/against 1 signed checkpoint\(s\)/).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/verification-1280.png` });
  });

  it('lets an org admin create a key, shown once, and revoke it', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('billing service');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByLabel('New API key');
    await secret.waitFor();
    const key = await secret.inputValue();
    assert.match(key, /^stele_/);
    await page.screenshot({ path: `${SCREENSHOTS}/api-keys-1280.png` });
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Revoke key billing service' }).click();
    await page.getByText(/^Revoked /).waitFor();
    const response = await fetch(`${server.url}/v1/events`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(response.status, 401);
  });

  it('shows a viewer no API keys page, and the keys API refuses the viewer', async () => {
    const page = await signedIn(USERS.viewer);
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'API keys' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 1);
    await page.goto(`${server.url}/keys`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    const statuses = await page.evaluate(async (tenantId) => {
      const session = await (await fetch('/v1/session')).json();
      const list = await fetch(`/v1/tenants/${tenantId}/keys`);
      const create = await fetch(`/v1/tenants/${tenantId}/keys`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-stele-csrf': session.csrf_token },
        body: JSON.stringify({ name: 'sneaky', scopes: ['audit:read'] }),
      });
      return [list.status, create.status];
    }, server.tenantA);
    assert.deepEqual(statuses, [403, 403]);
  });

  it('is readable at 390×844: nothing but the table scrolls sideways', async () => {
    const page = await signedIn(USERS.admin, { width: 390, height: 844 });
    await rows(page).first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: `${SCREENSHOTS}/audit-log-390.png`, fullPage: true, clip: { x: 0, y: 0, width: 390, height: 1400 } });
  });

  it('shows a visible focus ring when tabbing', async () => {
    const page = await signedIn();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.equal(outline, 'solid');
  });
});
