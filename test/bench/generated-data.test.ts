// The benchmark data generator (bench/lib/generate.ts, `npm run bench -- --generate N`): what it
// writes is a real log (every tenant verifies), shaped as a real one (skewed tenants and actors,
// the seed taxonomies' actions, 90 days in time order), and the same whether grown in one go or
// in steps, which the scale benchmark relies on.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createDataSet } from '../../bench/lib/generate.js';
import { loadSigningKey } from '../../src/checkpoints/signing-key.js';
import { SEED_ACTION_CATEGORIES } from '../../src/domain/seed-taxonomy.js';
import type { StoredEvent } from '../../src/domain/event.js';
import { sql } from '../../src/sql/fragments.js';
import { ENGINES, openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { createVerificationService } from '../../src/verification/verification-service.js';

const DAY = 86_400_000;
const END = Date.parse('2026-11-30T00:00:00Z');
const TOTAL = 6_000;

async function eventsOf(db: TestStore, tenantId: string): Promise<StoredEvent[]> {
  return db.store.findEvents(tenantId, { where: sql('1 = 1'), order: { key: 'seq', direction: 'asc' }, limit: TOTAL });
}

for (const engine of ENGINES) {
  describe(`the benchmark data set on ${engine.name}`, { skip: engine.skip }, () => {
    let db: TestStore;
    let stepped: TestStore;
    const data = createDataSet({ plannedEvents: TOTAL, endMs: END });
    before(async () => {
      db = await openTestStore(engine.name);
      await data.growTo(db.store, TOTAL);
      stepped = await openTestStore(engine.name);
      const again = createDataSet({ plannedEvents: TOTAL, endMs: END });
      for (const step of [1_000, 2_500, TOTAL]) await again.growTo(stepped.store, step);
    });
    after(async () => {
      await db?.close();
      await stepped?.close();
    });

    it('holds every event it counted, in tenants of very different sizes', async () => {
      const sizes = await Promise.all(data.tenantIds.map(async (id) => (await eventsOf(db, id)).length));
      assert.equal(sizes.reduce((a, b) => a + b, 0), TOTAL);
      assert.deepEqual(sizes, data.tenantIds.map((id) => data.counts.get(id)));
      const largest = Math.max(...sizes);
      assert.ok(largest > TOTAL / 5, `the largest tenant holds ${largest} of ${TOTAL}`);
      assert.ok(largest > 5 * Math.min(...sizes), `sizes ${sizes.join(', ')}`);
    });

    it('writes a log that verifies, tenant by tenant', async () => {
      const key = loadSigningKey({ configuredFile: undefined, dataDir: mkdtempSync(join(tmpdir(), 'stele-gen-key-')), name: 'gen' });
      const verification = createVerificationService({ store: db.store, key, now: () => END });
      for (const tenantId of data.tenantIds) {
        const result = await verification.verify(tenantId, {});
        assert.equal(result.failures.length, 0, `${tenantId}: ${JSON.stringify(result.failures.slice(0, 2))}`);
        assert.equal(result.checked, data.counts.get(tenantId));
      }
    });

    it('spreads 90 days in time order, with the seed actions in a product\'s mix and a few very active people', async () => {
      const events = await eventsOf(db, data.tenantIds[0]!);
      const times = events.map((e) => Date.parse(e.occurred_at));
      assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), 'occurred_at never goes back along seq');
      assert.ok(times[0]! < END - 85 * DAY && times.at(-1)! > END - 2 * DAY && times.at(-1)! <= END);
      const byAction = new Map<string, number>();
      for (const e of events) byAction.set(e.action, (byAction.get(e.action) ?? 0) + 1);
      assert.ok([...byAction.keys()].every((a) => a in SEED_ACTION_CATEGORIES), 'only seed taxonomy actions');
      const ranked = [...byAction].sort((a, b) => b[1] - a[1]).map(([a]) => a);
      assert.ok(ranked.slice(0, 4).includes('login.succeeded'), `most common: ${ranked.slice(0, 5).join(', ')}`);
      assert.ok((byAction.get('member.role_changed') ?? 0) < events.length / 100, 'role changes are rare');
      const byActor = new Map<string, number>();
      for (const e of events) byActor.set(e.actor!.id!, (byActor.get(e.actor!.id!) ?? 0) + 1);
      const counts = [...byActor.values()].sort((a, b) => b - a);
      const top = counts.slice(0, Math.ceil(counts.length / 20)).reduce((a, b) => a + b, 0);
      assert.ok(top > events.length / 5, `the busiest 5% of actors did ${top} of ${events.length}`);
      const roleChange = events.find((e) => e.action === 'member.role_changed');
      if (roleChange) assert.ok(roleChange.details?.from_role && roleChange.details?.to_role);
    });

    it('is the same data set whether grown in one go or in steps', async () => {
      for (const tenantId of data.tenantIds.slice(0, 3)) {
        const one = await eventsOf(db, tenantId);
        const steps = await eventsOf(stepped, tenantId);
        assert.deepEqual(steps.map((e) => [e.id, e.action, e.actor?.id, e.occurred_at]), one.map((e) => [e.id, e.action, e.actor?.id, e.occurred_at]));
      }
    });
  });
}

describe('npm run bench -- --generate N', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stele-generate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the data set into the configured data directory, and refuses to write it twice', () => {
    const run = () => spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--generate', '3000'], {
      cwd: new URL('../..', import.meta.url).pathname, env: { ...process.env, STELE_DATA_DIR: dir, STELE_DATABASE_URL: '' }, encoding: 'utf8',
    });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /done: 3000 events/);
    const second = run();
    assert.notEqual(second.status, 0);
    assert.match(second.stderr, /already holds the generated tenants/);
  });
});
