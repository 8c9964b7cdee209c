// Runs the scheduled exports that are due: each writes the matching events added since its last
// run (by seq, so every event lands in exactly one file), plus a manifest, into its directory or
// onto its SFTP server, records the run in the tenant's log, and moves to its next calendar
// boundary. A run that fails (at any step, the upload included) is recorded too, and leaves the
// cursor where it was, so the next run exports the same events again.

import { join } from 'node:path';
import type { JsonObject } from '../domain/event.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Store } from '../store/port.js';
import { exportedEvent, SYSTEM_REQUESTER } from './audit-events.js';
import type { ExportCheckpoints } from './export-checkpoints.js';
import { exportToFile } from './export-to-file.js';
import type { Leases } from '../background/lease.js';
import { selectionWhere } from './export-selection.js';
import type { ExportFormat, ExportFormatName } from './formats/index.js';
import { createDelivery } from '../destinations/deliver.js';
import { nextRunAfter } from '../background/schedule-calendar.js';
import { credentialsContext, type ExportSchedule, type ScheduleRepository } from './schedule-repository.js';
import type { SecretBox } from '../background/secret-box.js';
import { describeSftp, type SftpCredentials, type SftpHostAllowList } from '../destinations/sftp-destination.js';
import { isEvidenceFormat } from './evidence-encoder.js';

export interface ScheduleRunnerDeps {
  store: Store;
  schedules: ScheduleRepository;
  ingest: IngestService;
  formats: Readonly<Record<ExportFormatName, ExportFormat>>;
  /** STELE_EXPORT_DIR_ROOT: each tenant's directories are in `<root>/<tenant id>/`. */
  root: string;
  now: () => number;
  checkpoints: ExportCheckpoints;
  leases: Leases;
  /** SFTP runs export into `<dataDir>/exports/.sftp-outbox/` first, then upload, then delete. */
  dataDir: string;
  secrets: SecretBox;
  /** STELE_SECRETS_KEY_FILE, when set: hidden, like the root and the data directory, from what a tenant is told. */
  secretsKeyFile?: string;
  sftpHosts: SftpHostAllowList;
}

export function createScheduleRunner(deps: ScheduleRunnerDeps) {
  const delivery = createDelivery({ root: deps.root, dataDir: deps.dataDir, sftpHosts: deps.sftpHosts, ...(deps.secretsKeyFile && { secretsKeyFile: deps.secretsKeyFile }) });

  async function openCredentials(schedule: ExportSchedule): Promise<SftpCredentials> {
    const sealed = await deps.schedules.credentials(schedule.tenant_id, schedule.id);
    if (!sealed) throw new Error('the SFTP credentials of this schedule are missing; re-create the schedule');
    return deps.secrets.open<SftpCredentials>(sealed, credentialsContext(schedule.tenant_id, schedule.id));
  }

  async function runOne(schedule: ExportSchedule, signal: AbortSignal): Promise<ExportSchedule> {
    const now = deps.now();
    const at = new Date(now).toISOString();
    const next = new Date(nextRunAfter(schedule.frequency, now)).toISOString();
    const tenantId = schedule.tenant_id;
    const destination: JsonObject = schedule.sftp ? { destination: describeSftp(schedule.sftp) } : {};
    try {
      // Pinned to a checkpoint signed now, which the manifest then carries.
      const logSize = await deps.checkpoints.pin(tenantId);
      const where = selectionWhere({ filters: schedule.filters }, now, logSize);
      const format = deps.formats[schedule.format];
      const base = `${schedule.id}-${at.replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
      const names = { file: `${base}.${format.fileExtension}.gz`, manifest: `${base}.manifest.json` };
      const exportInto = (directory: string) => exportToFile(deps.store, {
        tenantId, where, afterSeq: schedule.last_seq, format, checkpoints: deps.checkpoints,
        ...(isEvidenceFormat(schedule.format) && { evidenceFormat: schedule.format, selection: { filters: schedule.filters, after_seq: schedule.last_seq } }),
        onProgress: async () => signal.throwIfAborted(),
        artifactPath: join(directory, names.file), manifestPath: join(directory, names.manifest),
        manifest: {
          tenantId, source: { kind: 'scheduled_export', id: schedule.id }, format: schedule.format,
          filters: schedule.filters, file: names.file, logSize, createdAt: at,
        },
      });
      if (!schedule.directory && !schedule.sftp) throw new Error('this schedule has no destination');
      const written = await delivery.deliver({
        tenantId, label: schedule.id, target: schedule, names: [names.file, names.manifest], produce: exportInto, signal,
        credentials: () => openCredentials(schedule),
      });
      const manifest = written.result;
      // A schedule made without a host key pins the one its first successful run saw.
      const after = schedule.sftp && written.hostKeySha256 ? { ...schedule, sftp: { ...schedule.sftp, host_key_sha256: written.hostKeySha256 } } : schedule;
      await deps.ingest.record(tenantId, [exportedEvent(SYSTEM_REQUESTER, 'scheduled', {
        schedule_id: schedule.id, format: schedule.format, filters: schedule.filters as JsonObject, row_count: manifest.row_count,
        first_seq: manifest.first_seq, last_seq: manifest.last_seq, after_seq: schedule.last_seq, file: written.file, sha256: manifest.sha256,
        ...written.details,
      })]);
      return { ...after, last_seq: logSize, last_run_at: at, last_file: written.file, last_row_count: manifest.row_count, last_error: null, runs: schedule.runs + 1, next_run_at: next };
    } catch (error) {
      // The lease was lost: another node runs this boundary; record nothing, change nothing.
      if (signal.aborted) throw error;
      const message = await delivery.tenantsView(tenantId, error instanceof Error ? error.message : String(error));
      await deps.ingest.record(tenantId, [exportedEvent(SYSTEM_REQUESTER, 'scheduled', {
        schedule_id: schedule.id, format: schedule.format, ...destination, error: message,
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
