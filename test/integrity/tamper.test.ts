// A hostile DBA rewrites the database directly, with the append-only triggers dropped. The
// verification API must catch every rewrite and name the seq.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { dropAppendOnlyGuards, recomputeAllHashes, swapSeq } from '../helpers/hostile-dba.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

for (const engine of ENGINES) {
  describe(`tampering on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let tenantId: string;
    let key: string;
    const verify = async (body: object = {}) => {
      const response = await t.request({ method: 'POST', url: '/v1/integrity/verify', key, payload: body });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { ok: boolean; checked: number; failures: { seq: number; reason: string; message: string }[] };
    };

    beforeEach(async () => {
      t = await startTestApp(engine.name, { STELE_CHECKPOINT_EVERY_EVENTS: '1000000' });
      ({ tenantId, key } = await t.tenantWithKey(['events:write', 'audit:read']));
      const events = Array.from({ length: 20 }, (_, i) => ({ action: 'document.viewed', actor: { id: `user_${i % 3}` }, details: { i } }));
      assert.equal((await t.request({ method: 'POST', url: '/v1/events', key, payload: events })).statusCode, 201);
      assert.equal((await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key })).statusCode, 201);
      await dropAppendOnlyGuards(t.db);
    });
    afterEach(() => t.close());

    it('passes an untouched log', async () => {
      const result = await verify();
      // The 20 events sent, after the tenant's and its key's creation.
      assert.deepEqual([result.ok, result.checked, result.failures], [true, 22, []]);
    });

    it('names the event whose field was changed', async () => {
      await t.db.raw("UPDATE events SET actor_id = 'someone_else' WHERE tenant_id = ? AND seq = 7", [tenantId]);
      const result = await verify();
      assert.equal(result.ok, false);
      assert.deepEqual(result.failures.filter((f) => f.reason !== 'root_mismatch').map((f) => [f.seq, f.reason]), [[7, 'content_changed']]);
    });

    it('names an event given a value the API never writes (judged event by event, not from the database\'s text)', async () => {
      // The events were sent without a success flag; 2 is neither true nor false. The database's
      // own canonical text would leave it out and still match: the verifier must not rely on it.
      await t.db.raw('UPDATE events SET success = 2 WHERE tenant_id = ? AND seq = 3', [tenantId]);
      if (engine.name === 'sqlite') {
        // A number where text belongs (SQLite columns take any type), and a blob, which the
        // database cannot write as JSON at all.
        await t.db.raw('UPDATE events SET actor_name = 123 WHERE tenant_id = ? AND seq = 7', [tenantId]);
        await t.db.raw("UPDATE events SET actor_id = x'00ff' WHERE tenant_id = ? AND seq = 15", [tenantId]);
      }
      const result = await verify();
      const expected = engine.name === 'sqlite' ? [[3, 'content_changed'], [7, 'content_changed'], [15, 'content_changed']] : [[3, 'content_changed']];
      assert.deepEqual(result.failures.filter((f) => f.reason !== 'root_mismatch').map((f) => [f.seq, f.reason]), expected);
    });

    it('names an event whose details were made unreadable', async () => {
      await t.db.raw(`UPDATE events SET details = ${engine.name === 'sqlite' ? `'{"i":'` : `'"not an object"'::jsonb`} WHERE tenant_id = ? AND seq = 9`, [tenantId]);
      const result = await verify();
      assert.deepEqual(result.failures.filter((f) => f.reason !== 'root_mismatch').map((f) => [f.seq, f.reason]), [[9, 'content_changed']]);
    });

    it('names the event that was deleted', async () => {
      await t.db.raw('DELETE FROM events WHERE tenant_id = ? AND seq = 12', [tenantId]);
      const result = await verify();
      assert.equal(result.ok, false);
      assert.equal(result.failures[0]!.seq, 12);
      assert.equal(result.failures[0]!.reason, 'event_missing');
    });

    it('names the events that were swapped', async () => {
      await swapSeq(t.db, tenantId, 4, 5);
      const result = await verify();
      assert.equal(result.ok, false);
      const named = new Set(result.failures.map((f) => f.seq));
      assert.ok(named.has(4) && named.has(5), JSON.stringify(result.failures));
      assert.ok(result.failures.every((f) => f.seq >= 4));
    });

    it('catches a rewrite with every hash after it recomputed, through the signed checkpoint', async () => {
      await t.db.raw("UPDATE events SET action = 'document.deleted' WHERE tenant_id = ? AND seq = 9", [tenantId]);
      await recomputeAllHashes(t.db, tenantId);
      const result = await verify();
      assert.equal(result.ok, false);
      // The rows recompute to another root than the one signed at 22, and the stored tree is no
      // longer the one that checkpoint published: a fork, which also raises the tenant's alarm.
      assert.deepEqual(result.failures.map((f) => [f.seq, f.reason]), [[22, 'forked'], [22, 'root_mismatch']]);
      // A range that starts after the checkpoint is still tied to it by a consistency proof.
      await t.request({ method: 'POST', url: '/v1/events', key, payload: { action: 'later.event' } });
      const later = await verify({ from_seq: 23 });
      assert.equal(later.ok, false);
      assert.deepEqual(later.failures.map((f) => f.reason).sort(), ['forked', 'root_mismatch']);
      const consistency = await t.request({ method: 'GET', url: '/v1/integrity/consistency?from=22&to=23', key });
      assert.equal(consistency.statusCode, 200, 'the server still answers; the client-side check is what fails');
    });
  });
}
