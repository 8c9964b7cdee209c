// The embeddable viewer in real headless Chromium: a third-party page loads /embed.js, whose
// <stele-viewer> frames /embed with a viewer token, and sees that tenant's events only.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import { BROWSER_SKIP, SCREENSHOTS, ensureUiBuilt, launchChromium } from './chromium.js';
import { signIn } from './page-helpers.js';
import { PASSWORD, USERS, startSeededServer, type SeededServer } from './seeded-server.js';

describe('embeddable viewer in a real browser', { skip: BROWSER_SKIP }, () => {
  let server: SeededServer;
  let browser: Browser;
  let host: Server;
  let hostUrl: string;
  let hostPage = '';

  before(async () => {
    ensureUiBuilt();
    server = await startSeededServer();
    browser = await launchChromium();
    // The "SaaS" page that embeds the viewer, on another origin (another port).
    host = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(hostPage));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    host?.close();
  });

  async function embed(token: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; frame: Frame }> {
    hostPage = `<!doctype html><title>Customer portal</title><h1>Your organisation's activity</h1>
      <script src="${server.url}/embed.js" defer></script>
      <stele-viewer token="${token}" height="640px"></stele-viewer>`;
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(hostUrl);
    const frameElement = await page.locator('stele-viewer iframe').elementHandle({ timeout: 10_000 });
    const frame = (await frameElement!.contentFrame())!;
    await frame.locator('table.events tbody tr.row, .status').first().waitFor();
    return { page, frame };
  }

  const actionsIn = (frame: Frame) => frame.locator('table.events tbody tr.row td:nth-child(4)').allTextContents();

  it('shows the token\'s tenant and nothing of another tenant', async () => {
    const { page, frame } = await embed(await server.viewerToken(server.tenantB));
    const actions = await actionsIn(frame);
    // Globex's three events, and what Globex's log records of itself: its creation and the minting of this token.
    assert.deepEqual(actions.filter((a) => a === 'globex.secret_opened').length, 3);
    assert.deepEqual([...new Set(actions)].sort(), ['globex.secret_opened', 'tenant.created', 'viewer_token.created']);
    assert.equal(await frame.getByRole('navigation', { name: 'Main' }).count(), 0, 'no dashboard navigation');
    await page.screenshot({ path: `${SCREENSHOTS}/embedded-viewer-1280.png` });
  });

  it('keeps the token\'s pre-filter even when the viewer asks for more', async () => {
    const token = await server.viewerToken(server.tenantA, { action: ['login.failed'] });
    const { frame } = await embed(token);
    assert.deepEqual([...new Set(await actionsIn(frame))], ['login.failed']);
    // Straight at the API, asking for other actions and the other tenant.
    const response = await fetch(`${server.url}/v1/events?action=member.role_changed&tenant_id=${server.tenantB}`, { headers: { authorization: `Bearer ${token}` } });
    const events = (await response.json()).events as { action: string; tenant_id: string }[];
    assert.ok(events.length > 0);
    assert.ok(events.every((e) => e.action === 'login.failed' && e.tenant_id === server.tenantA));
  });

  it('is read-only: a viewer token reaches no other endpoint', async () => {
    const token = await server.viewerToken(server.tenantA);
    const auth = { authorization: `Bearer ${token}` };
    const calls = [
      fetch(`${server.url}/v1/tenants/${server.tenantA}/keys`, { headers: auth }),
      fetch(`${server.url}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"action":"x"}' }),
      fetch(`${server.url}/v1/events/export?format=csv`, { headers: auth }),
      fetch(`${server.url}/v1/viewer-tokens`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' }),
    ];
    assert.deepEqual((await Promise.all(calls)).map((r) => r.status), [403, 403, 403, 403]);
  });

  it('may be framed, while the dashboard may not', async () => {
    const embedResponse = await fetch(`${server.url}/embed`);
    assert.match(embedResponse.headers.get('content-security-policy') ?? '', /frame-ancestors \*/);
    assert.equal(embedResponse.headers.get('x-frame-options'), null);
    const dashboard = await fetch(`${server.url}/`);
    assert.equal(dashboard.headers.get('x-frame-options'), 'DENY');
    assert.match(dashboard.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);

    // And Chromium enforces it: a framed dashboard renders nothing.
    hostPage = `<!doctype html><iframe src="${server.url}/" title="dashboard"></iframe>`;
    const page = await (await browser.newContext()).newPage();
    await page.goto(hostUrl);
    await page.waitForTimeout(500);
    const framed = page.frames().find((f) => f !== page.mainFrame());
    const text = framed ? await framed.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
    assert.doesNotMatch(text, /Sign in to Stele/);
  });

  it('tells the reader what to do when the token has expired or is wrong', async () => {
    const { frame } = await embed('stv_bogus.token');
    const alert = frame.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent() ?? '', /ask the site that embeds this viewer for a new one/);
  });

  it('stops the viewer at once when an org admin revokes its token on the Embed viewer page', async () => {
    const token = await server.viewerToken(server.tenantA, { action: ['revoke.me'] });
    const { frame } = await embed(token);
    assert.equal(await frame.getByRole('alert').count(), 0);

    const page = await signIn(browser, server.url, USERS.admin, PASSWORD);
    await page.getByRole('link', { name: 'Embed viewer' }).click();
    const row = page.getByRole('row').filter({ hasText: 'action: revoke.me' });
    await row.waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: /^Revoke/ }).click();
    await row.waitFor({ state: 'detached' });

    const again = await embed(token);
    const alert = again.frame.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent() ?? '', /invalid, expired or revoked/);
  });
});
