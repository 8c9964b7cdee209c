// Each tenant's scheduled exports stay in its own area, <STELE_EXPORT_DIR_ROOT>/<tenant id>/: a
// tenant cannot write into another's area nor into the root, and no answer shows a server path.

import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { eventually, startTestBed, type TestBed } from './export-test-bed.js';

interface Schedule { id: string; next_run_at: string; runs: number; last_error: string | null; last_file: string | null; directory: string }

for (const engine of ENGINES) {
  describe(`per-tenant export areas on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let a: { tenantId: string; key: string };
    let b: { tenantId: string; key: string };
    const root = () => join(bed.dataDir, 'scheduled');
    const areaOf = (tenantId: string) => join(root(), tenantId);

    before(async () => {
      bed = await startTestBed(engine.name);
      a = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      b = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      await bed.ingest(a.key, [{ action: 'doc.viewed' }, { action: 'doc.edited' }]);
    });
    after(() => bed.close());

    const schedule = (key: string, directory: string) =>
      bed.request({ method: 'POST', url: '/v1/export-schedules', key, payload: { frequency: 'daily', format: 'ndjson', directory, from_start: true } });

    /** Lets every schedule fall due once, and returns this one after its run. */
    async function run(key: string, created: Schedule): Promise<Schedule> {
      bed.clock.ms = Math.max(bed.clock.ms, Date.parse(created.next_run_at) + 1000);
      return eventually(async () => {
        const current = (await bed.request({ method: 'GET', url: `/v1/export-schedules/${created.id}`, key })).json() as Schedule;
        return current.runs >= 1 ? current : undefined;
      });
    }

    const leaksNoPath = (text: string) => {
      for (const path of [bed.dataDir, root()]) assert.ok(!text.includes(path), `${text} shows ${path}`);
    };

    it('writes a tenant\'s files in its own area, the directory relative to it', async () => {
      const created = (await schedule(a.key, './daily//logins/')).json() as Schedule;
      assert.equal(created.directory, 'daily/logins', 'normalised');
      const ran = await run(a.key, created);
      assert.equal(ran.last_error, null);
      assert.match(ran.last_file!, /^daily\/logins\/[^/]+\.ndjson\.gz$/);
      assert.equal(readdirSync(join(areaOf(a.tenantId), 'daily/logins')).length, 2, 'artifact and manifest');
    });

    it('keeps "." in the tenant\'s area, never the root of STELE_EXPORT_DIR_ROOT', async () => {
      const ran = await run(a.key, (await schedule(a.key, '.')).json());
      assert.equal(ran.last_error, null);
      assert.ok(readdirSync(root()).every((name) => name === a.tenantId || name === b.tenantId), readdirSync(root()).join(','));
      assert.ok(readdirSync(areaOf(a.tenantId)).some((name) => name.endsWith('.ndjson.gz')));
    });

    it('puts a directory named after tenant B inside tenant A\'s area, not in B\'s', async () => {
      const ran = await run(a.key, (await schedule(a.key, `${b.tenantId}/stolen`)).json());
      assert.equal(ran.last_error, null);
      assert.ok(existsSync(join(areaOf(a.tenantId), b.tenantId, 'stolen')));
      assert.ok(!existsSync(join(areaOf(b.tenantId), 'stolen')));
    });

    it('refuses paths that leave the area, saying so without any server path', async () => {
      for (const directory of ['..', `../${b.tenantId}`, '../../etc', 'a/../../b', 'x/..', '/etc', `${root()}/${b.tenantId}`, 'a\\..\\b', ' ']) {
        const response = await schedule(a.key, directory);
        assert.equal(response.statusCode, 400, directory);
        assert.equal(response.json().error.code, 'invalid_request');
        assert.match(response.json().error.message, /must stay inside this tenant's export area/);
        assert.equal(response.json().error.details[0].field, 'directory');
        leaksNoPath(response.body);
      }
    });

    it('refuses a symlink into tenant B\'s area or the root at run time, creating nothing there', async () => {
      mkdirSync(areaOf(b.tenantId), { recursive: true });
      symlinkSync(areaOf(b.tenantId), join(areaOf(a.tenantId), 'to-b'));
      symlinkSync(root(), join(areaOf(a.tenantId), 'to-root'));
      for (const directory of ['to-b/drop', 'to-root']) {
        const ran = await run(a.key, (await schedule(a.key, directory)).json());
        assert.equal(ran.last_error, `the directory ${directory} must stay inside this tenant's export area, but a symlink leads out of it`);
      }
      assert.deepEqual(readdirSync(areaOf(b.tenantId)), [], 'nothing written in B\'s area');
      assert.ok(readdirSync(root()).every((name) => name === a.tenantId || name === b.tenantId));
    });

    it('shows a failed run\'s disk error with the path relative to the area, in the schedule and its event', async () => {
      writeFileSync(join(areaOf(a.tenantId), 'blocked'), 'a file where a directory should be');
      const created = (await schedule(a.key, 'blocked/inside')).json() as Schedule;
      const ran = await run(a.key, created);
      assert.equal(ran.last_error, 'ENOTDIR: not a directory, mkdir \'blocked/inside\'');
      leaksNoPath(ran.last_error!);
      const events = (await bed.request({ method: 'GET', url: '/v1/events?action=audit.exported&success=false&limit=100', key: a.key })).json().events;
      const event = events.find((e: { details: { schedule_id: string } }) => e.details.schedule_id === created.id);
      assert.equal(event.details.error, ran.last_error);
      const listed = (await bed.request({ method: 'GET', url: '/v1/export-schedules', key: a.key })).body;
      leaksNoPath(listed);
    });

    it('shows a failed bulk export\'s disk error without the data directory', async () => {
      mkdirSync(join(bed.dataDir, 'exports'), { recursive: true });
      writeFileSync(join(bed.dataDir, 'exports', b.tenantId), 'a file where the tenant\'s export directory should be');
      const created = await bed.request({ method: 'POST', url: '/v1/exports', key: b.key, payload: { format: 'csv' } });
      assert.equal(created.statusCode, 202, created.body);
      const job = await eventually(async () => {
        const current = (await bed.request({ method: 'GET', url: `/v1/exports/${created.json().id}`, key: b.key })).json();
        return current.status === 'failed' ? current : undefined;
      });
      assert.match(job.error, new RegExp(`<data dir>/exports/${b.tenantId}`));
      leaksNoPath(JSON.stringify(job));
    });
  });
}

for (const engine of ENGINES) {
  describe(`run errors of SFTP schedules on ${engine.name}`, { skip: engine.skip }, () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'stele-secrets-'));
    const keyFile = join(keyDir, 'secrets.key');
    let bed: TestBed;
    before(async () => {
      writeFileSync(keyFile, `${randomBytes(32).toString('base64url')}\n`);
      bed = await startTestBed(engine.name, { STELE_SECRETS_KEY_FILE: keyFile });
    });
    after(async () => {
      await bed.close();
      rmSync(keyDir, { recursive: true, force: true });
    });

    it('hide STELE_SECRETS_KEY_FILE when it has gone missing', async () => {
      const { key } = await bed.tenantWithKey(['audit:export']);
      const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      const created = await bed.request({
        method: 'POST', url: '/v1/export-schedules', key,
        payload: { frequency: 'daily', format: 'csv', sftp: { host: 'sftp.example.com', username: 'audit', path: 'drop', private_key: privateKey } },
      });
      assert.equal(created.statusCode, 201, created.body);
      rmSync(keyFile);
      await bed.restart(); // the key was read when the credentials were sealed; a fresh process reads it again
      bed.clock.ms = Date.parse(created.json().next_run_at) + 1000;
      const ran = await eventually(async () => {
        const current = (await bed.request({ method: 'GET', url: `/v1/export-schedules/${created.json().id}`, key })).json();
        return current.runs >= 1 ? current : undefined;
      });
      assert.equal(ran.last_error, 'STELE_SECRETS_KEY_FILE <secrets key file> does not exist');
    });
  });
}
