// Evidence that verifies offline: a filtered export with proofs=true and a compliance evidence
// file are checked with nothing but the file and the public key (and witness keys), and fail once
// one event in them is changed, removed, or swapped in from another tenant.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { verifyExportFile } from '../../src/verification/export-verifier.js';
import { startWitnessServer, type RunningWitness } from '../../src/witness/witness-server.js';
import { eventually, startTestBed, type TestBed } from '../export/export-test-bed.js';
import { runCliToEnd } from '../helpers/server-process.js';
import { testSigningKey } from '../helpers/signing-key.js';

for (const engine of ENGINES) {
  describe(`evidence files on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let witness: RunningWitness;
    let a: { tenantId: string; key: string };
    let b: { tenantId: string; key: string };
    const dir = mkdtempSync(join(tmpdir(), 'stele-evidence-'));
    const file = (name: string) => join(dir, name);
    let pem: string;

    const exportOf = async (key: string, query: string) => {
      const response = await bed.request({ method: 'GET', url: `/v1/events/export?${query}`, key });
      assert.equal(response.statusCode, 200, response.body);
      return response.body;
    };
    const check = (name: string, text: string, options: { witnesses?: number } = {}) => {
      writeFileSync(file(name), text);
      return verifyExportFile({ eventsFile: file(name), publicKeyPem: pem, witnessKeys: [witness.cosignerKey], minWitnesses: options.witnesses ?? 0 });
    };
    const lines = (text: string) => text.trim().split('\n');
    const reasons = (result: Awaited<ReturnType<typeof verifyExportFile>>) => result.failures.map((f) => f.reason);

    before(async () => {
      const witnessDir = mkdtempSync(join(tmpdir(), 'stele-witness-'));
      witness = await startWitnessServer({ stateDir: witnessDir, name: 'witness.test/w1', logKeys: [testSigningKey().noteKey], port: 0 });
      bed = await startTestBed(engine.name, { STELE_WITNESSES: `${witness.url} ${witness.cosignerKey}` });
      a = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      b = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      for (const tenant of [a, b]) {
        await bed.ingest(tenant.key, Array.from({ length: 60 }, (_, i) => ({
          action: i % 3 === 0 ? 'login.failed' : 'document.viewed', actor: { id: `u${i % 5}` }, details: { i, note: 'ünïcødé | = "q"' },
        })));
      }
      pem = (await bed.request({ method: 'GET', url: '/v1/integrity/public-key', key: a.key })).json().pem;
      writeFileSync(file('key.pem'), pem);
    });
    after(async () => {
      await bed.close();
      await witness.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('proves a filtered NDJSON export with the public key alone, with the witness cosignature it carries', async () => {
      const text = await exportOf(a.key, 'format=ndjson&action=login.failed&proofs=true');
      const result = await check('filtered.ndjson', text, { witnesses: 1 });
      assert.deepEqual(result.failures, []);
      assert.deepEqual([result.ok, result.mode, result.checked, result.witnesses], [true, 'evidence', 20, ['witness.test/w1']]);
      // And with the CLI, as an auditor runs it.
      const cli = await runCliToEnd(['verify', '--events', file('filtered.ndjson'), '--public-key', file('key.pem'), '--witness-key', witness.cosignerKey, '--min-witnesses', '1'], {});
      assert.equal(cli.code, 0, cli.stdout + cli.stderr);
      assert.match(cli.stdout, /OK: 20 events verified .*inclusion proofs against its signed checkpoint, cosigned by witness\.test\/w1\)/);
    });

    it('proves a filtered JSON export the same way', async () => {
      const text = await exportOf(a.key, 'format=json&actor_id=u2&proofs=true');
      const result = await check('filtered.json', text);
      assert.deepEqual([result.ok, result.mode, result.checked], [true, 'evidence', 12]);
    });

    it('fails when an event is changed, removed, or swapped in from another tenant, naming it', async () => {
      const mine = lines(await exportOf(a.key, 'format=ndjson&action=login.failed&proofs=true'));
      const theirs = lines(await exportOf(b.key, 'format=ndjson&action=login.failed&proofs=true'));

      const changed = [...mine];
      const event = JSON.parse(changed[3]!);
      event.actor.id = 'someone_else';
      changed[3] = JSON.stringify(event);
      const changedResult = await check('changed.ndjson', `${changed.join('\n')}\n`);
      assert.equal(changedResult.ok, false);
      assert.deepEqual(changedResult.failures.filter((f) => f.id === event.id).map((f) => f.reason), ['content_changed', 'not_in_log']);

      const removed = [...mine.slice(0, 5), ...mine.slice(6)];
      assert.deepEqual(reasons(await check('removed.ndjson', `${removed.join('\n')}\n`)), ['events_missing']);

      const swapped = [...mine];
      swapped[5] = theirs[5]!;
      const swappedResult = await check('swapped.ndjson', `${swapped.join('\n')}\n`);
      const foreign = JSON.parse(theirs[5]!);
      assert.deepEqual(swappedResult.failures.filter((f) => f.id === foreign.id).map((f) => f.reason).sort(), ['not_in_log', 'wrong_tenant']);
      assert.ok(reasons(swappedResult).includes('events_missing'), 'the signed statement no longer matches either');

      const cut = mine.slice(0, -1);
      assert.deepEqual(reasons(await check('cut.ndjson', `${cut.join('\n')}\n`)), ['incomplete_file']);

      const otherKey = (await import('node:crypto')).generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
      writeFileSync(file('mine.ndjson'), `${mine.join('\n')}\n`);
      const foreignKey = await verifyExportFile({ eventsFile: file('mine.ndjson'), publicKeyPem: otherKey });
      assert.equal(foreignKey.ok, false);
      assert.match(foreignKey.failures[0]!.message, /signed by another key/);
    });

    it('makes compliance evidence an evidence file that proves itself and its period', async () => {
      const created = await bed.request({
        method: 'POST', url: '/v1/compliance/evidence', key: a.key,
        payload: { control_id: 'CC6.1', filters: { action: ['login.failed'] }, period: { since: 'now-1d', until: 'now+1d' } },
      });
      assert.equal(created.statusCode, 202, created.body);
      const job = await eventually(async () => {
        const current = (await bed.request({ method: 'GET', url: `/v1/exports/${created.json().id}`, key: a.key })).json();
        return current.status === 'done' ? current : undefined;
      });
      const download = await bed.request({ method: 'GET', url: new URL(job.download_url).pathname + new URL(job.download_url).search });
      assert.equal(download.statusCode, 200);
      const text = gunzipSync(download.rawPayload).toString();
      const result = await check('evidence.ndjson', text);
      assert.deepEqual([result.ok, result.checked], [true, 20]);
      const tampered = lines(text);
      const event = JSON.parse(tampered[1]!);
      event.details.i = 999;
      tampered[1] = JSON.stringify(event);
      assert.ok(reasons(await check('evidence-tampered.ndjson', `${tampered.join('\n')}\n`)).includes('content_changed'));
    });

    it('says plainly when only the chain of a plain export was checked', async () => {
      writeFileSync(file('plain.ndjson'), await exportOf(a.key, 'format=ndjson'));
      const result = await verifyExportFile({ eventsFile: file('plain.ndjson') });
      assert.equal(result.mode, 'chain');
      assert.match(result.warnings.join(' '), /only the chain was checked.*a forgery with every hash recomputed would pass/);
      const cli = await runCliToEnd(['verify', '--events', file('plain.ndjson')], {});
      assert.equal(cli.code, 0);
      assert.match(cli.stdout, /^WARNING: only the chain was checked/m);
      assert.ok(readFileSync(file('plain.ndjson'), 'utf8').length > 0);
    });
  });
}
