// Reports benchmark (`npm run bench -- --only reports`): on a store of N events over 90 days
// (bench/lib/seed.ts), the histogram and top-N of a 30-day window through the activity service,
// each next to the bare GROUP BY written by hand for the same answer on the same data (the target
// is at most 1.5x bare); then every report and the SOC 2 package of the same 30 days, in seconds,
// with the process's RSS before and at its peak (sampled every 20 ms).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCheckpointService } from '../src/checkpoints/checkpoint-service.js';
import { createExportCheckpoints } from '../src/export/export-checkpoints.js';
import { createCsvFormat } from '../src/export/formats/csv.js';
import { createActivityService } from '../src/query/activity-service.js';
import { REPORTS, REPORT_TYPES } from '../src/reports/definitions.js';
import { renderPdf } from '../src/reports/render-pdf.js';
import { createReportFigures } from '../src/reports/report-figures.js';
import { createSoc2Packager } from '../src/reports/soc2-package.js';
import type { Engine } from '../src/store/testing/test-stores.js';
import { createVerificationService } from '../src/verification/verification-service.js';
import { BENCH_TENANT, withSeededStore } from './lib/seeded-store.js';
import { latency, ratio, round } from './lib/stats.js';

const DAY = 86_400_000;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Runs `work`, sampling the RSS; returns seconds and RSS before and at the peak, in MB. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; rss_before_mb: number; rss_peak_mb: number }> {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds: round((performance.now() - started) / 1000, 2), rss_before_mb: mb(before), rss_peak_mb: mb(peak) };
  } finally {
    clearInterval(timer);
  }
}

export async function runReportsBench(options: { engines: Engine[]; events: number; runs?: number; log: (line: string) => void }) {
  const runs = options.runs ?? 20;
  const stores = [];
  for (const engine of options.engines) {
    stores.push(await withSeededStore(engine, options.events, options.log, async ({ db, endMs, signingKey }) => {
      const store = db.store;
      const since = endMs - 30 * DAY;
      const activity = createActivityService({ store, now: () => endMs });
      const selection = { filters: { since: new Date(since).toISOString(), until: new Date(endMs).toISOString() } };
      const sample = await activity.histogram(BENCH_TENANT, selection, 'auto');
      const origin = Date.parse(sample.since);
      options.log(`  ${engine}: histogram of ${sample.total} events in ${sample.buckets.length} bars of ${sample.interval}`);

      const histogram = {
        service: await latency(runs, () => activity.histogram(BENCH_TENANT, selection, 'auto'), 2),
        bare: await latency(runs, () => db.raw(
          'SELECT occurred_at - ((occurred_at - ?) % ?) AS b, category, count(*), sum(CASE WHEN success = 0 THEN 1 ELSE 0 END) FROM events '
          + 'WHERE tenant_id = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY 1, 2', [origin, sample.interval_ms, BENCH_TENANT, since, endMs]), 2),
      };
      const top = {
        service: await latency(runs, () => activity.top(BENCH_TENANT, selection, 'actor', 10), 2),
        bare: await latency(runs, () => db.raw(
          'SELECT coalesce(actor_id, actor_email) AS v, count(*) AS n, sum(CASE WHEN success = 0 THEN 1 ELSE 0 END), max(actor_email), max(actor_type) FROM events '
          + 'WHERE tenant_id = ? AND occurred_at >= ? AND occurred_at < ? AND coalesce(actor_id, actor_email) IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10', [BENCH_TENANT, since, endMs]), 2),
      };

      const figures = createReportFigures({ store });
      const head = await store.getHead(BENCH_TENANT);
      const scope = { tenantId: BENCH_TENANT, from: since, to: endMs, filters: {}, logSize: head.size };
      const reports = [];
      for (const type of REPORT_TYPES) {
        const run = await measured(async () => renderPdf(await figures.compute(scope, REPORTS[type], new Date(endMs).toISOString())));
        options.log(`  ${engine}: ${type} (PDF) in ${run.seconds} s`);
        reports.push({ type, format: 'pdf', seconds: run.seconds, rss_before_mb: run.rss_before_mb, rss_peak_mb: run.rss_peak_mb, bytes: run.result.length });
      }

      const checkpoints = createCheckpointService({ store, key: signingKey, everyEvents: 1_000_000_000, everySeconds: 3600 });
      await checkpoints.checkpoint(BENCH_TENANT);
      const packager = createSoc2Packager({
        store, figures, checkpoints: createExportCheckpoints({ store, checkpoints, noteKey: signingKey.noteKey }), key: signingKey, csv: createCsvFormat(),
        verify: (tenantId, request) => createVerificationService({ store, key: signingKey }).verify(tenantId, request),
        originOf: checkpoints.originOf,
      });
      const dir = mkdtempSync(join(tmpdir(), 'stele-bench-soc2-'));
      try {
        const run = await measured(() => packager.write(scope, new Date(endMs).toISOString(), join(dir, 'soc2.zip')));
        options.log(`  ${engine}: SOC 2 package of ${run.result.events} events in ${run.seconds} s (${mb(run.result.bytes)} MB)`);
        return {
          engine, window_events: sample.total,
          histogram: { ...histogram, ratio_p50: ratio(histogram.service.p50_ms, histogram.bare.p50_ms), buckets: sample.buckets.length, interval: sample.interval },
          top: { ...top, ratio_p50: ratio(top.service.p50_ms, top.bare.p50_ms) },
          reports,
          soc2: { seconds: run.seconds, rss_before_mb: run.rss_before_mb, rss_peak_mb: run.rss_peak_mb, events: run.result.events, zip_mb: mb(run.result.bytes) },
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));
  }
  return { events: options.events, window_days: 30, runs, stores };
}
