// Just the export benchmark: seed N events (default 200,000) on each engine and run
// runExportBench. `npx tsx bench/export-only.ts --events 200000 --engines sqlite,postgres`
import type { Engine } from '../src/store/testing/test-stores.js';
import { runExportBench } from './export-bench.js';
import { arg, log } from './lib/cli.js';
import { BENCH_TENANT, withSeededStore } from './lib/seeded-store.js';

const events = Number(arg('events') ?? 200_000);
const engines = (arg('engines')?.split(',') ?? ['sqlite', 'postgres']) as Engine[];

for (const engine of engines) {
  await withSeededStore(engine, events, log, ({ db }) => runExportBench(db, BENCH_TENANT, log));
}
