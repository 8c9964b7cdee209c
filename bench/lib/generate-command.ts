// `npm run bench -- --generate N`: the realistic data set (generate.ts) written into the store the
// server is configured for, as `npm start` would open it (STELE_DATABASE_URL, or SQLite in
// STELE_DATA_DIR, default ./data), so the dashboard, the CLI and the API can be tried on a large log.

import { loadConfig } from '../../src/config.js';
import { describeStore, openStore } from '../../src/store/open-store.js';
import { createDataSet } from './generate.js';

export async function generateIntoConfiguredStore(events: number, log: (line: string) => void): Promise<void> {
  if (!Number.isInteger(events) || events <= 0) throw new Error('--generate needs a number of events, e.g. --generate 1000000');
  const config = loadConfig();
  const store = openStore(config);
  try {
    await store.migrate();
    const data = createDataSet({ plannedEvents: events, endMs: Date.now() });
    const taken = (await Promise.all(data.tenantIds.map((id) => store.getTenant(id)))).filter(Boolean);
    if (taken.length > 0) throw new Error(`${describeStore(config)} already holds the generated tenants (${data.tenantIds[0]}, ...): point STELE_DATA_DIR or STELE_DATABASE_URL at a fresh store`);
    log(`generating ${events} events in ${data.tenantIds.length} tenants into ${describeStore(config)}`);
    const step = await data.growTo(store, events, log);
    log(`done: ${step.events} events in ${step.seconds} s (${step.per_second}/s); by tenant: ${[...data.counts].map(([id, n]) => `${id} ${n}`).join(', ')}`);
  } finally {
    await store.close();
  }
}
