// `stele retention run` and `stele verify` as subprocesses on the same local store as the server
// would use: a dry run changes nothing, a run purges and records it, and the offline verifier
// accepts the purged seqs its record explains and nothing else.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sealEvents } from '@stele/integrity';
import { sql } from '../../src/sql/fragments.js';
import { pendingEvent } from '../../src/store/testing/fixtures.js';
import { ENGINES, openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { runCliToEnd } from '../helpers/server-process.js';

const DAY = 86_400_000;

for (const engine of ENGINES) {
  describe(`stele retention on ${engine.name}`, { skip: engine.skip }, () => {
    let db: TestStore;
    let env: Record<string, string>;
    let dir: string;
    before(async () => {
      db = await openTestStore(engine.name);
      dir = mkdtempSync(join(tmpdir(), 'stele-cli-retention-'));
      env = {
        STELE_SECRETS_KEY_FILE: join(dir, 'none.key'),
        ...(db.location.sqliteFile
          ? { STELE_DATA_DIR: dirname(db.location.sqliteFile) }
          : { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! }),
      };
    });
    after(async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const all = (tenantId: string) => db.store.findEvents(tenantId, { where: sql('1 = 1'), order: { key: 'seq', direction: 'asc' }, limit: 1000 });

    it('purges on the local store, records it, and stele verify names the purged seqs', async () => {
      const tenantId = `t-${Date.now()}`;
      await db.store.createTenant({ id: tenantId, name: 'cli', created_at: new Date().toISOString() });
      const now = Date.now();
      await db.store.appendEvents(tenantId, [
        ...Array.from({ length: 4 }, (_, i) => pendingEvent({ occurred_at: new Date(now - 100 * DAY + i).toISOString(), details: { i } })),
        pendingEvent({ occurred_at: new Date(now - 10 * DAY).toISOString() }),
      ], sealEvents);

      const dry = await runCliToEnd(['retention', 'run', '--tenant', tenantId, '--dry-run'], env);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(JSON.parse(dry.stdout)[0].purged, 4);
      assert.equal((await all(tenantId)).filter((e) => e.forgotten).length, 0);

      const run = await runCliToEnd(['retention', 'run', '--tenant', tenantId], env);
      assert.equal(run.code, 0, run.stderr);
      const [result] = JSON.parse(run.stdout);
      assert.deepEqual([result.tenant_id, result.purged, result.seq_ranges], [tenantId, 4, [[1, 4]]]);
      const log = await all(tenantId);
      assert.deepEqual(log.map((e) => e.forgotten?.kind ?? e.action), ['purged', 'purged', 'purged', 'purged', 'user.login', 'retention.purged']);
      assert.equal(log[5]!.actor?.id, 'stele');

      const file = join(dir, `${engine.name}.ndjson`);
      writeFileSync(file, log.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const verified = await runCliToEnd(['verify', '--events', file], env);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /note: seq 1\.\.4 purged \(content removed\), explained by the signed record at seq 6/);

      // The kept event blanked by hand in the file: no record explains it.
      const forged = log.map((e) => (e.seq === 5 ? { ...e, action: '', category: '', occurred_at: e.occurred_at, forgotten: { kind: 'purged', by_seq: 6 } } : e));
      writeFileSync(file, forged.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const refused = await runCliToEnd(['verify', '--events', file], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /FAILED: seq 5 .*content_removed/);

      const unknown = await runCliToEnd(['retention', 'run', '--tenant', 'nope'], env);
      assert.equal(unknown.code, 1);
    });
  });
}
