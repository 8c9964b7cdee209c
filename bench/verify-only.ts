// Just verification and proofs: seed N events (default 200,000) on each engine, then run the
// read benchmark's integrity measurements.
// `npx tsx bench/verify-only.ts --events 200000 --engines sqlite,postgres`
import type { Engine } from '../src/store/testing/test-stores.js';
import { arg, log } from './lib/cli.js';
import { BENCH_TENANT, withSeededStore } from './lib/seeded-store.js';
import { runIntegrityBench } from './read-bench.js';

const events = Number(arg('events') ?? 200_000);
const engines = (arg('engines')?.split(',') ?? ['sqlite', 'postgres']) as Engine[];

for (const engine of engines) {
  await withSeededStore(engine, events, log, ({ db, endMs, signingKey }) => runIntegrityBench(db, BENCH_TENANT, events, signingKey, endMs, log));
}
