// SOC 2 packages of a period some of whose events were deleted: the evidence file carries the
// `audit.deleted` record that explains each tombstone even when that record is not of the period
// (made later, or beyond the log size the report was pinned to). `stele verify --package` checks
// those records as explanations, not as events of the period, so an honest package verifies; an
// event from outside the period that explains nothing of it still fails. And a deletion that lands
// after the report was asked for, or while it is written, neither fails the job nor the package.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyPackage } from '../../src/reports/package-verifier.js';
import type { ReportDocument } from '../../src/reports/report-document.js';
import type { Store } from '../../src/store/port.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { readZip, writeZip } from '../helpers/zip-files.js';
import { eventually, startTestBed, type TestBed } from '../export/export-test-bed.js';

const MAY = { from: '2026-05-01T00:00:00.000Z', to: '2026-06-01T00:00:00.000Z' };
type Line = Record<string, unknown> & { seq: number; id: string; action: string; forgotten?: { kind: string; by_seq: number } };

for (const engine of ENGINES) {
  describe(`SOC 2 packages of a period with deleted events on ${engine.name}`, { skip: engine.skip }, () => {
    let bed: TestBed;
    let key: string;
    let tenantId: string;
    const work = mkdtempSync(join(tmpdir(), 'stele-soc2-forgotten-'));
    const publicKeyPem = testSigningKey().publicPem;
    /** Runs once, before the next call of `method` for this tenant (that passes `when`) reaches the store. */
    let hook: { method: string; when: (args: unknown[]) => boolean; run: () => Promise<void> } | undefined;
    const wrapStore = (store: Store): Store => new Proxy(store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (id: unknown, ...args: unknown[]) => {
          const armed = hook;
          if (armed && name === armed.method && id === tenantId && armed.when(args)) {
            hook = undefined;
            return armed.run().then(() => (value as (...a: unknown[]) => unknown).call(target, id, ...args));
          }
          return (value as (...a: unknown[]) => unknown).call(target, id, ...args);
        };
      },
    });

    const del = async (id: string) => {
      const response = await bed.request({ method: 'DELETE', url: `/v1/events/${id}`, key, payload: { reason: 'a data subject asked' } });
      assert.equal(response.statusCode, 204, response.body);
    };
    /** Asks for the SOC 2 package of May, waits for it, and returns the job, the zip's path and its check. */
    const packageOfMay = async (name: string) => {
      const asked = await bed.request({ method: 'POST', url: '/v1/reports', key, payload: { type: 'soc2', format: 'zip', ...MAY } });
      assert.equal(asked.statusCode, 202, asked.body);
      const view = await eventually(async () => {
        const v = (await bed.request({ method: 'GET', url: `/v1/reports/${asked.json().id}`, key })).json();
        return v.status === 'done' || v.status === 'failed' ? v : undefined;
      }, 60_000);
      assert.equal(view.status, 'done', view.error);
      const url = new URL(view.download_url);
      const file = join(work, `${engine.name}-${name}.zip`);
      writeFileSync(file, (await bed.request({ method: 'GET', url: url.pathname + url.search })).rawPayload);
      const manifest = (await bed.request({ method: 'GET', url: `/v1/reports/${view.id}/manifest`, key })).json();
      return { file, manifest, checked: await verifyPackage({ file, publicKeyPem }) };
    };
    const linesOf = (files: Map<string, Buffer>) => files.get('events.ndjson')!.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
    const usersOf = (summary: ReportDocument) => summary.sections.find((s) => s.id === 'user_activity')!.figures.find((f) => f.id === 'events')!.value;

    before(async () => {
      bed = await startTestBed(engine.name, {}, { wrapStore });
      bed.clock.ms = Date.parse('2026-05-10T12:00:00Z');
      ({ tenantId, key } = await bed.tenantWithKey(['events:write', 'audit:read', 'audit:export', 'audit:write']));
      await bed.ingest(key, Array.from({ length: 8 }, (_, i) => ({
        id: `e${i}`, action: 'user.login_succeeded', occurred_at: `2026-05-0${i + 1}T10:00:00Z`, actor: { id: `u${i % 3}` }, success: true,
      })));
      bed.clock.ms = Date.parse('2026-06-03T12:00:00Z'); // after the period: a data subject asks for deletion
      await bed.ingest(key, [{ id: 'june-1', action: 'user.login_succeeded', occurred_at: '2026-06-02T10:00:00Z', actor: { id: 'u9' }, success: true }]);
    });
    after(async () => {
      await bed.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('verifies a package whose period has an event deleted after the period, its record checked but not counted', async () => {
      await del('e2');
      const { file, manifest, checked } = await packageOfMay('deleted');
      assert.ok(checked.ok, checked.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.message}`).join('\n'));
      const files = await readZip(file);
      const summary = JSON.parse(files.get('summary.json')!.toString('utf8')) as ReportDocument;
      const lines = linesOf(files);
      const record = lines.find((l) => l.action === 'audit.deleted')!;
      assert.deepEqual(lines.find((l) => l.id === 'e2')!.forgotten, { kind: 'deleted', by_seq: record.seq }, 'the tombstone and its record are in the file');
      // The events of the period, the tombstone among them; the June record is not one of them.
      assert.equal(checked.events, usersOf(summary));
      assert.equal(checked.events, lines.length - 3, 'every line but the header, the trailer and the record');
      assert.equal(manifest.events, checked.events);
      assert.match(checked.checks.find((c) => c.check === 'period')!.message, /1 deletion, erasure or purge record\(s\) from outside the period/);
    });

    it('still refuses an event from outside the period in the package, even a deletion record that explains nothing of it', async () => {
      const { file } = await packageOfMay('strict');
      const files = await readZip(file);
      await del('june-1');
      const whole = (await bed.request({ method: 'GET', url: '/v1/events/export?format=ndjson&proofs=true', key })).body.trim().split('\n');
      const lineOf = (match: (l: Line) => boolean) => whole.find((text) => match(JSON.parse(text) as Line))!;
      const june = lineOf((l) => l.id === 'june-1');
      const juneRecord = lineOf((l) => l.action === 'audit.deleted' && (l.details as { seq_ranges: number[][] }).seq_ranges[0]![0] === (JSON.parse(june) as Line).seq);
      for (const [what, smuggled] of [['a tombstone from June', june], ['the record of its deletion', juneRecord]] as const) {
        const text = files.get('events.ndjson')!.toString('utf8').trim().split('\n');
        text.splice(text.length - 1, 0, smuggled);
        const forged = join(work, `${engine.name}-smuggled.zip`);
        await writeZip(forged, new Map([...files, ['events.ndjson', Buffer.from(`${text.join('\n')}\n`)]]));
        const refused = await verifyPackage({ file: forged, publicKeyPem });
        assert.equal(refused.ok, false, what);
        assert.match(refused.checks.find((c) => c.check === 'period')!.message, /^1 event\(s\) are not of the package's tenant, period or log size/, what);
      }
    });

    it('finishes, and verifies, a package whose event is deleted after it was asked for and before it is made', async () => {
      let deleted = false;
      hook = { method: 'aggregateEvents', when: () => true, run: async () => { await del('e4'); deleted = true; } };
      const { file, checked } = await packageOfMay('pinned-before');
      assert.ok(deleted, 'the deletion landed between the request and the run');
      assert.ok(checked.ok, checked.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.message}`).join('\n'));
      assert.equal(linesOf(await readZip(file)).find((l) => l.id === 'e4')!.forgotten?.kind, 'deleted');
    });

    it('finishes, and verifies, a package whose event is deleted while it is written, after its figures', async () => {
      let deleted = false;
      // The first page read in seq order is the first CSV's: the figures are computed by then.
      hook = { method: 'findEvents', when: (args) => (args[0] as { order: { key: string } }).order.key === 'seq', run: async () => { await del('e6'); deleted = true; } };
      const { file, checked } = await packageOfMay('while-written');
      assert.ok(deleted, 'the deletion landed while the package was written');
      assert.ok(checked.ok, checked.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.message}`).join('\n'));
      assert.equal(linesOf(await readZip(file)).find((l) => l.id === 'e6')!.forgotten?.kind, 'deleted');
    });
  });
}
