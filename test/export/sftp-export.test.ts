// Scheduled exports to a real OpenSSH server on loopback (test/helpers/sshd.ts): what lands on the
// server, host key pinning, failed logins, and that credentials never come back out.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { SSHD_SKIP_REASON, startSshd, type TestSshd } from '../helpers/sshd.js';
import { eventually, startTestBed, type TestBed } from './export-test-bed.js';
import { ndjsonEvents } from '../helpers/evidence.js';

interface Schedule {
  id: string;
  runs: number;
  last_seq: number;
  last_error: string | null;
  last_file: string | null;
  last_row_count: number | null;
  next_run_at: string;
  sftp: { host: string; port: number; username: string; path: string; auth: string; host_key_sha256: string | null };
}

for (const engine of ENGINES) {
  describe(`scheduled exports to SFTP on ${engine.name}`, { skip: engine.skip || SSHD_SKIP_REASON }, () => {
    let bed: TestBed;
    let sshd: TestSshd;
    const PASSWORD = `wrong-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16)}`;

    before(async () => {
      [bed, sshd] = await Promise.all([startTestBed(engine.name), startSshd()]);
    });
    after(async () => {
      await bed?.close();
      await sshd?.stop();
    });

    // Each test's schedules are deleted after it, so moving the clock runs only the current test's.
    let made: { key: string; id: string }[] = [];
    afterEach(async () => {
      for (const { key, id } of made) await bed.request({ method: 'DELETE', url: `/v1/export-schedules/${id}`, key });
      made = [];
    });

    const sftp = (path: string, auth: object, extra: object = {}) => ({
      host: sshd.host, port: sshd.port, username: sshd.username, path: join(sshd.dropDir, path), ...auth, ...extra,
    });
    const create = async (key: string, payload: object): Promise<Schedule> => {
      const response = await bed.request({ method: 'POST', url: '/v1/export-schedules', key, payload });
      assert.equal(response.statusCode, 201, response.body);
      made.push({ key, id: response.json().id });
      return response.json();
    };
    const get = async (key: string, id: string): Promise<Schedule> => (await bed.request({ method: 'GET', url: `/v1/export-schedules/${id}`, key })).json();
    /** Moves the clock past the schedule's boundary and waits for the worker to run it. */
    async function runNow(key: string, schedule: Schedule): Promise<Schedule> {
      bed.clock.ms = Math.max(bed.clock.ms, Date.parse(schedule.next_run_at) + 1000);
      return eventually(async () => {
        const current = await get(key, schedule.id);
        return current.runs > schedule.runs ? current : undefined;
      }, 30_000);
    }
    const exportedEvents = async (key: string, id: string) =>
      ((await bed.request({ method: 'GET', url: '/v1/events/feed?action=audit.exported&limit=1000', key })).json().events as { success: boolean; details: Record<string, unknown> }[])
        .filter((e) => e.details.schedule_id === id);

    it('uploads the artifact and its manifest, whose SHA-256 matches the file that landed', async () => {
      const { key } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      await bed.ingest(key, Array.from({ length: 30 }, (_, i) => ({ action: i % 3 ? 'doc.viewed' : 'user.login' })));
      const created = await create(key, {
        frequency: 'daily', format: 'ndjson', filters: { action: ['user.*'] }, from_start: true,
        sftp: sftp('acme/logins', { private_key: sshd.clientKey }, { host_key_sha256: sshd.hostKeySha256 }),
      });
      const ran = await runNow(key, created);
      assert.equal(ran.last_error, null, sshd.log());
      assert.equal(ran.last_row_count, 10);

      const dir = join(sshd.dropDir, 'acme/logins');
      const files = readdirSync(dir).sort();
      assert.equal(files.length, 2, `no .partial left behind: ${files.join(', ')}`);
      const artifact = files.find((f) => f.endsWith('.ndjson.gz'))!;
      const manifest = JSON.parse(readFileSync(join(dir, files.find((f) => f.endsWith('.manifest.json'))!), 'utf8'));
      const bytes = readFileSync(join(dir, artifact));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.sha256);
      assert.equal(bytes.length, manifest.bytes ?? bytes.length);
      assert.equal(ndjsonEvents(gunzipSync(bytes).toString()).length, 10);
      assert.deepEqual({ file: manifest.file, source: manifest.source, row_count: manifest.row_count }, { file: artifact, source: { kind: 'scheduled_export', id: created.id }, row_count: 10 });
      assert.equal(ran.last_file, join(dir, artifact));
      assert.equal(ran.last_seq, manifest.log_size, 'the cursor moves to the log size the run pinned');

      const [event] = await exportedEvents(key, created.id);
      assert.equal(event!.success, true);
      assert.equal(event!.details.kind, 'scheduled');
      assert.equal(event!.details.file, join(dir, artifact));
      assert.equal(event!.details.sha256, manifest.sha256);
      assert.equal(event!.details.host_key_sha256, sshd.hostKeySha256);
      assert.equal(event!.details.destination, `sftp://${sshd.username}@127.0.0.1:${sshd.port}${dir}`);

      // Nothing of the export is left in the local outbox.
      assert.deepEqual(readdirSync(join(bed.dataDir, 'exports', '.sftp-outbox')), []);
    });

    it('pins the host key its first successful run saw when none was given', async () => {
      const { key } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      await bed.ingest(key, [{ action: 'a.b' }]);
      const created = await create(key, { frequency: 'weekly', format: 'csv', from_start: true, sftp: sftp('tofu', { private_key: sshd.clientKey }) });
      assert.equal(created.sftp.host_key_sha256, null);
      const ran = await runNow(key, created);
      assert.equal(ran.last_error, null);
      assert.equal(ran.sftp.host_key_sha256, sshd.hostKeySha256);
    });

    it('refuses a server whose host key does not match, before offering any credential, and records why', async () => {
      const { key } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      await bed.ingest(key, [{ action: 'a.b' }]);
      const wrong = `SHA256:${createHash('sha256').update('some other server').digest('base64').replace(/=+$/, '')}`;
      const created = await create(key, { frequency: 'daily', format: 'csv', from_start: true, sftp: sftp('mismatch', { private_key: sshd.clientKey }, { host_key_sha256: wrong }) });
      const logins = (sshd.log().match(/Accepted|Failed/g) ?? []).length;

      const ran = await runNow(key, created);
      assert.match(ran.last_error!, /host key mismatch, refusing to connect/);
      assert.ok(ran.last_error!.includes(`expected ${wrong}, the server presented ${sshd.hostKeySha256}`), ran.last_error!);
      assert.equal(ran.last_seq, 0, 'the cursor did not move');
      assert.equal(ran.sftp.host_key_sha256, wrong, 'a failed run pins nothing');
      assert.equal(existsSync(join(sshd.dropDir, 'mismatch')), false);
      assert.equal((sshd.log().match(/Accepted|Failed/g) ?? []).length, logins, 'no authentication was attempted');

      const [event] = await exportedEvents(key, created.id);
      assert.equal(event!.success, false);
      assert.equal(event!.details.error, ran.last_error);
      assert.match(String(event!.details.destination), /^sftp:\/\//);
    });

    it('records a login the server refuses, keeps the cursor, and the next good run exports the same events', async () => {
      const { key, tenantId } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      const start = (await bed.db.store.getHead(tenantId)).size; // the tenant's and its key's creation
      await bed.ingest(key, Array.from({ length: 10 }, () => ({ action: 'app.before' })));
      const created = await create(key, {
        frequency: 'daily', format: 'ndjson', filters: { action: ['app.*'] },
        sftp: sftp('retry', { private_key: sshd.strangerKey }, { host_key_sha256: sshd.hostKeySha256 }),
      });
      assert.equal(created.last_seq, start + 10);
      await bed.ingest(key, Array.from({ length: 5 }, () => ({ action: 'app.missed' })));

      const failed = await runNow(key, created);
      assert.match(failed.last_error!, /authentication failed for the private key/);
      assert.equal(failed.last_seq, start + 10, 'a failed upload does not move the cursor');
      assert.equal(existsSync(join(sshd.dropDir, 'retry')), false);
      const [failure] = await exportedEvents(key, created.id);
      assert.equal(failure!.success, false);
      assert.match(String(failure!.details.error), /authentication failed/);

      // The server's administrator authorizes the key; the next boundary's run catches up.
      sshd.authorizeStranger();
      await bed.ingest(key, Array.from({ length: 2 }, () => ({ action: 'app.after' })));
      const ran = await runNow(key, failed);
      assert.equal(ran.last_error, null, sshd.log());
      assert.equal(ran.last_row_count, 7, 'the 5 events of the failed run and the 2 since');
      const artifact = readdirSync(join(sshd.dropDir, 'retry')).find((f) => f.endsWith('.ndjson.gz'))!;
      const rows = ndjsonEvents(gunzipSync(readFileSync(join(sshd.dropDir, 'retry', artifact))).toString());
      assert.deepEqual(rows.map((r) => r.action), [...Array(5).fill('app.missed'), 'app.after', 'app.after']);
      assert.equal(rows[0]!.seq, start + 12, 'after the ten before and the schedule\'s own creation');
    });

    it('records a wrong password without ever showing it, in responses, events, errors or the database', async () => {
      const { key } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
      await bed.ingest(key, [{ action: 'a.b' }]);
      const created = await create(key, { frequency: 'monthly', format: 'csv', from_start: true, sftp: sftp('password', { password: PASSWORD }) });
      assert.equal(created.sftp.auth, 'password');
      const ran = await runNow(key, created);
      assert.match(ran.last_error!, /authentication failed for the password/);
      assert.equal(ran.last_seq, 0);

      const keyCreated = await create(key, { frequency: 'monthly', format: 'csv', sftp: sftp('keyed', { private_key: sshd.clientKey }) });
      const secrets = [PASSWORD, sshd.clientKey.split('\n')[1]!];
      const seen = [
        JSON.stringify(created), JSON.stringify(keyCreated), JSON.stringify(ran),
        (await bed.request({ method: 'GET', url: '/v1/export-schedules', key })).body,
        (await bed.request({ method: 'GET', url: `/v1/export-schedules/${keyCreated.id}`, key })).body,
        (await bed.request({ method: 'GET', url: '/v1/events/feed?limit=1000', key })).body,
        JSON.stringify(await bed.db.raw('SELECT * FROM records')),
      ].join('\n');
      for (const secret of secrets) assert.equal(seen.includes(secret), false, 'a credential leaked');
      for (const field of ['password', 'private_key', 'passphrase']) assert.equal(field in created.sftp, false);

      // The key that seals them lives in the data directory, readable by the server's user only.
      assert.equal(statSync(join(bed.dataDir, 'secrets.key')).mode & 0o777, 0o600);
    });

    it('refuses requests with no destination, two destinations, two credentials or malformed ones', async () => {
      const { key } = await bed.tenantWithKey(['audit:export']);
      const bad = async (payload: object, field: string) => {
        const response = await bed.request({ method: 'POST', url: '/v1/export-schedules', key, payload: { frequency: 'daily', format: 'csv', ...payload } });
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error.details[0].field, field, response.body);
        return response.body;
      };
      await bad({}, 'directory');
      await bad({ directory: 'x', sftp: sftp('x', { password: 'p' }) }, 'directory');
      await bad({ sftp: sftp('x', { password: 'p', private_key: sshd.clientKey }) }, 'sftp.password');
      await bad({ sftp: sftp('x', {}) }, 'sftp.password');
      await bad({ sftp: sftp('x', { password: 'p' }, { host_key_sha256: 'MD5:aa:bb' }) }, 'sftp.host_key_sha256');
      await bad({ sftp: sftp('x', { password: 'p' }, { host: 'evil host' }) }, 'sftp.host');
      const body = await bad({ sftp: sftp('x', { private_key: 'not a key but a secret-ish text' }) }, 'sftp.private_key');
      assert.equal(body.includes('secret-ish'), false, 'the refusal does not echo the key');
    });
  });
}
