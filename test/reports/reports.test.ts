// Reports through the API on both engines: every report's figures against a log with known
// answers, each format (the PDF read back with Debian's pdftotext), the SOC 2 package verified
// offline and refused once a file inside it is changed, the self-audit, and bad requests.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { REPORT_TYPES } from '../../src/reports/definitions.js';
import type { ReportDocument } from '../../src/reports/report-document.js';
import { EXPECTED, KNOWN_EVENTS, PERIOD } from '../../src/reports/testing/known-log.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { verifyPackage } from '../../src/reports/package-verifier.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { readZip, writeZip } from '../helpers/zip-files.js';
import { CLI_ENTRY } from '../helpers/server-process.js';
import { eventually, startTestBed, type TestBed } from '../export/export-test-bed.js';

const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const PDFTOTEXT_SKIP = process.env.STELE_TEST_PDFTOTEXT === '1' ? false : 'pdftotext (poppler-utils) is not installed';
const work = mkdtempSync(join(tmpdir(), 'stele-reports-'));

interface ReportView { id: string; status: string; progress: number; download_url?: string; error?: string; sha256?: string; filename?: string }

for (const engine of ENGINES) {
  describe(`reports on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let tenantId: string;
    const publicPem = testSigningKey().publicPem;

    const ask = async (body: object, status = 202) => {
      const response = await bed.request({ method: 'POST', url: '/v1/reports', key, payload: body });
      assert.equal(response.statusCode, status, response.body);
      return response.json();
    };
    const finished = (id: string) => eventually(async () => {
      const view = (await bed.request({ method: 'GET', url: `/v1/reports/${id}`, key })).json() as ReportView;
      return view.status === 'done' || view.status === 'failed' ? view : undefined;
    }, 60_000);
    const download = async (view: ReportView) => {
      const response = await bed.request({ method: 'GET', url: new URL(view.download_url!).pathname + new URL(view.download_url!).search });
      assert.equal(response.statusCode, 200, response.body);
      return response;
    };
    const make = async (body: object) => {
      const view = await finished((await ask(body)).id);
      assert.equal(view.status, 'done', view.error ?? '');
      return { view, response: await download(view) };
    };

    before(async () => {
      bed = await startTestBed(engine.name);
      bed.clock.ms = NOW;
      ({ tenantId, key } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
      await bed.ingest(key, KNOWN_EVENTS);
    });
    after(() => bed.close());

    for (const type of REPORT_TYPES) {
      it(`states the known figures of ${type} (json)`, async () => {
        const { response } = await make({ type, ...PERIOD, format: 'json' });
        const document = response.json() as ReportDocument;
        assert.equal(document.tenant_id, tenantId);
        for (const [sectionId, figures] of Object.entries(EXPECTED[type]!)) {
          const section = document.sections.find((s) => s.id === sectionId)!;
          for (const [id, value] of Object.entries(figures)) assert.equal(section.figures.find((f) => f.id === id)?.value, value, `${type} ${id}`);
        }
      });
    }

    it('writes a PDF whose text, read back by pdftotext, states the figures', { skip: PDFTOTEXT_SKIP }, async () => {
      const { response, view } = await make({ type: 'login_activity', ...PERIOD, format: 'pdf' });
      assert.equal(response.headers['content-type'], 'application/pdf');
      assert.match(String(response.headers['content-disposition']), /^attachment; filename="stele-login-activity-2026-05-01--2026-06-01\.pdf"$/);
      const file = join(work, `${engine.name}-login.pdf`);
      writeFileSync(file, response.rawPayload);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      assert.match(text, /Login activity report/);
      assert.match(text, /Login attempts\s+10\b/);
      assert.match(text, /Failed logins\s+6\b/);
      assert.match(text, /Login failure rate\s+60\.0%/);
      assert.match(text, /Top failing actors/);
      assert.match(text, /eve\s+3\s+3/);
      assert.match(text, /203\.0\.113\.9\s+5\s+5/);
      assert.equal(view.sha256?.length, 64);
    });

    it('writes printable HTML that opens sandboxed in the browser, and a CSV a spreadsheet pivots', async () => {
      const html = await make({ type: 'permission_changes', ...PERIOD, format: 'html' });
      assert.match(String(html.response.headers['content-type']), /^text\/html/);
      assert.match(String(html.response.headers['content-disposition']), /^inline;/);
      assert.match(String(html.response.headers['content-security-policy']), /sandbox/);
      assert.match(html.response.body, /<dt>Escalations to an admin role<\/dt><dd>3<\/dd>/);
      assert.match(html.response.body, /role: viewer → admin/);
      assert.doesNotMatch(html.response.body, /<script/);
      const csv = await make({ type: 'data_access', ...PERIOD, format: 'csv' });
      const rows = parse(csv.response.body, { columns: true }) as Record<string, string>[];
      assert.equal(rows.find((r) => r.column === 'Rows read' && r.table === '')?.value, '350');
      assert.equal(rows.find((r) => r.table === 'Data access by actor' && r.row === 'carol' && r.column === 'Rows exported')?.value, '1000');
    });

    it('counts only the filters asked for, and records who asked and what was generated', async () => {
      const { response, view } = await make({ type: 'login_activity', ...PERIOD, format: 'json', filters: { actor_id: ['eve'] } });
      assert.equal((response.json() as ReportDocument).sections[0]!.figures.find((f) => f.id === 'failed')!.value, 3);
      const log = (await bed.request({ method: 'GET', url: `/v1/events?action=report.generated,report.requested&limit=100`, key })).json().events as { action: string; target?: { id?: string }; details: Record<string, unknown> }[];
      const generated = log.find((e) => e.action === 'report.generated' && e.target?.id === view.id)!;
      assert.equal((generated.details.figures as Record<string, number>)['logins.failed'], 3);
      assert.equal(generated.details.sha256, view.sha256);
      assert.ok(log.some((e) => e.action === 'report.requested' && e.target?.id === view.id));
    });

    it('packages SOC 2 evidence that verifies offline, and is refused once a file inside is changed', async () => {
      const { response } = await make({ type: 'soc2', ...PERIOD, format: 'zip' });
      assert.equal(response.headers['content-type'], 'application/zip');
      const file = join(work, `${engine.name}-soc2.zip`);
      writeFileSync(file, response.rawPayload);
      const checked = await verifyPackage({ file, publicKeyPem: publicPem });
      assert.ok(checked.ok, JSON.stringify(checked.checks, null, 2));
      assert.equal(checked.events, 31);
      assert.deepEqual(checked.checks.map((c) => c.check).sort(), ['access-control.csv', 'change-management.csv', 'event proofs', 'figures', 'files', 'manifest signature', 'period', 'security-events.csv', 'summary.html', 'user-activity.csv'].sort());
      const files = await readZip(file);
      const summary = JSON.parse(files.get('summary.json')!.toString('utf8')) as ReportDocument;
      assert.equal(summary.sections.find((s) => s.id === 'access_control')!.figures.find((f) => f.id === 'failure_rate')!.value, 60);

      // One figure changed in summary.json: its hash no longer matches, and it no longer recomputes.
      const edited = structuredClone(summary);
      edited.sections[0]!.figures.find((f) => f.id === 'failed')!.value = 2;
      const forged = join(work, `${engine.name}-forged.zip`);
      await writeZip(forged, new Map([...files, ['summary.json', Buffer.from(`${JSON.stringify(edited, null, 2)}\n`)]]));
      const refused = await verifyPackage({ file: forged, publicKeyPem: publicPem });
      assert.equal(refused.ok, false);
      assert.deepEqual(refused.checks.filter((c) => !c.ok).map((c) => c.check).sort(), ['figures', 'files', 'summary.html']);

      // One event's action changed: its proof fails, and so does its file's hash.
      const lines = files.get('events.ndjson')!.toString('utf8').split('\n');
      lines[2] = lines[2]!.replace('"action":"', '"action":"x');
      const tampered = join(work, `${engine.name}-tampered.zip`);
      await writeZip(tampered, new Map([...files, ['events.ndjson', Buffer.from(lines.join('\n'))]]));
      const broken = await verifyPackage({ file: tampered, publicKeyPem: publicPem });
      assert.ok(broken.checks.some((c) => c.check === 'event proofs' && !c.ok && /content_changed/.test(c.message)));
      assert.ok(broken.checks.some((c) => c.check === 'files' && !c.ok && /events\.ndjson has been changed/.test(c.message)));

      // Another key: nothing verifies.
      const stranger = (await import('node:crypto')).generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const alien = await verifyPackage({ file, publicKeyPem: stranger });
      assert.equal(alien.ok, false);
      assert.ok(alien.checks.some((c) => c.check === 'manifest signature' && !c.ok));

      if (engine.name === 'sqlite') {
        // The command an auditor runs.
        const pem = join(work, 'stele.pem');
        writeFileSync(pem, publicPem);
        const out = execFileSync(process.execPath, [...CLI_ENTRY, 'verify', '--package', file, '--public-key', pem], { encoding: 'utf8' });
        assert.match(out, /OK: the package is complete and unaltered, and its summary is what its 31 events say\./);
        assert.throws(() => execFileSync(process.execPath, [...CLI_ENTRY, 'verify', '--package', forged, '--public-key', pem], { encoding: 'utf8', stdio: 'pipe' }),
          (error: { status: number; stdout: string }) => error.status === 1 && /FAILED: files: summary\.json has been changed/.test(error.stdout));
      }
    });

    it('refuses what it cannot make, saying why', async () => {
      const refused = async (body: object, field: string) => {
        const response = await bed.request({ method: 'POST', url: '/v1/reports', key, payload: body });
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error.details[0].field, field, response.body);
      };
      await refused({ type: 'soc2', ...PERIOD, format: 'pdf' }, 'format');
      await refused({ type: 'login_activity', ...PERIOD, format: 'zip' }, 'format');
      await refused({ type: 'login_activity', from: PERIOD.to, to: PERIOD.from, format: 'json' }, 'to');
      await refused({ type: 'login_activity', from: 'yesterday', to: PERIOD.to, format: 'json' }, 'from');
      await refused({ type: 'login_activity', ...PERIOD, format: 'json', filters: { since: 'now-1d' } }, 'filters');
      await refused({ type: 'login_activity', ...PERIOD, format: 'json', filters: { nope: 'x' } }, 'filters.nope');
      await refused({ type: 'login_activity', ...PERIOD, format: 'json', notify: { email: ['a@example.com'] } }, 'notify.email');
      await refused({ type: 'login_activity', ...PERIOD, format: 'json', notify: { webhook: { url: 'ftp://x' } } }, 'notify.webhook.url');
    });

    it('shows a tenant only its own reports, and a report link opens only its report', async () => {
      bed.clock.ms += 1000; // a later report than the others (ids made in one millisecond are in no order)
      const { view } = await make({ type: 'security_events', ...PERIOD, format: 'json' });
      const other = await bed.tenantWithKey(['audit:export']);
      assert.equal((await bed.request({ method: 'GET', url: `/v1/reports/${view.id}`, key: other.key })).statusCode, 404);
      assert.deepEqual((await bed.request({ method: 'GET', url: '/v1/reports', key: other.key })).json().reports, []);
      const token = new URL(view.download_url!).searchParams.get('token')!;
      assert.equal((await bed.request({ method: 'GET', url: `/v1/exports/${view.id}/download?token=${token}` })).statusCode, 401);
      assert.equal((await bed.request({ method: 'GET', url: `/v1/reports/${view.id}/download?token=${token}x` })).statusCode, 401);
      const listed = (await bed.request({ method: 'GET', url: '/v1/reports', key })).json().reports as ReportView[];
      assert.equal(listed[0]!.id, view.id, 'newest first');
    });
  });
}
