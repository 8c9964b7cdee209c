// How Stele scales with the size of the log (issue 22): one realistic multi-tenant data set
// (bench/lib/generate.ts) grown in steps — 100k, 300k, 1M, 3M, 10M events in the database, up to
// --scale-max — and at each step, on its largest tenant (about a third of the events):
// - ingest: the rate of that step's appends through the store port (the ingest path minus HTTP),
//   next to the bare driver insert of the same rows measured at the same size (bench/ingest-bench.ts's raw limit);
// - filtered first pages, verification and proofs (bench/read-bench.ts, each with its raw limit);
// - exports over HTTP (bench/export-bench.ts, next to the bare CSV read).
// The figures go to bench/results/scale.json, a table in the README and a plot
// (bench/results/scale.png, drawn by bench/lib/plot.ts).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey } from '../src/checkpoints/signing-key.js';
import { openTestStore, type Engine } from '../src/store/testing/test-stores.js';
import { runExportBench } from './export-bench.js';
import { bareInsert, rowsFor } from './ingest-bench.js';
import { createDataSet } from './lib/generate.js';
import { runReadBench } from './read-bench.js';
import { ratio } from './lib/stats.js';

type Log = (line: string) => void;

/** The steps: 100k, 300k, 1M, 3M, 10M, ... up to and including `max`. */
export function scaleSteps(max: number): number[] {
  const steps: number[] = [];
  for (let decade = 100_000; decade <= max; decade *= 10) {
    steps.push(decade);
    if (decade * 3 <= max) steps.push(decade * 3);
  }
  if (steps.at(-1) !== max) steps.push(max);
  return steps;
}

export async function runScaleBench(opts: { engines: Engine[]; max: number; log: Log }) {
  const results = [];
  for (const engine of opts.engines) {
    const db = await openTestStore(engine);
    try {
      const endMs = Date.now();
      const data = createDataSet({ plannedEvents: opts.max, endMs });
      const signingKey = loadSigningKey({ configuredFile: undefined, dataDir: mkdtempSync(join(tmpdir(), 'stele-bench-key-')), name: 'stele-bench' });
      const steps = [];
      for (const total of scaleSteps(opts.max)) {
        opts.log(`scale on ${engine}: growing the data set to ${total} events`);
        const ingest = await data.growTo(db.store, total, opts.log);
        // The raw limit at this size: 20,000 rows of a tenant of their own through the driver into
        // the same table and indexes, 1,000 per transaction.
        const bareTenant = `bare-${total}`;
        await db.store.createTenant({ id: bareTenant, name: bareTenant, created_at: new Date(endMs).toISOString() });
        const bare = await bareInsert(db, rowsFor(20_000, bareTenant));
        opts.log(`  appended ${ingest.per_second}/s through the store port; bare driver insert ${bare.per_second}/s at this size`);
        await db.raw(engine === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE');
        if (engine === 'postgres') await db.raw('CHECKPOINT');
        const tenant = data.tenantIds[0]!;
        const events = data.counts.get(tenant)!;
        opts.log(`  measuring on tenant ${tenant} (${events} events)`);
        const read = await runReadBench(db, tenant, events, signingKey, endMs, opts.log);
        const exported = await runExportBench(db, tenant, opts.log);
        steps.push({ total_events: total, tenant_events: events, ingest: { ...ingest, bare_insert: bare, ratio_to_bare: ratio(ingest.per_second, bare.per_second) }, read, export: exported });
      }
      results.push({ engine, tenants: data.tenantIds.length, steps });
    } finally {
      await db.close();
    }
  }
  return { max: opts.max, results };
}
