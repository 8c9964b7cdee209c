// Just verification and proofs: seed N events (default 200,000) on each engine, then run the
// read benchmark's verification and proof measurements.
// `npx tsx bench/verify-only.ts --events 200000 --engines sqlite,postgres`
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCheckpointService } from '../src/checkpoints/checkpoint-service.js';
import { loadSigningKey } from '../src/checkpoints/signing-key.js';
import { openTestStore, type Engine } from '../src/store/testing/test-stores.js';
import { createProofService } from '../src/verification/proof-service.js';
import { createVerificationService } from '../src/verification/verification-service.js';
import { bareReadAndHash, EVENT_COLUMNS } from './read-bench.js';
import { latency, rate } from './lib/stats.js';
import { seed } from './lib/seed.js';
import { arg, log } from './lib/cli.js';

const events = Number(arg('events') ?? 200_000);
const engines = (arg('engines')?.split(',') ?? ['sqlite', 'postgres']) as Engine[];

for (const engine of engines) {
  log(`${engine}: seeding ${events} events`);
  const db = await openTestStore(engine);
  try {
    const endMs = Date.now();
    const now = () => endMs;
    await db.store.createTenant({ id: 'bench', name: 'bench', created_at: new Date().toISOString() });
    await seed(db.store, 'bench', events, endMs, () => {});
    await db.raw('ANALYZE');
    const key = loadSigningKey({ configuredFile: undefined, dataDir: mkdtempSync(join(tmpdir(), 'stele-bench-key-')), name: 'stele-bench' });
    const checkpoints = createCheckpointService({ store: db.store, key, everyEvents: 1_000_000_000, everySeconds: 3600, now });
    await checkpoints.checkpoint('bench');
    const verification = createVerificationService({ store: db.store, key, now });
    for (let run = 0; run < 3; run++) {
      let failures = 0;
      const verify = await rate(async () => {
        const result = await verification.verify('bench', {});
        failures = result.failures.length;
        return result.checked;
      });
      log(`  verification: ${verify.per_second} events/s over ${verify.count} (${failures} failures)`);
    }
    log(`  bare read + one hash per row: ${(await rate(() => bareReadAndHash(db, 'bench', EVENT_COLUMNS))).per_second}/s`);
    const proofs = createProofService({ store: db.store, checkpoints });
    let i = 0;
    const inclusion = await latency(200, () => proofs.inclusionProof('bench', `evt-${(i++ * 7919) % events}`, events));
    let j = 1;
    const consistency = await latency(200, () => proofs.consistencyProof('bench', 1 + ((j++ * 104_729) % (events - 1)), events));
    log(`  inclusion proof p50 ${inclusion.p50_ms} ms p99 ${inclusion.p99_ms} ms; consistency p50 ${consistency.p50_ms} ms p99 ${consistency.p99_ms} ms`);
  } finally {
    await db.close();
  }
}
