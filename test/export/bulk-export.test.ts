import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { createJobRepository } from '../../src/export/job-repository.js';
import { openCheckpoint } from '@stele/integrity';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { verifyExportFile } from '../../src/verification/export-verifier.js';
import { eventually, startTestBed, type TestBed } from './export-test-bed.js';

const DAY = 86_400_000;

for (const engine of ENGINES) {
  describe(`bulk export jobs on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let tenantId: string;
    /** The log's size before the 3,000 events: it starts with the tenant's and its key's creation. */
    let base: number;
    const get = (url: string, k: string | undefined = key) => bed.request({ method: 'GET', url, ...(k && { key: k }) });
    const create = (payload: object) => bed.request({ method: 'POST', url: '/v1/exports', key, payload });
    const done = (id: string) => eventually(async () => {
      const job = (await get(`/v1/exports/${id}`)).json();
      return job.status === 'done' || job.status === 'failed' ? job : undefined;
    });
    const pathOf = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');

    before(async () => {
      bed = await startTestBed(engine.name);
      ({ key, tenantId } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
      base = (await bed.db.store.getHead(tenantId)).size;
      await bed.ingest(key, Array.from({ length: 3000 }, (_, i) => ({ action: i % 3 === 0 ? 'user.login_failed' : 'doc.viewed', actor: { id: `u${i % 7}` }, success: i % 3 !== 0 })));
    });
    after(() => bed.close());

    it('runs a job to done and serves a gzip artifact whose SHA-256 matches its manifest', async () => {
      const created = await create({ format: 'csv', filters: { action: ['user.*'], success: false }, label: 'failed logins' });
      assert.equal(created.statusCode, 202);
      assert.ok(['queued', 'running', 'done'].includes(created.json().status));
      const job = await done(created.json().id);
      assert.equal(job.status, 'done');
      assert.equal(job.row_count, 1000);
      assert.equal(job.progress, 1);
      assert.match(job.download_url, new RegExp(`/v1/exports/${job.id}/download\\?token=`));

      const download = await get(pathOf(job.download_url), undefined);
      assert.equal(download.statusCode, 200, download.body);
      assert.equal(download.headers['content-type'], 'application/gzip');
      const file = download.rawPayload;
      const manifest = (await get(`/v1/exports/${job.id}/manifest`)).json();
      assert.equal(createHash('sha256').update(file).digest('hex'), manifest.sha256);
      assert.equal(readFileSync(join(bed.dataDir, 'exports', tenantId, `${job.id}.csv.gz`)).length, manifest.bytes);
      const rows = (parse(gunzipSync(file)) as string[][]).slice(1);
      assert.equal(rows.length, 1000);
      assert.deepEqual(
        { row_count: manifest.row_count, first_seq: manifest.first_seq, last_seq: manifest.last_seq, format: manifest.format, filters: manifest.filters, log_size: manifest.log_size },
        { row_count: 1000, first_seq: base + 1, last_seq: base + 2998, format: 'csv', filters: { action: ['user.*'], success: false }, log_size: base + 3000 },
      );
      assert.equal(manifest.checkpoint.tree_size, base + 3000, 'signed when the job pinned the log size');
      assert.equal(createHash('sha256').update(gunzipSync(file)).digest('hex'), manifest.uncompressed_sha256);
    });

    it('puts in the manifest a signed checkpoint that opens with the public key, and makes the NDJSON artifact an evidence file stele verify accepts with the key alone', async () => {
      const job = await done((await create({ format: 'ndjson' })).json().id);
      assert.equal(job.status, 'done', job.error);
      const manifest = (await get(`/v1/exports/${job.id}/manifest`)).json();
      const publicKey = (await get('/v1/integrity/public-key')).json();
      assert.equal(manifest.checkpoint.note_key, publicKey.note_key);

      const opened = openCheckpoint(manifest.checkpoint.checkpoint, publicKey.note_key);
      assert.equal(opened.size, manifest.checkpoint.tree_size);
      assert.equal(Buffer.from(opened.rootHash).toString('hex'), manifest.checkpoint.root_hash);
      assert.ok(opened.size >= manifest.last_seq, 'the checkpoint covers the last exported event');
      assert.equal(manifest.last_seq, manifest.log_size);

      const file = join(bed.dataDir, 'verify.ndjson');
      writeFileSync(file, gunzipSync((await get(pathOf(job.download_url), undefined)).rawPayload));
      assert.equal(manifest.evidence, true);
      const verified = await verifyExportFile({ eventsFile: file, publicKeyPem: publicKey.pem });
      assert.deepEqual(verified.failures, []);
      assert.deepEqual([verified.ok, verified.mode, verified.checked, verified.lastSeq], [true, 'evidence', manifest.row_count, manifest.last_seq]);
      assert.equal(verified.checkpoint?.size, manifest.checkpoint.tree_size);
    });

    it('records the job and each download as audit.exported', async () => {
      const job = await done((await create({ format: 'ndjson', filters: { actor_id: 'u1' } })).json().id);
      await get(pathOf(job.download_url), undefined);
      const feed = (await get('/v1/events/feed?action=audit.exported&limit=1000')).json().events;
      const mine = feed.filter((e: { details: { job_id?: string } }) => e.details.job_id === job.id);
      assert.deepEqual(mine.map((e: { details: { kind: string } }) => e.details.kind), ['bulk', 'download']);
      assert.equal(mine[0].details.row_count, job.row_count);
      assert.deepEqual(mine[0].details.filters, { actor_id: ['u1'] });
    });

    it('stops honouring a download link after it expires and after DELETE', async () => {
      const job = await done((await create({ format: 'json', filters: { actor_id: 'u2' } })).json().id);
      const link = pathOf(job.download_url);
      assert.equal((await get(link, undefined)).statusCode, 200);
      assert.equal((await get(link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), undefined)).statusCode, 401, 'a forged token is refused');

      bed.clock.ms += DAY + 1000;
      const expired = await get(link, undefined);
      assert.equal(expired.statusCode, 401);
      assert.match(expired.json().error.message, /expired/);
      const fresh = pathOf((await get(`/v1/exports/${job.id}`)).json().download_url);
      assert.equal((await get(fresh, undefined)).statusCode, 200, 'a new link is minted on each GET');

      assert.equal((await bed.request({ method: 'DELETE', url: `/v1/exports/${job.id}`, key })).statusCode, 204);
      assert.equal((await get(fresh, undefined)).statusCode, 404);
      assert.equal((await get(`/v1/exports/${job.id}`)).statusCode, 404);
      assert.ok(!existsSync(join(bed.dataDir, 'exports', tenantId, `${job.id}.json.gz`)));
    });

    it('keeps jobs of one tenant away from another', async () => {
      const job = await done((await create({ format: 'csv' })).json().id);
      const other = await bed.tenantWithKey(['audit:export']);
      assert.equal((await get(`/v1/exports/${job.id}`, other.key)).statusCode, 404);
      assert.equal((await bed.request({ method: 'DELETE', url: `/v1/exports/${job.id}`, key: other.key })).statusCode, 404);
    });

    it('refuses bad formats and filters before queueing anything', async () => {
      assert.equal((await create({ format: 'xml' })).statusCode, 400);
      assert.equal((await create({ format: 'csv', filters: { colour: 'red' } })).statusCode, 400);
      assert.equal((await create({ format: 'csv', filters: { since: 'yesterday' } })).statusCode, 400);
    });

    it('finishes, after a restart, jobs left queued or running', async () => {
      const jobs = createJobRepository(bed.db.store, () => bed.clock.ms);
      await bed.app.close();
      // What a crash mid-run leaves behind: a job marked running, still in the pending queue.
      const stamp = new Date(bed.clock.ms).toISOString();
      const crashed = {
        tenant_id: tenantId, format: 'ndjson' as const, filters: { action: ['doc.viewed'] }, q: null, label: null, control_id: null, period: null,
        max_seq: base + 3000, expected_rows: null, row_count: 0, first_seq: null, last_seq: null, created_at: stamp, started_at: null,
        finished_at: null, error: null, artifact: null, requested_by: { id: 'k', type: 'api_key' },
      };
      await jobs.insert({ ...crashed, id: 'crashed-running', status: 'running', started_at: stamp, row_count: 700 });
      await jobs.insert({ ...crashed, id: 'crashed-queued', status: 'queued' });
      await bed.restart();
      for (const id of ['crashed-running', 'crashed-queued']) {
        const job = await done(id);
        assert.equal(job.status, 'done');
        assert.equal(job.row_count, 2000);
        const lines = gunzipSync((await get(pathOf(job.download_url), undefined)).rawPayload).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
        // An evidence file: its checkpoint, the 2,000 events with their proofs, its signed statement.
        assert.deepEqual([Object.keys(lines[0]), lines.length, Object.keys(lines.at(-1))], [['stele_evidence'], 2002, ['stele_evidence_end']]);
        assert.equal(lines.filter((l) => l.inclusion_proof).length, 2000);
      }
      assert.deepEqual(await jobs.pending(), []);
    });

    it('collects evidence for a control over a period and lists it by control id', async () => {
      const period = { since: new Date(bed.clock.ms - 7 * DAY).toISOString(), until: new Date(bed.clock.ms + DAY).toISOString() };
      const created = await bed.request({ method: 'POST', url: '/v1/compliance/evidence', key, payload: { control_id: 'CC6.1', filters: { action: ['user.login_failed'] }, period } });
      assert.equal(created.statusCode, 202, created.body);
      const job = await done(created.json().id);
      assert.equal(job.row_count, 1000);
      assert.equal(job.control_id, 'CC6.1');
      await bed.request({ method: 'POST', url: '/v1/compliance/evidence', key, payload: { control_id: 'CC7.2', period } });
      const listed = (await get('/v1/compliance/evidence?control_id=CC6.1')).json().evidence;
      assert.deepEqual(listed.map((e: { id: string }) => e.id), [job.id]);
      assert.deepEqual(listed[0].period, period);
      const manifest = (await get(`/v1/exports/${job.id}/manifest`)).json();
      assert.equal(manifest.control_id, 'CC6.1');
      assert.equal((await bed.request({ method: 'POST', url: '/v1/compliance/evidence', key, payload: { control_id: 'CC6.1', period: { since: period.until, until: period.since } } })).statusCode, 400);
    });
  });
}
