// The store every read, integrity and export benchmark runs on: a fresh store of one engine with
// the synthetic log seeded into tenant 'bench', planner statistics gathered, and a signing key.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey, type SigningKey } from '../../src/checkpoints/signing-key.js';
import { openTestStore, type Engine, type TestStore } from '../../src/store/testing/test-stores.js';
import { seed } from './seed.js';

export const BENCH_TENANT = 'bench';

export interface SeededStore {
  db: TestStore;
  /** The time the seeded log ends at; benchmarks pin "now" to it. */
  endMs: number;
  signingKey: SigningKey;
}

/** Opens and seeds a store, runs `work` on it and closes it, whatever happens. */
export async function withSeededStore<T>(engine: Engine, events: number, log: (line: string) => void, work: (store: SeededStore) => Promise<T>): Promise<T> {
  log(`seeding ${events} events on ${engine}`);
  const db = await openTestStore(engine);
  try {
    const endMs = Date.now();
    await db.store.createTenant({ id: BENCH_TENANT, name: BENCH_TENANT, created_at: new Date(endMs).toISOString() });
    await seed(db.store, BENCH_TENANT, events, endMs, log);
    // What autovacuum would do after a million inserts in production (it is off on the test
    // server): planner statistics, and on PostgreSQL a vacuum, which sets the rows' hint bits.
    // Without it the first full read after seeding (verification's) sets them itself, writing
    // every page it reads. Then PostgreSQL's checkpoint, which would otherwise write the
    // seeding's pages out during the measurements that follow, as it would long before anyone
    // asked a live log for a proof.
    await db.raw(engine === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE');
    if (engine === 'postgres') await db.raw('CHECKPOINT');
    const signingKey = loadSigningKey({ configuredFile: undefined, dataDir: mkdtempSync(join(tmpdir(), 'stele-bench-key-')), name: 'stele-bench' });
    return await work({ db, endMs, signingKey });
  } finally {
    await db.close();
  }
}
