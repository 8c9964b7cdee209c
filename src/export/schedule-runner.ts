// Runs the scheduled exports that are due: each writes the matching events added since its last
// run (by seq, so every event lands in exactly one file), plus a manifest, into its directory,
// records the run in the tenant's log, and moves to its next calendar boundary.

import { join } from 'node:path';
import type { JsonObject } from '../domain/event.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Store } from '../store/port.js';
import { exportedEvent, SYSTEM_REQUESTER } from './audit-events.js';
import type { ExportCheckpoints } from './export-checkpoints.js';
import { exportToFile } from './export-to-file.js';
import type { Leases } from './lease.js';
import { selectionWhere } from './export-selection.js';
import type { ExportFormat, ExportFormatName } from './formats/index.js';
import { prepareDirectory } from './safe-directory.js';
import { nextRunAfter } from './schedule-calendar.js';
import type { ExportSchedule, ScheduleRepository } from './schedule-repository.js';

export interface ScheduleRunnerDeps {
  store: Store;
  schedules: ScheduleRepository;
  ingest: IngestService;
  formats: Readonly<Record<ExportFormatName, ExportFormat>>;
  root: string;
  now: () => number;
  checkpoints: ExportCheckpoints;
  leases: Leases;
}

export function createScheduleRunner(deps: ScheduleRunnerDeps) {
  async function runOne(schedule: ExportSchedule, signal: AbortSignal): Promise<ExportSchedule> {
    const now = deps.now();
    const at = new Date(now).toISOString();
    const next = new Date(nextRunAfter(schedule.frequency, now)).toISOString();
    const tenantId = schedule.tenant_id;
    try {
      // Pinned to a checkpoint signed now, which the manifest then carries.
      const logSize = await deps.checkpoints.pin(tenantId);
      const where = selectionWhere({ filters: schedule.filters }, now, logSize);
      const directory = await prepareDirectory(deps.root, schedule.directory);
      const format = deps.formats[schedule.format];
      const base = `${schedule.id}-${at.replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
      const file = `${base}.${format.fileExtension}.gz`;
      const manifest = await exportToFile(deps.store, {
        tenantId, where, afterSeq: schedule.last_seq, format, checkpoints: deps.checkpoints,
        onProgress: async () => signal.throwIfAborted(),
        artifactPath: join(directory, file), manifestPath: join(directory, `${base}.manifest.json`),
        manifest: {
          tenantId, source: { kind: 'scheduled_export', id: schedule.id }, format: schedule.format,
          filters: schedule.filters, file, logSize, createdAt: at,
        },
      });
      await deps.ingest.record(tenantId, [exportedEvent(SYSTEM_REQUESTER, 'scheduled', {
        schedule_id: schedule.id, format: schedule.format, filters: schedule.filters as JsonObject, row_count: manifest.row_count,
        first_seq: manifest.first_seq, last_seq: manifest.last_seq, after_seq: schedule.last_seq, file: join(schedule.directory, file), sha256: manifest.sha256,
      })]);
      return { ...schedule, last_seq: logSize, last_run_at: at, last_file: join(schedule.directory, file), last_row_count: manifest.row_count, last_error: null, runs: schedule.runs + 1, next_run_at: next };
    } catch (error) {
      // The lease was lost: another node runs this boundary; record nothing, change nothing.
      if (signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      await deps.ingest.record(tenantId, [exportedEvent(SYSTEM_REQUESTER, 'scheduled', {
        schedule_id: schedule.id, format: schedule.format, error: message,
      }, false)]);
      // A failed run is retried at the next boundary, from the same last_seq: nothing is skipped.
      return { ...schedule, last_run_at: at, last_error: message, runs: schedule.runs + 1, next_run_at: next };
    }
  }

  const isDue = (schedule: ExportSchedule | undefined): schedule is ExportSchedule =>
    schedule !== undefined && Date.parse(schedule.next_run_at) <= deps.now();

  /**
   * Runs every schedule whose next_run_at has passed; returns how many ran. Each run holds the
   * schedule's lease and reads the schedule again under it, so with several nodes a boundary is
   * run once: a node that gets the lease after another's run finds it no longer due.
   */
  async function runDue(): Promise<number> {
    let ran = 0;
    for (const { tenantId, id } of await deps.schedules.all()) {
      if (!isDue(await deps.schedules.get(tenantId, id))) continue;
      const lease = await deps.leases.acquire(tenantId, `schedule:${id}`);
      if (!lease) continue;
      try {
        const schedule = await deps.schedules.get(tenantId, id);
        if (!isDue(schedule)) continue;
        const after = await runOne(schedule, lease.signal);
        lease.signal.throwIfAborted();
        await deps.schedules.update(after);
        ran += 1;
      } finally {
        await lease.release();
      }
    }
    return ran;
  }

  return { runDue };
}

export type ScheduleRunner = ReturnType<typeof createScheduleRunner>;
