// A hostile operator with full write access to the database — but not to the checkpoint file on
// another volume, nor to a witness on another machine — restores an older backup, truncates the
// log, deletes checkpoints, rewrites and rehashes. Each is caught by the server's own verify and
// by the witness, and no checkpoint is signed, stored, appended to the file or cosigned over the
// forged history.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { splitNotes } from '@stele/integrity';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { createWitnessState } from '../../src/witness/witness-state.js';
import { startWitnessServer, type RunningWitness } from '../../src/witness/witness-server.js';
import { eventually } from '../export/export-test-bed.js';
import { deleteCheckpoints, dropAppendOnlyGuards, recomputeAllHashes, restoreTenant, snapshotTenant, truncateLog } from '../helpers/hostile-dba.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

interface Failure { seq: number; reason: string; message: string }

for (const engine of ENGINES) {
  describe(`a hostile operator on ${engine.name}`, { skip: engine.skip }, () => {
    let witness: RunningWitness;
    let witnessDir: string;
    let dir: string;
    let t: TestApp;
    let tenantId: string;
    let key: string;
    const checkpointFile = () => join(dir, 'checkpoints.txt');
    // A webhook receiver that keeps the largest checkpoint it was sent per tenant, and answers with it.
    let receiver: Server;
    let receiverUrl: string;
    const kept = new Map<string, { tree_size: number; checkpoint: string }>();
    type Parts = { file?: boolean; witness?: boolean; webhook?: boolean };
    const env = (parts: Parts = { file: true, witness: true, webhook: true }) => ({
      STELE_CHECKPOINT_EVERY_EVENTS: '1000000',
      // Only the checkpoints a test asks for: the timed sweep never fires during a test, however slow the machine.
      STELE_CHECKPOINT_EVERY_SECONDS: '1000000',
      ...(parts.file && { STELE_CHECKPOINT_FILE: checkpointFile() }),
      ...(parts.witness && { STELE_WITNESSES: `${witness.url} ${witness.cosignerKey}` }),
      ...(parts.webhook && { STELE_CHECKPOINT_WEBHOOK_URL: receiverUrl }),
    });
    const origin = () => `${testSigningKey().name}/${tenantId}`;
    const witnessed = () => createWitnessState(witnessDir).read(origin())?.size;
    const fileSizes = () => splitNotes(readFileSync(checkpointFile(), 'utf8')).notes
      .filter((note) => note.startsWith(`${origin()}\n`)).map((note) => Number(note.split('\n')[1]));

    const send = async (app: TestApp, count: number, action = 'document.viewed') => {
      const response = await app.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: count }, (_, i) => ({ action, details: { i } })) });
      assert.equal(response.statusCode, 201, response.body);
    };
    const checkpoint = (app: TestApp) => app.request({ method: 'POST', url: '/v1/integrity/checkpoints', key });
    const verify = async (app: TestApp) => {
      const response = await app.request({ method: 'POST', url: '/v1/integrity/verify', key, payload: {} });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { ok: boolean; failures: Failure[] };
    };
    /** A second server over the same database, as after a restart, with the given copies outside it. */
    async function restartedOver(parts: Parts): Promise<TestApp> {
      const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: '/nonexistent', ...env(parts) });
      const { app } = await buildApp({ config, store: t.db.store, signingKey: testSigningKey() });
      return {
        ...t, app,
        request: ({ key: bearer, headers, ...options }) => app.inject({ ...options, headers: { ...headers, ...(bearer && { authorization: `Bearer ${bearer}` }) } }),
        close: () => app.close(),
      };
    }
    const readyAlarm = async (app: TestApp) => eventually(async () => {
      const body = (await app.request({ method: 'GET', url: '/readyz' })).json();
      return body.integrity === 'alarm' ? body : undefined;
    });

    before(async () => {
      witnessDir = mkdtempSync(join(tmpdir(), 'stele-witness-'));
      witness = await startWitnessServer({ stateDir: witnessDir, name: 'witness.test/w1', logKeys: [testSigningKey().noteKey], port: 0 });
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          const sent = JSON.parse(body) as { tenant_id: string; tree_size: number; checkpoint: string };
          if ((kept.get(sent.tenant_id)?.tree_size ?? 0) < sent.tree_size) kept.set(sent.tenant_id, sent);
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ checkpoint: kept.get(sent.tenant_id)!.checkpoint }));
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/checkpoints`;
    });
    after(async () => {
      await witness.close();
      receiver.close();
      rmSync(witnessDir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'stele-hostile-'));
      t = await startTestApp(engine.name, env());
      ({ tenantId, key } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
      await send(t, 20);
      assert.equal((await checkpoint(t)).statusCode, 201);
    });
    afterEach(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** The log grows to `size` (from its 20 + self-audit events) and is checkpointed: published to the file and cosigned. */
    async function publishedAt(): Promise<number> {
      await send(t, 10);
      const made = await checkpoint(t);
      assert.equal(made.statusCode, 201, made.body);
      const { tree_size: size, witnesses } = made.json() as { tree_size: number; witnesses: string[] };
      assert.deepEqual(witnesses, ['witness.test/w1']);
      assert.equal(witnessed(), size);
      assert.equal(Math.max(...fileSizes()), size);
      return size;
    }

    /** Nothing extends the forged log: no new checkpoint in the database, the file or at the witness. */
    async function nothingSignedBeyond(app: TestApp, size: number): Promise<void> {
      const refused = await checkpoint(app);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().error.code, 'integrity_alarm');
      assert.equal(Math.max(...fileSizes()), size, 'the checkpoint file gained nothing');
      assert.equal(witnessed(), size, 'the witness cosigned nothing new');
      const latest = (await app.request({ method: 'GET', url: '/v1/integrity/checkpoints/latest', key })).json();
      assert.ok(latest.tree_size === undefined || latest.tree_size <= size);
    }

    it('passes an honest log, whose checkpoints carry the witness cosignature', async () => {
      const size = await publishedAt();
      assert.deepEqual(await verify(t), { ok: true, checked: size, from_seq: 1, to_seq: size, through_seq: size, checkpoints_checked: 2, failures: [], forgotten: [] });
      const latest = (await t.request({ method: 'GET', url: '/v1/integrity/checkpoints/latest', key })).json();
      assert.match(latest.checkpoint, /\n\u2014 witness\.test\/w1 /);
      assert.equal((await t.request({ method: 'GET', url: '/readyz' })).json().integrity, 'ok');
    });

    it('catches a truncated tail with a rewound head, with the checkpoints above it deleted too', async () => {
      const size = await publishedAt();
      await dropAppendOnlyGuards(t.db);
      await truncateLog(t.db, tenantId, size - 10);
      await deleteCheckpoints(t.db, tenantId, size - 10);
      const result = await verify(t);
      assert.equal(result.ok, false);
      assert.deepEqual(result.failures.map((f) => [f.seq, f.reason]), [[size - 9, 'truncated']]);
      assert.match(result.failures[0]!.message, new RegExp(`holds ${size - 10} events, but a checkpoint of ${size} events was published \\(known from the checkpoint file\\)`));
      await nothingSignedBeyond(t, size);
      const ready = await readyAlarm(t);
      assert.deepEqual(ready.integrity_alarms.map((a: { tenant_id: string; kind: string }) => [a.tenant_id, a.kind]), [[tenantId, 'truncated']]);
      assert.match((await t.request({ method: 'GET', url: '/metrics' })).body, new RegExp(`stele_integrity_alarm\\{tenant_id="${tenantId}",kind="truncated"\\} 1`));
      const alarms = await eventually(async () => {
        const events = (await t.request({ method: 'GET', url: '/v1/events?action=integrity.alarm', key })).json().events;
        return events.length > 0 ? events : undefined;
      });
      assert.equal(alarms.length, 1, 'recorded once, in the tenant log it concerns');
      assert.equal(alarms[0].details.kind, 'truncated');
    });

    it('catches a restored older backup at start, through the checkpoint file, the witness or the webhook receiver alone', async () => {
      const backup = await snapshotTenant(t.db, tenantId);
      const size = await publishedAt();
      await dropAppendOnlyGuards(t.db);
      await restoreTenant(t.db, tenantId, backup);
      await t.app.close();

      for (const parts of [{ file: true }, { witness: true }, { webhook: true }] as Parts[]) {
        const restarted = await restartedOver(parts);
        try {
          const ready = await readyAlarm(restarted);
          assert.equal(ready.integrity_alarms[0].kind, 'truncated', JSON.stringify(parts));
          assert.match(ready.integrity_alarms[0].source, parts.file ? /checkpoint file/ : parts.witness ? /witness witness\.test\/w1/ : /webhook receiver/);
          if (parts.file) assert.deepEqual((await verify(restarted)).failures.map((f) => f.reason), ['truncated']);
          await nothingSignedBeyond(restarted, size);
        } finally {
          await restarted.close();
        }
      }
      // New events do not launder it: the log grows past the published size, as another tree.
      const later = await restartedOver({ file: true, witness: true });
      try {
        await send(later, 15, 'after.restore');
        assert.equal((await checkpoint(later)).statusCode, 409);
        // Another tree at the published size (its rows recompute another root), and that checkpoint is gone from the database.
        assert.deepEqual((await verify(later)).failures.map((f) => f.reason), ['forked', 'checkpoint_missing', 'root_mismatch']);
        assert.equal(witnessed(), size);
      } finally {
        await later.close();
      }
    });

    it('catches a rewrite with every hash recomputed and every checkpoint deleted', async () => {
      const size = await publishedAt();
      await dropAppendOnlyGuards(t.db);
      await t.db.raw("UPDATE events SET action = 'document.deleted' WHERE tenant_id = ? AND seq = 5", [tenantId]);
      await recomputeAllHashes(t.db, tenantId);
      await deleteCheckpoints(t.db, tenantId);
      const result = await verify(t);
      assert.equal(result.ok, false);
      assert.ok(result.failures.some((f) => f.reason === 'forked'), JSON.stringify(result.failures));
      await nothingSignedBeyond(t, size);

      // With no checkpoint file, the witness alone refuses the rewritten tree.
      const witnessOnly = await restartedOver({ witness: true });
      try {
        const refused = await checkpoint(witnessOnly);
        assert.equal(refused.statusCode, 409);
        assert.match(refused.json().error.message, /witness witness\.test\/w1 refuses the log/);
        assert.equal(witnessed(), size);
      } finally {
        await witnessOnly.close();
      }
    });

    it('names checkpoints deleted from the database that were published outside it', async () => {
      const size = await publishedAt();
      await dropAppendOnlyGuards(t.db);
      await deleteCheckpoints(t.db, tenantId);
      const result = await verify(t);
      assert.deepEqual(result.failures.map((f) => [f.seq, f.reason]), [[size, 'checkpoint_missing']]);
      // The log itself is intact, so checkpointing it again is allowed.
      assert.equal((await checkpoint(t)).statusCode, 201);
    });
  });
}
