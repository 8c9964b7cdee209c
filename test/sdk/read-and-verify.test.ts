// The SDK's read client and client-side proof checks, over HTTP against the real app on both
// engines: list by pages, the feed by seq, and inclusion and consistency proofs that verify with
// the pinned note key and a witness's cosignature, and that are refused when the event, the key,
// the witnesses or the stored tree do not hold.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALG_COSIGNATURE_V1, rawPublicKey, verifierKeyString } from '@stele/integrity';
import { createAuditClient, VerificationError, type AuditClient, type StoredEvent } from '@stele/sdk';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startWitnessServer, type RunningWitness } from '../../src/witness/witness-server.js';
import { dropAppendOnlyGuards, recomputeAllHashes } from '../helpers/hostile-dba.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const otherKey = (kind: 'log' | 'witness') => {
  const { publicKey } = generateKeyPairSync('ed25519');
  return kind === 'log' ? verifierKeyString(testSigningKey().name, rawPublicKey(publicKey)) : verifierKeyString('witness.test/other', rawPublicKey(publicKey), ALG_COSIGNATURE_V1);
};

async function refused(promise: Promise<unknown>, reason: string): Promise<VerificationError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof VerificationError, String(error));
    assert.equal(error.reason, reason, error.message);
    return error;
  }
  assert.fail(`expected a VerificationError ${reason}`);
}

for (const engine of ENGINES) {
  describe(`reading and verifying with the SDK on ${engine.name}`, { skip: engine.skip }, () => {
    let witness: RunningWitness;
    let witnessDir: string;
    let t: TestApp;
    let url: string;
    let key: string;
    let tenantId: string;
    let audit: AuditClient;
    const client = (options: Parameters<typeof createAuditClient>[0] = {}) => createAuditClient({ url, apiKey: key, onError: () => {}, ...options });
    const checkpoint = async () => {
      const response = await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key });
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as { tree_size: number; checkpoint: string };
    };
    const send = async (count: number, action = 'doc.viewed') => {
      const response = await t.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: count }, (_, i) => ({ id: `${action}-${Date.now()}-${i}`, action, details: { i } })) });
      assert.equal(response.statusCode, 201, response.body);
    };

    before(async () => {
      witnessDir = mkdtempSync(join(tmpdir(), 'stele-sdk-witness-'));
      witness = await startWitnessServer({ stateDir: witnessDir, name: 'witness.test/w1', logKeys: [testSigningKey().noteKey], port: 0 });
      t = await startTestApp(engine.name, { STELE_WITNESSES: `${witness.url} ${witness.cosignerKey}`, STELE_CHECKPOINT_EVERY_EVENTS: '1000000' });
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read']));
      audit = client({ noteKey: testSigningKey().noteKey, witnessKeys: [witness.cosignerKey], minWitnesses: 1 });
      await send(30);
    });
    after(async () => {
      await audit.close();
      await t.close();
      await witness.close();
      rmSync(witnessDir, { recursive: true, force: true });
    });

    it('lists events a page at a time, as events or as pages', async () => {
      const events: StoredEvent[] = [];
      for await (const event of audit.events.list({ action: 'doc.viewed', limit: 7, sort: 'seq', order: 'asc' })) events.push(event);
      assert.deepEqual(events.map((e) => e.details!.i), Array.from({ length: 30 }, (_, i) => i));
      const sizes: number[] = [];
      for await (const page of audit.events.list({ q: 'action:doc.view* AND NOT details.i:29', limit: 8 }).pages()) sizes.push(page.events.length);
      assert.deepEqual(sizes, [8, 8, 8, 5]);
    });

    it('follows the feed from a seq, in order, through events written while it waits', async () => {
      const controller = new AbortController();
      const seen: StoredEvent[] = [];
      const reading = (async () => {
        for await (const event of audit.events.feed({ afterSeq: 0, action: 'feed.item', waitSeconds: 2, signal: controller.signal })) {
          seen.push(event);
          if (seen.length === 5) controller.abort();
        }
      })();
      await send(2, 'feed.item');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await send(3, 'feed.item');
      await reading;
      assert.deepEqual(seen.map((e) => e.action), Array(5).fill('feed.item'));
      assert.ok(seen.every((e, i) => i === 0 || e.seq > seen[i - 1]!.seq));
      const after = seen[2]!.seq;
      const rest: number[] = [];
      for await (const event of audit.events.feed({ afterSeq: after, action: 'feed.item', waitSeconds: 0, signal: AbortSignal.timeout(3000) })) {
        rest.push(event.seq);
        if (rest.length === 2) break;
      }
      assert.deepEqual(rest, seen.slice(3).map((e) => e.seq));
    });

    it('proves an event is in the log: leaf hash computed here, signature by the pinned key, a witness cosignature', async () => {
      const [event] = (await audit.events.list({ action: 'doc.viewed', limit: 1 }).pages()[Symbol.asyncIterator]().next()).value!.events as StoredEvent[];
      const byId = await audit.verify.inclusion(event!.id);
      assert.equal(byId.seq, event!.seq);
      assert.equal(byId.leaf_hash, event!.leaf_hash);
      assert.deepEqual(byId.witnesses, ['witness.test/w1']);
      assert.ok(byId.origin.endsWith(`/${tenantId}`));
      const byEvent = await audit.verify.inclusion(event!);
      assert.equal(byEvent.size, byId.size);
    });

    it('refuses an event changed after it was logged, a checkpoint by another key, too few witnesses, and an unpinned key', async () => {
      const event = await audit.events.get((await audit.events.list({ action: 'doc.viewed', limit: 1 }).pages()[Symbol.asyncIterator]().next()).value!.events[0]!.id);
      await refused(audit.verify.inclusion({ ...event, details: { ...event.details, i: 999 } }), 'not_included');
      await refused(audit.verify.inclusion({ ...event, seq: event.seq + 1 }), 'not_included');
      const impostor = client({ noteKey: otherKey('log') });
      await refused(impostor.verify.inclusion(event.id), 'bad_signature');
      const demanding = client({ noteKey: testSigningKey().noteKey, witnessKeys: [otherKey('witness')], minWitnesses: 1 });
      await refused(demanding.verify.inclusion(event.id), 'too_few_witnesses');
      await refused(client().verify.inclusion(event.id), 'no_note_key');
      assert.throws(() => client({ noteKey: testSigningKey().noteKey, minWitnesses: 2, witnessKeys: [witness.cosignerKey] }), /needs at least as many witnessKeys/);
      await Promise.all([impostor.close(), demanding.close()]);
    });

    it('proves the log extends a checkpoint kept from before', async () => {
      const first = await checkpoint();
      await send(5);
      const second = await checkpoint();
      const result = await audit.verify.consistency({ from: first.checkpoint });
      assert.equal(result.from.size, first.tree_size);
      assert.equal(result.to.size, second.tree_size);
      assert.deepEqual(result.to.witnesses, ['witness.test/w1']);
      assert.equal((await audit.verify.consistency({ from: first.tree_size, to: second.tree_size })).to.root_hash, result.to.root_hash);
    });

    it('refuses proofs from a tree a DBA rewrote: the event against its signed checkpoint, and consistency', async () => {
      // Two checkpoints signed (and witnessed) before the rewrite. The older size is not a power of
      // two, so a consistency proof from it carries a hash over the rewritten event.
      let older = await checkpoint();
      if ((older.tree_size & (older.tree_size - 1)) === 0) {
        await send(1);
        older = await checkpoint();
      }
      await send(3);
      const newer = await checkpoint();
      const [victim] = (await audit.events.list({ action: 'doc.viewed', limit: 1, sort: 'seq', order: 'asc' }).pages()[Symbol.asyncIterator]().next()).value!.events as StoredEvent[];
      assert.equal((await audit.verify.consistency({ from: older.checkpoint, to: newer.tree_size })).to.size, newer.tree_size);

      await dropAppendOnlyGuards(t.db);
      await t.db.raw('UPDATE events SET details = ? WHERE tenant_id = ? AND id = ?', ['{"i":-1}', tenantId, victim!.id]);
      await recomputeAllHashes(t.db, tenantId);
      const rewritten = await audit.events.get(victim!.id);
      assert.deepEqual(rewritten.details, { i: -1 });
      // The server's own answers are consistent with the rewritten rows; only the signed roots are not.
      await refused(audit.verify.inclusion(rewritten, { treeSize: newer.tree_size }), 'not_included');
      await refused(audit.verify.consistency({ from: older.checkpoint, to: newer.tree_size }), 'not_consistent');
    });
  });
}
