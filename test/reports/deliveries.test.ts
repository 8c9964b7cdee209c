// Where finished files go, against real peers on loopback: report schedules to a directory, an
// OpenSSH server and a real SMTP server (smtp-server, mail read back with mailparser); notices
// that a report or a bulk export is ready, by e-mail and by a webhook receiver written here that
// checks the Standard Webhooks signature; and `columns=` for CSV exports, direct and bulk.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { verifyWebhook } from '../../src/background/standard-webhooks.js';
import { KNOWN_EVENTS, PERIOD } from '../../src/reports/testing/known-log.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { freePort } from '../helpers/free-port.js';
import { SSHD_SKIP_REASON, startSshd, type TestSshd } from '../helpers/sshd.js';
import { eventually, startTestBed, type TestBed } from '../export/export-test-bed.js';

const NOW = Date.parse('2026-06-15T12:00:00.000Z');

interface Received { headers: Record<string, string | string[] | undefined>; body: string }

for (const engine of ENGINES) {
  describe(`report deliveries and notices on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let smtp: SMTPServer;
    let receiver: Server;
    let receiverUrl: string;
    const mails: ParsedMail[] = [];
    const hooks: Received[] = [];

    before(async () => {
      const smtpPort = await freePort();
      smtp = new SMTPServer({
        authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
        onData(stream, _session, callback) {
          simpleParser(stream).then((mail) => { mails.push(mail); callback(); }, callback);
        },
      });
      await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
      receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
          hooks.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
      bed = await startTestBed(engine.name, {
        STELE_SMTP_HOST: '127.0.0.1', STELE_SMTP_PORT: String(smtpPort), STELE_SMTP_SECURITY: 'none', STELE_SMTP_FROM: 'stele@example.com',
      });
      bed.clock.ms = NOW;
      ({ key } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
      await bed.ingest(key, KNOWN_EVENTS);
    });
    after(async () => {
      await bed.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    });

    const reportDone = (id: string) => eventually(async () => {
      const view = (await bed.request({ method: 'GET', url: `/v1/reports/${id}`, key })).json();
      return view.status === 'done' && view.notifications.length > 0 ? view : undefined;
    }, 30_000);

    it('tells by e-mail and by a signed webhook that a report is ready, with a link that downloads it', async () => {
      const response = await bed.request({
        method: 'POST', url: '/v1/reports', key,
        payload: { type: 'login_activity', ...PERIOD, format: 'pdf', notify: { email: ['ciso@example.com'], webhook: { url: receiverUrl } } },
      });
      assert.equal(response.statusCode, 202, response.body);
      const { id, notify_secret: secret } = response.json() as { id: string; notify_secret: string };
      assert.match(secret, /^whsec_/);
      const view = await reportDone(id);
      assert.deepEqual(view.notifications.map((n: { channel: string; ok: boolean }) => [n.channel, n.ok]), [['email', true], ['webhook', true]]);
      assert.equal(JSON.stringify(view).includes(secret), false, 'the secret is shown once, at creation');

      const hook = hooks.find((h) => JSON.parse(h.body).data.id === id)!;
      assert.ok(verifyWebhook(secret, hook.headers, hook.body, Math.floor(NOW / 1000)), 'signed per Standard Webhooks with the secret given once');
      const notice = JSON.parse(hook.body) as { type: string; data: { download_url: string; sha256: string } };
      assert.equal(notice.type, 'report.ready');
      const link = new URL(notice.data.download_url);
      const file = await bed.request({ method: 'GET', url: `${link.pathname}${link.search}` });
      assert.equal(file.statusCode, 200);
      assert.equal(file.headers['x-stele-sha256'], notice.data.sha256);

      const mail = mails.find((m) => m.subject?.includes('login activity report'))!;
      assert.equal(mail.subject, 'Stele: your login activity report (2026-05-01 to 2026-06-01, pdf) is ready');
      assert.deepEqual(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : [], ['ciso@example.com']);
      assert.match(mail.text ?? '', /\/v1\/reports\/[0-9a-f-]+\/download\?token=/);
    });

    it('sends a scheduled report to a directory and by e-mail at its boundary, each a report.generated event', async () => {
      const create = async (destination: object, format = 'pdf') => {
        const response = await bed.request({ method: 'POST', url: '/v1/report-schedules', key, payload: { type: 'security_events', format, frequency: 'monthly', destination } });
        assert.equal(response.statusCode, 201, response.body);
        return response.json() as { id: string; next_run_at: string };
      };
      after(() => { bed.clock.ms = NOW; });
      const toDirectory = await create({ directory: 'reports/monthly' });
      const toMail = await create({ email: { to: ['auditor@example.com'] } }, 'csv');
      assert.equal(toDirectory.next_run_at, '2026-07-01T00:00:00.000Z');
      bed.clock.ms = Date.parse('2026-07-01T00:00:05.000Z');
      let seen: unknown;
      const ran = async (id: string) => eventually(async () => {
        const schedule = (await bed.request({ method: 'GET', url: `/v1/report-schedules/${id}`, key })).json();
        seen = schedule;
        if (!schedule.last_report_id) return undefined;
        const report = (await bed.request({ method: 'GET', url: `/v1/reports/${schedule.last_report_id}`, key })).json();
        seen = report;
        return report.status === 'done' && report.delivery ? { schedule, report } : undefined;
      }, 30_000).catch((error) => { throw new Error(`${error.message}: ${JSON.stringify(seen)}`); });
      const direct = await ran(toDirectory.id);
      assert.deepEqual(direct.report.period, { from: '2026-06-01T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z' });
      assert.equal(direct.report.delivery.ok, true, JSON.stringify(direct.report.delivery));
      const area = readdirSync(join(bed.dataDir, 'scheduled'))[0]!;
      const files = readdirSync(join(bed.dataDir, 'scheduled', area, 'reports/monthly')).sort();
      assert.deepEqual(files, ['stele-security-events-2026-06-01--2026-07-01.manifest.json', 'stele-security-events-2026-06-01--2026-07-01.pdf']);
      assert.deepEqual(direct.report.delivery, { ok: true, file: 'reports/monthly/stele-security-events-2026-06-01--2026-07-01.pdf', at: '2026-07-01T00:00:05.000Z' });
      const manifest = JSON.parse(readFileSync(join(bed.dataDir, 'scheduled', area, 'reports/monthly', files[0]!), 'utf8'));
      assert.equal(manifest.sha256, direct.report.sha256);
      assert.equal(direct.schedule.next_run_at, '2026-08-01T00:00:00.000Z');

      const mailed = await ran(toMail.id);
      assert.equal(mailed.report.delivery.ok, true, JSON.stringify(mailed.report.delivery));
      const mail = mails.find((m) => m.subject?.startsWith('Stele: security events report, 2026-06-01'))!;
      assert.deepEqual(mail.attachments.map((a) => a.filename), ['stele-security-events-2026-06-01--2026-07-01.csv', 'stele-security-events-2026-06-01--2026-07-01.manifest.json']);
      assert.match(mail.attachments[0]!.content.toString('utf8'), /^section,table,row,column,value\r\n/);

      const log = (await bed.request({ method: 'GET', url: '/v1/events?action=report.generated,report_schedule.created&limit=100', key })).json().events as { action: string; actor: { type?: string }; details: { schedule_id?: string } }[];
      assert.equal(log.filter((e) => e.action === 'report_schedule.created').length, 2);
      const generated = log.filter((e) => e.action === 'report.generated' && e.details.schedule_id !== undefined);
      assert.deepEqual(generated.map((e) => e.details.schedule_id).sort(), [toDirectory.id, toMail.id].sort());
      assert.ok(generated.every((e) => e.actor.type === 'system'));
      bed.clock.ms = NOW;
    });

    it('refuses a schedule without exactly one destination, or with a directory outside the tenant\'s area', async () => {
      for (const destination of [{}, { directory: 'a', email: { to: ['a@example.com'] } }, { directory: '../other' }, { email: { to: ['not an address'] } }]) {
        const response = await bed.request({ method: 'POST', url: '/v1/report-schedules', key, payload: { type: 'login_activity', format: 'pdf', frequency: 'daily', destination } });
        assert.equal(response.statusCode, 400, JSON.stringify(destination));
      }
    });

    it('exports the CSV columns asked for, in order with their headers, directly and in bulk, and tells when a bulk export is ready', async () => {
      const columns = encodeURIComponent('occurred_at:Time,actor.email:User,action,details.to_role:New role,context.ip');
      const direct = await bed.request({ method: 'GET', url: `/v1/events/export?format=csv&action=member.role_changed&columns=${columns}`, key });
      assert.equal(direct.statusCode, 200, direct.body);
      const lines = direct.body.trimEnd().split('\r\n');
      assert.equal(lines[0], 'Time,User,action,New role,context.ip');
      assert.equal(lines[1], '2026-04-20T10:00:00.000Z,alice@example.com,member.role_changed,editor,');
      assert.equal(lines.length, 6);
      for (const bad of ['nope', 'details.', 'actor.password', 'occurred_at:']) {
        const refused = await bed.request({ method: 'GET', url: `/v1/events/export?format=csv&columns=${encodeURIComponent(bad)}`, key });
        assert.equal(refused.statusCode, 400, bad);
      }
      assert.equal((await bed.request({ method: 'GET', url: `/v1/events/export?format=ndjson&columns=action`, key })).statusCode, 400);

      const bulk = await bed.request({
        method: 'POST', url: '/v1/exports', key,
        payload: { format: 'csv', filters: { action: ['user.login_failed'] }, columns: 'occurred_at:When,actor.id:Who,context.ip:From', notify: { webhook: { url: receiverUrl } } },
      });
      assert.equal(bulk.statusCode, 202, bulk.body);
      const { id, notify_secret: secret } = bulk.json() as { id: string; notify_secret: string };
      const hook = await eventually(async () => hooks.find((h) => JSON.parse(h.body).data.id === id), 30_000);
      assert.ok(verifyWebhook(secret, hook.headers, hook.body, Math.floor(NOW / 1000)), JSON.stringify(hook));
      const notice = JSON.parse(hook.body) as { type: string; data: { download_url: string; row_count: number } };
      assert.equal(notice.type, 'export.ready');
      assert.equal(notice.data.row_count, 7);
      const link = new URL(notice.data.download_url);
      const file = await bed.request({ method: 'GET', url: `${link.pathname}${link.search}` });
      const csv = gunzipSync(file.rawPayload).toString('utf8').split('\r\n');
      assert.equal(csv[0], 'When,Who,From');
      assert.equal(csv[1], '2026-05-04T09:00:00.000Z,alice,10.0.0.1');
      const refused = await bed.request({ method: 'POST', url: '/v1/exports', key, payload: { format: 'ndjson', columns: 'action' } });
      assert.equal(refused.statusCode, 400);
    });

    it('sends a scheduled report to an SFTP server, pinning its host key', { skip: SSHD_SKIP_REASON }, async () => {
      const sshd: TestSshd = await startSshd();
      try {
        const response = await bed.request({
          method: 'POST', url: '/v1/report-schedules', key,
          payload: { type: 'admin_actions', format: 'html', frequency: 'daily', destination: { sftp: { host: sshd.host, port: sshd.port, username: sshd.username, path: join(sshd.dropDir, 'reports'), private_key: sshd.clientKey } } },
        });
        assert.equal(response.statusCode, 201, response.body);
        assert.equal(JSON.stringify(response.json()).includes('PRIVATE KEY'), false);
        const { id, next_run_at: next } = response.json() as { id: string; next_run_at: string };
        assert.equal(next, '2026-06-16T00:00:00.000Z');
        bed.clock.ms = Date.parse(next) + 1000;
        const schedule = await eventually(async () => {
          const s = (await bed.request({ method: 'GET', url: `/v1/report-schedules/${id}`, key })).json();
          return s.last_file || s.last_error ? s : undefined;
        }, 30_000);
        assert.equal(schedule.last_error, null, sshd.log());
        assert.equal(schedule.sftp.host_key_sha256, sshd.hostKeySha256);
        assert.deepEqual(readdirSync(join(sshd.dropDir, 'reports')).sort(), ['stele-admin-actions-2026-06-15--2026-06-16.html', 'stele-admin-actions-2026-06-15--2026-06-16.manifest.json']);
      } finally {
        bed.clock.ms = NOW;
        await sshd.stop();
      }
    });
  });
}
