// Verifying a range of the log, not all of it: its end is held to the first signed checkpoint
// after it (a DBA who rewrote an event past the last signature inside the range, with its leaf
// and chain hashes, saw the range pass), and checkpoints are read in pages (beyond the first
// 10,000 they were skipped) with only the latest before the range proven against the stored tree.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chainHash, leafHashOf, ZERO_CHAIN } from '@stele/integrity';
import { EVENT_SELECT_COLUMNS, rowToEvent } from '../../src/store/event-rows.js';
import { createVerificationService } from '../../src/verification/verification-service.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { dropAppendOnlyGuards } from '../helpers/hostile-dba.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

interface Verified { ok: boolean; checked: number; to_seq: number; through_seq: number; checkpoints_checked: number; failures: { seq: number; reason: string }[] }

for (const engine of ENGINES) {
  describe(`verifying a range on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let tenantId: string;
    const verify = async (body: object) => (await t.request({ method: 'POST', url: '/v1/integrity/verify', key, payload: body })).json() as Verified;
    const send = async (n: number) => assert.equal((await t.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: n }, (_, i) => ({ action: 'document.viewed', details: { i } })) })).statusCode, 201);
    const checkpoint = async () => (await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key })).json().tree_size as number;

    before(async () => {
      t = await startTestApp(engine.name, { STELE_CHECKPOINT_EVERY_EVENTS: '1000000', STELE_CHECKPOINT_EVERY_SECONDS: '1000000' });
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read']));
    });
    after(async () => t.close());

    it('walks on to the first signed checkpoint after the range, and so finds an event rewritten past the last one inside it', async () => {
      await send(40);
      const first = await checkpoint();
      await send(20);
      const second = await checkpoint();
      const honest = await verify({ from_seq: first + 1, to_seq: first + 10 });
      assert.deepEqual([honest.ok, honest.to_seq, honest.through_seq, honest.checked], [true, first + 10, second, second - first]);

      // The DBA rewrites one event and every leaf and chain hash from there, and the head's chain; not the tree.
      await dropAppendOnlyGuards(t.db);
      const target = first + 5;
      await t.db.raw(`UPDATE events SET action = 'document.deleted' WHERE tenant_id = ? AND seq = ?`, [tenantId, target]);
      let chain: Uint8Array = ZERO_CHAIN;
      for (const row of await t.db.raw(`SELECT ${EVENT_SELECT_COLUMNS.join(', ')} FROM events WHERE tenant_id = ? ORDER BY seq`, [tenantId])) {
        const event = rowToEvent(EVENT_SELECT_COLUMNS.map((c) => row[c]) as never);
        const leaf = leafHashOf(event);
        chain = chainHash(chain, leaf);
        await t.db.raw('UPDATE events SET leaf_hash = ?, chain_hash = ? WHERE tenant_id = ? AND seq = ?', [Buffer.from(leaf), Buffer.from(chain), tenantId, event.seq]);
      }
      await t.db.raw('UPDATE tenant_heads SET chain_hash = ? WHERE tenant_id = ?', [Buffer.from(chain), tenantId]);

      for (const range of [{ from_seq: first + 1, to_seq: first + 10 }, { from_seq: 1, to_seq: second - 1 }]) {
        const verified = await verify(range);
        assert.equal(verified.ok, false, JSON.stringify(range));
        assert.deepEqual(verified.failures.map((f) => [f.seq, f.reason]), [[second, 'root_mismatch']], JSON.stringify(range));
      }
    });

    it('reads every checkpoint inside the range, however many pages they take, and proves only the latest before it', async () => {
      const other = await t.tenantWithKey(['events:write', 'audit:read'], 'paged');
      const sizes: number[] = [];
      for (let i = 0; i < 8; i++) {
        assert.equal((await t.request({ method: 'POST', url: '/v1/events', key: other.key, payload: Array.from({ length: 5 }, () => ({ action: 'file.read' })) })).statusCode, 201);
        sizes.push((await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key: other.key })).json().tree_size);
      }
      // Two checkpoints a read: eight take four pages.
      const verification = createVerificationService({ store: t.db.store, key: testSigningKey(), checkpointsPerRead: 2 });
      const whole = await verification.verify(other.tenantId, {});
      assert.deepEqual([whole.ok, whole.checkpoints_checked], [true, 8]);
      const late = await verification.verify(other.tenantId, { from_seq: sizes[5]! + 1 });
      assert.deepEqual([late.ok, late.checkpoints_checked], [true, 3], 'two inside, and the one before');

      // An event rewritten, with its leaf and chain hashes, between the last two checkpoints.
      const target = sizes[6]! + 2;
      await t.db.raw(`UPDATE events SET action = 'file.deleted' WHERE tenant_id = ? AND seq = ?`, [other.tenantId, target]);
      let chain: Uint8Array | undefined;
      for (const row of await t.db.raw(`SELECT ${EVENT_SELECT_COLUMNS.join(', ')} FROM events WHERE tenant_id = ? AND seq >= ? ORDER BY seq`, [other.tenantId, target - 1])) {
        const event = rowToEvent(EVENT_SELECT_COLUMNS.map((c) => row[c]) as never);
        if (!chain) {
          chain = Buffer.from(event.chain_hash, 'hex');
          continue;
        }
        const leaf = leafHashOf(event);
        chain = chainHash(chain, leaf);
        await t.db.raw('UPDATE events SET leaf_hash = ?, chain_hash = ? WHERE tenant_id = ? AND seq = ?', [Buffer.from(leaf), Buffer.from(chain), other.tenantId, event.seq]);
      }
      const verified = await verification.verify(other.tenantId, {});
      assert.deepEqual(verified.failures.map((f) => [f.seq, f.reason]), [[sizes[7], 'root_mismatch']]);
    });
  });
}
