// The Streams page in real headless Chromium: create a webhook (its secret shown once) and a
// Splunk stream with their own fields, test the connection and see the receiver's answer, pause,
// resume, replay, and a failing stream announced on every page.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { BROWSER_SKIP, SCREENSHOTS, ensureUiBuilt, launchChromium } from './chromium.js';
import { signIn } from './page-helpers.js';
import { ADMIN_TOKEN, PASSWORD, USERS, startSeededServer, type SeededServer } from './seeded-server.js';
import { startHttpReceiver, waitFor, type HttpReceiver } from '../streams/http-receiver.js';
import { webhookReceiver } from '../streams/vendor-receivers.js';

describe('the Streams page in a real browser', { skip: BROWSER_SKIP }, () => {
  let server: SeededServer;
  let browser: Browser;
  let receiver: HttpReceiver;
  let secret: string | undefined;

  before(async () => {
    ensureUiBuilt();
    server = await startSeededServer({ env: { STELE_STREAM_FAILING_AFTER_SECONDS: '0', STELE_STREAM_RETRY_MAX_SECONDS: '1' } });
    receiver = await startHttpReceiver((r) => webhookReceiver.check(r, secret), () => ({ status: 200, body: '{"received":true}' }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.close();
  });

  const ingest = (events: object[]) =>
    fetch(`${server.url}/v1/events?tenant_id=${server.tenantA}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(events) });
  const card = (page: Page, name: string) => page.locator('article.stream').filter({ has: page.getByRole('heading', { name: new RegExp(`^${name}`) }) });

  async function openStreams(): Promise<Page> {
    const page = await signIn(browser, server.url, USERS.admin, PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Streams' }).click();
    await page.getByRole('heading', { name: 'Streams', level: 1 }).waitFor();
    return page;
  }

  it('creates a webhook stream, shows its secret once, tests the connection and shows the answer', async () => {
    const page = await openStreams();
    await page.getByLabel('Name', { exact: true }).fill('SIEM webhook');
    await page.getByLabel('Destination').selectOption('webhook');
    await page.getByLabel('URL').fill(`${receiver.url}/hooks/audit`);
    await page.getByLabel('Actions').fill('doc.*');
    await page.getByRole('button', { name: 'Create stream' }).click();
    const shown = page.getByLabel('Webhook signing secret');
    await shown.waitFor();
    secret = await shown.inputValue();
    assert.match(secret, /^whsec_/);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    assert.equal(await page.getByLabel('Webhook signing secret').count(), 0);

    const stream = card(page, 'SIEM webhook');
    await stream.getByText('active').waitFor();
    await stream.getByRole('button', { name: 'Test connection' }).click();
    const result = stream.getByRole('status').filter({ hasText: 'accepted' });
    await result.waitFor();
    assert.match(await result.textContent() ?? '', /The receiver accepted the test event \(HTTP 200\) in [\d.]+ ms/);
    assert.match(await result.textContent() ?? '', /"received":true/);
    assert.deepEqual(receiver.violations, []);
    assert.equal((await page.content()).includes(secret), false, 'the secret is gone from the page');
    await page.context().close();
  });

  it('pauses, resumes and replays, showing the cursor and what was delivered', async () => {
    const page = await openStreams();
    const stream = card(page, 'SIEM webhook');
    assert.equal((await ingest([{ action: 'doc.viewed' }, { action: 'doc.viewed' }])).status, 201);
    await waitFor('delivery', () => (receiver.requests.filter((r) => JSON.parse(r.body).events[0].action === 'doc.viewed').length > 0 ? true : undefined));
    await page.reload();
    await stream.getByText(/^2$/).first().waitFor(); // Delivered
    await stream.getByRole('button', { name: 'Pause' }).click();
    await stream.getByText('paused').waitFor();
    await stream.getByRole('button', { name: 'Resume' }).click();
    await stream.getByText('active').waitFor();
    const before = receiver.requests.length;
    await stream.getByRole('button', { name: 'Replay…' }).click();
    await stream.getByLabel('Send again from seq').fill('1');
    await stream.getByRole('button', { name: 'Replay', exact: true }).click();
    await waitFor('the replay', () => (receiver.requests.length > before ? true : undefined));
    await page.screenshot({ path: `${SCREENSHOTS}/streams-1280.png`, fullPage: true });
    await page.context().close();
  });

  it('creates a Splunk stream with its own fields; once it fails, every page says so', async () => {
    const closed = await startHttpReceiver(() => [], () => ({ status: 200 }));
    await closed.close(); // its port now refuses connections
    const page = await openStreams();
    await page.getByLabel('Name', { exact: true }).fill('Splunk prod');
    await page.getByLabel('Destination').selectOption('splunk_hec');
    assert.equal(await page.getByLabel('URL', { exact: true }).count(), 0, 'the webhook\'s fields are gone');
    await page.getByLabel('HEC URL').fill(closed.url);
    await page.getByLabel('HEC token').fill('12345678-1234-1234-1234-123456789012');
    await page.getByLabel('Index (optional)').fill('audit');
    await page.getByLabel('Format').selectOption('cef');
    await page.getByRole('button', { name: 'Create stream' }).click();
    const stream = card(page, 'Splunk prod');
    await stream.waitFor();
    assert.ok((await stream.textContent() ?? '').includes(`splunk_hec · ${closed.url}/services/collector/event`));
    await stream.getByRole('button', { name: 'Test connection' }).click();
    await stream.getByRole('status').filter({ hasText: 'not accepted' }).waitFor();
    assert.match(await stream.textContent() ?? '', /ECONNREFUSED/);

    assert.equal((await ingest([{ action: 'anything.happened' }])).status, 201);
    await waitFor('the stream to be failing', async () => {
      const streams = (await (await fetch(`${server.url}/v1/streams?tenant_id=${server.tenantA}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()).streams as { name: string; state: string }[];
      return streams.find((s) => s.name === 'Splunk prod')?.state === 'failing' ? true : undefined;
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.reload();
    const alert = page.getByRole('alert').filter({ hasText: 'not delivering' });
    await alert.waitFor();
    assert.match(await alert.textContent() ?? '', /1 stream is not delivering: Splunk prod \(failing since/);
    await alert.getByRole('link', { name: 'See streams' }).click();
    await card(page, 'Splunk prod').getByText('failing').waitFor();
    assert.match(await card(page, 'Splunk prod').textContent() ?? '', /Last error.*ECONNREFUSED/);
    await page.context().close();
  });

  it('is not offered to a viewer, whose role lacks streams:manage', async () => {
    const page = await signIn(browser, server.url, USERS.viewer, PASSWORD);
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Streams' }).count(), 0);
    assert.equal(await page.getByRole('alert').filter({ hasText: 'not delivering' }).count(), 0);
    await page.context().close();
  });
});
