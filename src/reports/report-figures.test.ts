import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sealEvents } from '@stele/integrity';
import { pendingEvent } from '../store/testing/fixtures.js';
import { ENGINES, openTestStore, type TestStore } from '../store/testing/test-stores.js';
import { iterateEvents } from '../query/event-iterator.js';
import { compare } from '../sql/fragments.js';
import { REPORTS, SOC2, type ReportSpec } from './definitions.js';
import { createOfflineReport } from './offline-figures.js';
import { createReportFigures, type ReportScope } from './report-figures.js';
import { EXPECTED, EXPECTED_TABLES, KNOWN_EVENTS, PERIOD } from './testing/known-log.js';

const SPECS: ReportSpec[] = [...Object.values(REPORTS), SOC2];

for (const engine of ENGINES) {
  describe(`report figures on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestStore;
    let scope: ReportScope;
    before(async () => {
      t = await openTestStore(engine.name);
      await t.store.createTenant({ id: 'r', name: 'r', created_at: PERIOD.from });
      await t.store.createTenant({ id: 'other', name: 'other', created_at: PERIOD.from });
      await t.store.appendEvents('r', KNOWN_EVENTS.map((e) => pendingEvent(e)), sealEvents);
      // Another tenant's identical log must not change a figure.
      await t.store.appendEvents('other', KNOWN_EVENTS.map((e) => pendingEvent({ ...e, id: `x-${e.id}` })), sealEvents);
      scope = { tenantId: 'r', from: Date.parse(PERIOD.from), to: Date.parse(PERIOD.to), filters: {}, logSize: KNOWN_EVENTS.length };
    });
    after(() => t.close());

    for (const spec of SPECS) {
      it(`states the known figures of ${spec.type}`, async () => {
        const report = await createReportFigures({ store: t.store }).compute(scope, spec, PERIOD.to);
        for (const [sectionId, figures] of Object.entries(EXPECTED[spec.type]!)) {
          const section = report.sections.find((s) => s.id === sectionId)!;
          for (const [id, value] of Object.entries(figures)) {
            assert.equal(section.figures.find((f) => f.id === id)?.value, value, `${spec.type} ${sectionId}.${id}`);
          }
        }
        for (const [id, rows] of Object.entries(EXPECTED_TABLES[spec.type] ?? {})) {
          assert.deepEqual(report.sections.flatMap((s) => s.tables).find((table) => table.id === id)?.rows, rows, `${spec.type} table ${id}`);
        }
      });

      it(`computes ${spec.type} in JavaScript exactly as the database does`, async () => {
        const report = await createReportFigures({ store: t.store }).compute(scope, spec, PERIOD.to);
        const offline = createOfflineReport(spec);
        // The latest values per group read all history before the period's end; the rest the period.
        const events = iterateEvents(t.store, 'r', { where: compare('occurred_at', '<', scope.to) });
        for await (const event of events) {
          if (spec.type === 'user_access' || Date.parse(event.occurred_at) >= scope.from) offline.push(event);
        }
        const recomputed = offline.sections();
        if (spec.type === 'user_access') {
          // Only the latest-roles table may use events before the period: compare it, and the figures of a period-only run.
          assert.deepEqual(recomputed[0]!.tables[0], report.sections[0]!.tables[0]);
          return;
        }
        assert.deepEqual(recomputed, report.sections);
      });
    }

    it('counts only events up to the pinned log size, and only the filters asked for', async () => {
      const figures = createReportFigures({ store: t.store });
      const early = await figures.compute({ ...scope, logSize: 5 }, REPORTS.login_activity, PERIOD.to);
      assert.equal(early.sections[0]!.figures.find((f) => f.id === 'attempts')!.value, 4);
      const onlyEve = await figures.compute({ ...scope, filters: { actor_id: ['eve'] } }, REPORTS.login_activity, PERIOD.to);
      assert.equal(onlyEve.sections[0]!.figures.find((f) => f.id === 'failed')!.value, 3);
    });
  });
}
