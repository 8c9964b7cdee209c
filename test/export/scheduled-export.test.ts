import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { eventually, startTestBed, type TestBed } from './export-test-bed.js';
import { ndjsonEvents } from '../helpers/evidence.js';

const DAY = 86_400_000;

for (const engine of ENGINES) {
  describe(`scheduled exports on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let tenantId: string;
    const schedule = (payload: object) => bed.request({ method: 'POST', url: '/v1/export-schedules', key, payload });
    /** The tenant's export area: `<STELE_EXPORT_DIR_ROOT>/<tenant id>`. */
    const area = () => join(bed.dataDir, 'scheduled', tenantId);

    before(async () => {
      bed = await startTestBed(engine.name);
      ({ key, tenantId } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
      await bed.ingest(key, Array.from({ length: 50 }, (_, i) => ({ action: i % 2 ? 'user.login' : 'doc.viewed' })));
    });
    after(() => bed.close());

    it('runs a due schedule once the clock passes its boundary, writing artifact, manifest and an event', async () => {
      const created = await schedule({ frequency: 'daily', format: 'ndjson', filters: { action: ['user.*'] }, directory: 'acme/logins', from_start: true });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as string;
      assert.equal(created.json().runs, 0);

      bed.clock.ms = Date.parse(created.json().next_run_at) + 1000;
      const ran = await eventually(async () => {
        const current = (await bed.request({ method: 'GET', url: `/v1/export-schedules/${id}`, key })).json();
        return current.runs === 1 ? current : undefined;
      });
      assert.equal(ran.last_error, null);
      assert.equal(ran.last_row_count, 25);
      assert.equal(Date.parse(ran.next_run_at), Date.parse(created.json().next_run_at) + DAY);

      const files = readdirSync(join(area(), 'acme/logins')).sort();
      assert.equal(files.length, 2);
      const artifact = files.find((f) => f.endsWith('.ndjson.gz'))!;
      const manifest = JSON.parse(readFileSync(join(area(), 'acme/logins', files.find((f) => f.endsWith('.manifest.json'))!), 'utf8'));
      const bytes = readFileSync(join(area(), 'acme/logins', artifact));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.sha256);
      assert.equal(ndjsonEvents(gunzipSync(bytes).toString()).length, 25);
      assert.deepEqual({ file: manifest.file, source: manifest.source, row_count: manifest.row_count }, { file: artifact, source: { kind: 'scheduled_export', id }, row_count: 25 });
      assert.equal(manifest.checkpoint.tree_size, manifest.log_size, 'the run signs the checkpoint it pins to');
      assert.ok(manifest.checkpoint.tree_size >= manifest.last_seq);

      const events = (await bed.request({ method: 'GET', url: '/v1/events/feed?action=audit.exported&limit=1000', key })).json().events;
      const run = events.find((e: { details: { schedule_id?: string } }) => e.details.schedule_id === id);
      assert.equal(run.details.kind, 'scheduled');
      assert.equal(run.details.row_count, 25);
    });

    it('exports only the events added since the previous run', async () => {
      const created = (await schedule({ frequency: 'weekly', format: 'csv', directory: 'incremental' })).json();
      await bed.ingest(key, [{ action: 'new.one' }, { action: 'new.two' }]);
      bed.clock.ms = Date.parse(created.next_run_at) + 1000;
      const ran = await eventually(async () => {
        const current = (await bed.request({ method: 'GET', url: `/v1/export-schedules/${created.id}`, key })).json();
        return current.runs === 1 ? current : undefined;
      });
      // The schedule's own creation and the two new events, plus the audit.exported of the daily
      // schedule that also fell due.
      assert.ok(ran.last_row_count >= 3 && ran.last_row_count <= 4, String(ran.last_row_count));
      assert.equal(new Date(ran.next_run_at).getUTCDay(), 1, 'weekly runs fall on Mondays');
    });

    it('refuses directories outside the tenant\'s export area, and symlinks that lead out', async () => {
      for (const directory of ['../escape', '/etc', 'a/../../b', 'a/..', '..']) {
        const response = await schedule({ frequency: 'daily', format: 'csv', directory });
        assert.equal(response.statusCode, 400, directory);
        assert.equal(response.json().error.details[0].field, 'directory');
        assert.match(response.json().error.message, /must stay inside this tenant's export area/);
      }
      mkdirSync(area(), { recursive: true });
      symlinkSync(tmpdir(), join(area(), 'sneaky'));
      const created = (await schedule({ frequency: 'monthly', format: 'csv', directory: 'sneaky/out' })).json();
      bed.clock.ms = Date.parse(created.next_run_at) + 1000;
      const ran = await eventually(async () => {
        const current = (await bed.request({ method: 'GET', url: `/v1/export-schedules/${created.id}`, key })).json();
        return current.runs === 1 ? current : undefined;
      });
      assert.equal(ran.last_error, 'the directory sneaky/out must stay inside this tenant\'s export area, but a symlink leads out of it');
    });

    it('lists and deletes schedules', async () => {
      const listed = (await bed.request({ method: 'GET', url: '/v1/export-schedules', key })).json().schedules;
      assert.equal(listed.length, 3);
      assert.equal((await bed.request({ method: 'DELETE', url: `/v1/export-schedules/${listed[0].id}`, key })).statusCode, 204);
      assert.equal((await bed.request({ method: 'GET', url: `/v1/export-schedules/${listed[0].id}`, key })).statusCode, 404);
      assert.equal((await schedule({ frequency: 'hourly', format: 'csv', directory: 'x' })).statusCode, 400);
    });
  });
}
