// Settings → Retention in real headless Chromium: the window (presets, custom, forever), a legal
// hold with its reason that disables purging, counting and purging expired events with the last
// purge's figures, redacted paths and the HMAC of a known value; and a deleted event's row in the
// audit log reads as deleted, with who and why.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { BROWSER_SKIP, ensureUiBuilt, launchChromium } from './chromium.js';
import { signIn, settled } from './page-helpers.js';
import { ADMIN_TOKEN, PASSWORD, USERS, startSeededServer, type SeededServer } from './seeded-server.js';

const DAY = 86_400_000;

describe('the Retention page in a real browser', { skip: BROWSER_SKIP }, () => {
  let server: SeededServer;
  let browser: Browser;
  let dir: string;

  before(async () => {
    ensureUiBuilt();
    dir = mkdtempSync(join(tmpdir(), 'stele-retention-ui-'));
    server = await startSeededServer({ dataDir: dir });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, body?: unknown) => fetch(`${server.url}${path}${path.includes('?') ? '&' : '?'}tenant_id=${server.tenantA}`, {
    method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const card = (page: Page, title: string) => page.locator('.card').filter({ has: page.getByRole('heading', { name: title, level: 2 }) });

  async function openRetention(): Promise<Page> {
    const page = await signIn(browser, server.url, USERS.admin, PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Retention' }).click();
    await page.getByRole('heading', { name: 'Retention', level: 1 }).waitFor();
    return page;
  }

  it('sets the window from presets, a custom number of days, or forever', async () => {
    const page = await openRetention();
    const window = card(page, 'Retention window');
    await window.getByText('Events are kept 90 days (the instance default).').waitFor();
    await window.getByLabel('Keep events for').selectOption('365');
    await window.getByRole('button', { name: 'Save window' }).click();
    await window.getByText('Events are kept 1 year.').waitFor();
    await window.getByLabel('Keep events for').selectOption('custom');
    await window.getByLabel('Days').fill('45');
    await window.getByRole('button', { name: 'Save window' }).click();
    await window.getByText('Events are kept 45 days.').waitFor();
    await window.getByLabel('Keep events for').selectOption('forever');
    await window.getByRole('button', { name: 'Save window' }).click();
    await window.getByText('Events are kept forever.').waitFor();
    assert.equal((await (await call('GET', '/v1/retention')).json()).days, null);
    await page.context().close();
  });

  it('sets and lifts a legal hold with a reason, and purging waits for it', async () => {
    assert.equal((await call('PUT', '/v1/retention', { days: 90 })).status, 200);
    const page = await openRetention();
    const hold = card(page, 'Legal hold');
    await hold.getByText('no hold').waitFor();
    await hold.getByLabel('Reason').fill('Litigation hold, case 2026-114');
    await hold.getByRole('button', { name: 'Set legal hold' }).click();
    await hold.getByText('Reason: Litigation hold, case 2026-114').waitFor();
    assert.equal(await card(page, 'Purges').getByRole('button', { name: 'Purge now' }).isDisabled(), true);
    await hold.getByLabel('Reason').fill('Case closed');
    await hold.getByRole('button', { name: 'Lift legal hold' }).click();
    await hold.getByText('no hold').waitFor();
    assert.equal(await card(page, 'Purges').getByRole('button', { name: 'Purge now' }).isDisabled(), false);
    await page.context().close();
  });

  it('counts and purges expired events and shows the last purge\'s figures', async () => {
    const old = Array.from({ length: 12 }, (_, i) => ({ action: 'legacy.event', occurred_at: new Date(Date.now() - 200 * DAY + i).toISOString(), details: { i } }));
    assert.equal((await call('POST', '/v1/events', old)).status, 201);
    const page = await openRetention();
    const purges = card(page, 'Purges');
    await purges.getByText('none yet').waitFor();
    await purges.getByRole('button', { name: 'Count expired events' }).click();
    await purges.getByRole('status').filter({ hasText: '12 events older than the window.' }).waitFor();
    await purges.getByRole('button', { name: 'Purge now' }).click();
    const purged = purges.locator('dd').filter({ hasText: /^12$/ });
    await purged.waitFor();
    assert.match(await purges.textContent() ?? '', /Space freed\d+(\.\d)? (B|KB)/);
    assert.match(await purges.textContent() ?? '', /Next purge\d{4}-\d\d-\d\d/);
    await page.context().close();
  });

  it('sets redacted paths and computes the HMAC of a known value', async () => {
    const page = await openRetention();
    const redaction = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Redacted paths' }) });
    await redaction.getByLabel('Paths, one per line').fill('details.password\ncontext.ip');
    await redaction.getByRole('button', { name: 'Save paths' }).click();
    await redaction.getByRole('status').filter({ hasText: 'Redacted paths saved.' }).waitFor();
    assert.deepEqual((await (await call('GET', '/v1/redaction')).json()).paths, ['details.password', 'context.ip']);
    assert.equal((await call('POST', '/v1/events', [{ id: 'pw-1', action: 'user.password_set', details: { password: 'hunter2' } }])).status, 201);
    await redaction.getByLabel('Value to look up').fill('hunter2');
    await redaction.getByRole('button', { name: 'Compute HMAC' }).click();
    const shown = redaction.locator('code').filter({ hasText: /^hmac-sha256:[0-9a-f]{64}$/ });
    await shown.waitFor();
    const stored = await (await call('GET', '/v1/events/pw-1')).json();
    assert.equal(stored.details.password, await shown.textContent());
    await page.context().close();
  });

  it('shows a deleted event in the audit log as deleted, with who and why', async () => {
    assert.equal((await call('POST', '/v1/events', [{ id: 'to-delete', action: 'document.viewed', occurred_at: new Date(Date.now() - 1000).toISOString(), details: { doc: 'secret' } }])).status, 201);
    assert.equal((await call('DELETE', '/v1/events/to-delete', { reason: 'Customer request 42' })).status, 204);
    const page = await signIn(browser, server.url, USERS.admin, PASSWORD);
    await settled(page);
    const row = page.locator('tr[data-event-id="to-delete"]');
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /deleted.*deleted by instance_admin: Customer request 42/);
    await page.context().close();
  });
});
