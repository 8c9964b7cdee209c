// Time to the first rendered page of the audit log with N events in the store (issue 7's
// benchmark: target ≤ 1 s with 1,000,000 events). Seeds a SQLite store through the ingest
// service (sealed, as in production), signs in with headless Chromium, then times a reload of
// the audit log until the first row is on screen. Usage:
//   npx tsx bench/dashboard-first-page.ts [events=1000000]

import { testSigningKey } from '../test/helpers/signing-key.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/api/app.js';
import { DEFAULT_LIMITS, loadConfig } from '../src/config.js';
import { createIngestService } from '../src/ingest/ingest-service.js';
import { sealEvents } from '@stele/integrity';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { hashPassword } from '../src/dashboard/password-hash.js';
import { createUserRepository } from '../src/dashboard/user-repository.js';
import { ensureUiBuilt, launchChromium } from '../test/browser/chromium.js';

const total = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'stele-bench-ui-'));
const store = openSqliteStore({ file: join(dir, 'stele.db') });
await store.migrate();
const tenantId = 'bench-tenant';
await store.createTenant({ id: tenantId, name: 'Bench', created_at: new Date().toISOString() });
const ingest = createIngestService({ store, limits: DEFAULT_LIMITS, seal: sealEvents });

const ACTIONS = ['user.login_succeeded', 'login.failed', 'member.role_changed', 'document.viewed', 'api_key.created', 'file.downloaded'];
const seedStart = Date.now();
const span = 30 * 24 * 3600_000;
for (let done = 0; done < total; done += 1000) {
  const n = Math.min(1000, total - done);
  await ingest.record(tenantId, Array.from({ length: n }, (_, k) => {
    const i = done + k;
    return {
      action: ACTIONS[i % ACTIONS.length]!,
      occurred_at: new Date(seedStart - span + Math.floor((i / total) * span)).toISOString(),
      actor: { id: `user_${i % 5000}`, email: `user${i % 5000}@bench.test` },
      target: { type: 'document', id: `doc_${i % 20000}` },
      context: { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      success: i % 17 !== 0,
    };
  }));
  if ((done / 1000) % 100 === 0) process.stderr.write(`\rseeded ${done + n} / ${total}`);
}
process.stderr.write(`\rseeded ${total} events in ${((Date.now() - seedStart) / 1000).toFixed(1)} s\n`);

await createUserRepository(store).insert({ email: 'bench@bench.test', tenant_id: tenantId, role: 'viewer', password: await hashPassword('bench password') });
ensureUiBuilt();
const { app } = await buildApp({ config: loadConfig({ STELE_ADMIN_TOKEN: 'bench_admin_token_0123456789abcdef', STELE_DATA_DIR: dir }), store, signingKey: testSigningKey() });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
// Stamps the moment the first row is in the DOM, measured by the page's own clock from the
// start of navigation, so the figure does not include the driver's polling.
await page.addInitScript(() => {
  new MutationObserver((_records, observer) => {
    if (document.querySelector('table.events tbody tr.row')) {
      (window as unknown as { firstRowMs: number }).firstRowMs = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
});
await page.goto(`${url}/`);
await page.getByLabel('Email').fill('bench@bench.test');
await page.getByLabel('Password').fill('bench password');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.locator('table.events tbody tr.row').first().waitFor({ timeout: 60_000 });

const samples: number[] = [];
for (let run = 0; run < 5; run++) {
  await page.goto(`${url}/`);
  await page.locator('table.events tbody tr.row').first().waitFor({ timeout: 60_000 });
  samples.push(Math.round(await page.evaluate(() => (window as unknown as { firstRowMs: number }).firstRowMs)));
  // Let the event-type picker's request finish, so runs do not queue behind each other.
  await page.waitForLoadState('networkidle');
}
samples.sort((a, b) => a - b);
console.log(JSON.stringify({ events: total, first_page_ms: { median: samples[2], min: samples[0], max: samples[4] } }));
await browser.close();
await app.close();
await store.close();
