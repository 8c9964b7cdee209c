// The Alerts page in real headless Chromium: a rule from a template with a webhook (its secret
// shown once), one from the audit log's current search, one pasted as Sigma; events that fire
// them; the open count in the navigation; the notification's state; "Show the events" opening the
// matching events; acknowledge and resolve; disable and edit a rule.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { BROWSER_SKIP, SCREENSHOTS, ensureUiBuilt, launchChromium } from './chromium.js';
import { signIn } from './page-helpers.js';
import { ADMIN_TOKEN, PASSWORD, USERS, startSeededServer, type SeededServer } from './seeded-server.js';
import { startHttpReceiver, waitFor, type HttpReceiver } from '../streams/http-receiver.js';

describe('the Alerts page in a real browser', { skip: BROWSER_SKIP }, () => {
  let server: SeededServer;
  let browser: Browser;
  let receiver: HttpReceiver;

  before(async () => {
    ensureUiBuilt();
    server = await startSeededServer();
    receiver = await startHttpReceiver(() => [], () => ({ status: 200 }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.close();
  });

  const ingest = async (events: object[]) => {
    const response = await fetch(`${server.url}/v1/events?tenant_id=${server.tenantA}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(events) });
    assert.equal(response.status, 201);
  };
  const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
  const alertCard = (page: Page, name: string) => page.locator('article.alert').filter({ has: page.getByRole('heading', { name: new RegExp(`^${name}`) }) });

  async function openAlerts(): Promise<Page> {
    const page = await signIn(browser, server.url, USERS.admin, PASSWORD);
    await nav(page).getByRole('link', { name: /^Alerts/ }).click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    return page;
  }

  it('creates a rule from a template with a webhook, fires it, and shows it open with its notification sent', async () => {
    const page = await openAlerts();
    await page.getByRole('button', { name: 'From a template' }).click();
    await page.getByLabel('Template').selectOption('privilege_escalation');
    await page.getByText('Someone was given an admin or owner role.').waitFor();
    await page.getByLabel('Webhook URL').fill(`${receiver.url}/hooks/alerts`);
    await page.getByRole('button', { name: 'Create rule' }).click();
    const secret = page.getByLabel('Signing secret');
    await secret.waitFor();
    assert.match(await secret.inputValue(), /^whsec_/);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('row', { name: /Privilege escalation/ }).waitFor();

    await ingest([{ action: 'member.role_changed', actor: { id: 'mallory' }, target: { type: 'user', id: 'trent' }, details: { to_role: 'owner' } }]);
    await waitFor('the webhook', () => receiver.requests.length > 0 || undefined);
    await page.reload();
    const card = alertCard(page, 'Privilege escalation');
    await card.waitFor();
    await card.getByText('critical').waitFor();
    await card.getByText(/^sent$/).waitFor();
    await waitFor('the open count in the navigation', async () => ((await nav(page).locator('.nav-count').allTextContents()).join('') === '1') || undefined, 10_000).catch(async (error) => { throw new Error(`${(error as Error).message}: ${await nav(page).innerHTML()}`); });
    // Ten links, the open count and the user box stay on one line at 1280 px (a wrap moves every page).
    const rowOf = async (selector: string) => (await page.locator(selector).boundingBox())!;
    const [links, user] = [await rowOf('header.top nav ul'), await rowOf('header.top .user')];
    assert.ok(user.y < links.y + links.height && links.height < 50, `one line: nav ${JSON.stringify(links)}, user ${JSON.stringify(user)}`);
    await page.screenshot({ path: `${SCREENSHOTS}/alerts.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'only the rules table scrolls sideways at 390 px');
    await page.context().close();
  });

  it('opens the matching events, then acknowledges and resolves the alert; the count in the navigation follows', async () => {
    const page = await openAlerts();
    const card = alertCard(page, 'Privilege escalation');
    await card.getByRole('link', { name: 'Show the events' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    assert.match(decodeURIComponent(new URL(page.url()).search), /q=\(action:\*role\*/);
    await page.locator('table.events tbody tr.row').filter({ hasText: 'member.role_changed' }).first().waitFor();
    assert.equal(await page.locator('table.events tbody tr.row').count(), 1, 'only the event that fired it');

    await nav(page).getByRole('link', { name: /^Alerts/ }).click();
    await alertCard(page, 'Privilege escalation').getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('No open alerts.').waitFor();
    assert.equal(await nav(page).locator('.nav-count').count(), 0, 'no open alerts: no count');
    await page.getByRole('button', { name: /^acknowledged/ }).click();
    await alertCard(page, 'Privilege escalation').getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('No acknowledged alerts.').waitFor();
    await page.context().close();
  });

  it('creates a rule from the audit log\'s search and one from a pasted Sigma rule; disables and edits a rule', async () => {
    const page = await signIn(browser, server.url, USERS.admin, PASSWORD);
    await page.goto(`${server.url}/?q=${encodeURIComponent('action:login.failed')}`);
    await page.getByRole('link', { name: 'Alert on this search' }).click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Search query').inputValue(), 'action:login.failed');
    await page.getByLabel('Name', { exact: true }).fill('Failed logins');
    await page.getByLabel('N', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByRole('row', { name: /Failed logins/ }).getByText('3 or more within 10 min per actor.id').waitFor();

    await page.getByRole('button', { name: 'Paste a Sigma rule' }).click();
    await page.getByLabel(/Sigma rule/).fill('title: Token by a contractor\nlevel: medium\nlogsource: {product: stele}\ndetection:\n  sel:\n    action: token.created\n    actor.email|endswith: "@contractor.example"\n  condition: sel\n');
    await page.getByRole('button', { name: 'Import rule' }).click();
    const sigmaRow = page.getByRole('row', { name: /Token by a contractor \(Sigma\)/ });
    await sigmaRow.waitFor();
    await page.getByLabel(/Sigma rule/).fill('title: Bad\ndetection:\n  sel:\n    user.name|re: "^a"\n  condition: sel\n');
    await page.getByRole('button', { name: 'Import rule' }).click();
    await page.getByText(/\|re/).first().waitFor();

    await sigmaRow.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('row', { name: /Token by a contractor \(Sigma\) — disabled/ }).waitFor();
    await page.getByRole('row', { name: /Failed logins/ }).getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit Failed logins' });
    await form.getByLabel('Name', { exact: true }).fill('Failed logins (5)');
    await form.getByLabel('N', { exact: true }).fill('5');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('row', { name: /Failed logins \(5\)/ }).getByText('5 or more within 10 min').waitFor();
    await page.context().close();
  });
});
