// A hostile DBA and a tombstone: a forgotten event keeps its leaf hash, which stands for content
// that is gone. Content written into the emptied row afterwards (shown by the API as the event)
// must fail verification, as must a marker pointed at a record that does not name the event (the
// API shows who removed it, and why, from that record); and the same edit in an evidence file.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { verifyExportFile } from '../../src/verification/export-verifier.js';
import { dropAppendOnlyGuards } from '../helpers/hostile-dba.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

interface Failure { seq: number; id: string; reason: string; message: string }

for (const engine of ENGINES) {
  describe(`a forged tombstone on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let tenantId: string;
    const dir = mkdtempSync(join(tmpdir(), 'stele-tomb-'));
    const verify = async () => (await t.request({ method: 'POST', url: '/v1/integrity/verify', key, payload: {} })).json() as { ok: boolean; failures: Failure[] };

    before(async () => {
      t = await startTestApp(engine.name, { STELE_CHECKPOINT_EVERY_EVENTS: '1000000' });
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:write', 'audit:export']));
      const events = Array.from({ length: 5 }, (_, i) => ({ id: `e${i}`, action: 'document.viewed', actor: { id: 'alice' }, details: { i } }));
      assert.equal((await t.request({ method: 'POST', url: '/v1/events', key, payload: events })).statusCode, 201);
      assert.equal((await t.request({ method: 'DELETE', url: '/v1/events/e2', key, payload: { reason: 'asked by the data subject' } })).statusCode, 204);
      assert.deepEqual((await verify()).failures, [], 'intact before any edit');
      await dropAppendOnlyGuards(t.db);
    });
    after(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('fails when content is written into the tombstone', async () => {
      await t.db.raw(`UPDATE events SET action = 'admin.granted', category = 'authorization', actor_id = 'bob', details = '{"role":"superuser"}' WHERE tenant_id = ? AND id = 'e2'`, [tenantId]);
      assert.equal((await t.request({ method: 'GET', url: '/v1/events/e2', key })).json().action, 'admin.granted', 'the API shows the forged event');
      const verified = await verify();
      assert.equal(verified.ok, false);
      assert.deepEqual(verified.failures.map((f) => [f.id, f.reason]), [['e2', 'content_changed']]);
      assert.match(verified.failures[0]!.message, /still carries/);
      await t.db.raw(`UPDATE events SET action = '', category = '', actor_id = NULL, details = NULL WHERE tenant_id = ? AND id = 'e2'`, [tenantId]);
      assert.deepEqual((await verify()).failures, [], 'intact again once emptied');
    });

    it('fails when the tombstone\'s marker names another record', async () => {
      await t.db.raw(`UPDATE events SET forgotten_kind = 'purged', forgotten_by = 6 WHERE tenant_id = ? AND id = 'e2'`, [tenantId]);
      const { seq } = (await t.request({ method: 'GET', url: '/v1/events/e2', key })).json();
      const verified = await verify();
      assert.equal(verified.ok, false);
      // By seq: read page by page, the verifier knows the run of seqs, not each id.
      assert.deepEqual(verified.failures.map((f) => [f.seq, f.reason]), [[seq, 'content_changed']]);
      assert.match(verified.failures[0]!.message, /says it was purged by the record at seq 6/);
    });

    it('fails offline when a tombstone of an evidence file is given content', async () => {
      await t.db.raw(`UPDATE events SET forgotten_kind = 'deleted', forgotten_by = (SELECT max(seq) FROM events WHERE tenant_id = ? AND action = 'audit.deleted') WHERE tenant_id = ? AND id = 'e2'`, [tenantId, tenantId]);
      assert.deepEqual((await verify()).failures, [], 'intact again');
      const file = (await t.request({ method: 'GET', url: '/v1/events/export?format=ndjson&proofs=true', key })).body;
      const pem = (await t.request({ method: 'GET', url: '/v1/integrity/public-key', key })).json().pem;
      const edited = file.trim().split('\n').map((line) => {
        const event = JSON.parse(line);
        if (event.id === 'e2') Object.assign(event, { action: 'admin.granted', actor: { id: 'bob' }, details: { role: 'superuser' } });
        return JSON.stringify(event);
      }).join('\n');
      writeFileSync(join(dir, 'evidence.ndjson'), `${edited}\n`);
      writeFileSync(join(dir, 'untouched.ndjson'), file);
      const untouched = await verifyExportFile({ eventsFile: join(dir, 'untouched.ndjson'), publicKeyPem: pem, witnessKeys: [], minWitnesses: 0 });
      assert.deepEqual(untouched.failures, []);
      const result = await verifyExportFile({ eventsFile: join(dir, 'evidence.ndjson'), publicKeyPem: pem, witnessKeys: [], minWitnesses: 0 });
      assert.equal(result.ok, false);
      assert.deepEqual(result.failures.map((f) => [f.id, f.reason]), [['e2', 'content_changed']]);
    });
  });
}
