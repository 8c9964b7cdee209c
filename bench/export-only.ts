// Just the export benchmark: seed N events (default 200,000) on each engine and run
// runExportBench. `npx tsx bench/export-only.ts --events 200000 --engines sqlite,postgres`
import { openTestStore, type Engine } from '../src/store/testing/test-stores.js';
import { createTenantService } from '../src/tenants/tenant-service.js';
import { runExportBench } from './export-bench.js';
import { seed } from './lib/seed.js';
import { arg, log } from './lib/cli.js';

const events = Number(arg('events') ?? 200_000);
const engines = (arg('engines')?.split(',') ?? ['sqlite', 'postgres']) as Engine[];

for (const engine of engines) {
  log(`${engine}: seeding ${events} events`);
  const db = await openTestStore(engine);
  try {
    await db.store.createTenant({ id: 'bench', name: 'bench', created_at: new Date().toISOString() });
    await seed(db.store, 'bench', events, Date.now(), () => {});
    const { key } = await createTenantService({ store: db.store }).createKey('bench', 'bench', ['audit:export']);
    await runExportBench(db, 'bench', key, { STELE_ADMIN_TOKEN: 'stele_admin_bench_token_0123456789' }, log);
  } finally {
    await db.close();
  }
}
