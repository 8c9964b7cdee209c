// Runs one report job to the end: running → done (artifact + manifest written, `report.generated`
// recorded first) or failed (recorded too, with success false). A job re-run after a restart starts
// over on the same pinned log size, so it states the same figures. Then the notices, if asked for.

import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { SYSTEM_REQUESTER } from '../audit-trail/requester.js';
import type { JsonObject } from '../domain/event.js';
import { writeArtifact, writeFileAtomically } from '../background/artifact-writer.js';
import type { LinkSigner } from '../background/download-link.js';
import type { Notifier } from '../destinations/notify.js';
import type { DeliveryService } from '../destinations/deliver.js';
import type { SecretBox } from '../background/secret-box.js';
import type { SftpCredentials } from '../destinations/sftp-destination.js';
import { scheduleCredentialsContext, type ReportScheduleRepository } from './report-schedules.js';
import { hideServerPaths } from '../destinations/safe-directory.js';
import type { ExportCheckpoints } from '../export/export-checkpoints.js';
import { StoreUnavailableError } from '../store/port.js';
import { REPORTS, type ReportType } from './definitions.js';
import { renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderPdf } from './render-pdf.js';
import type { ReportDocument } from './report-document.js';
import type { ReportFigures, ReportScope } from './report-figures.js';
import { CONTENT_TYPES, notifyContext, reportFilename, reportPaths, type ReportJob, type ReportQueue } from './report-jobs.js';
import type { Soc2Packager } from './soc2-package.js';

export interface ReportRunnerDeps {
  jobs: ReportQueue;
  figures: ReportFigures;
  packager: Soc2Packager;
  checkpoints: ExportCheckpoints;
  trail: AuditTrail;
  notifier: Notifier;
  links: LinkSigner;
  /** Scheduled reports go to their schedule's destination. */
  schedules: ReportScheduleRepository;
  delivery: DeliveryService;
  secrets: SecretBox;
  dataDir: string;
  now: () => number;
}

async function render(document: ReportDocument, format: ReportJob['format']): Promise<string | Buffer> {
  switch (format) {
    case 'html': return renderHtml(document);
    case 'pdf': return renderPdf(document);
    case 'csv': return renderCsv(document);
    case 'json': return `${JSON.stringify(document, null, 2)}\n`;
    case 'zip': throw new Error('zip is the SOC 2 package\'s format');
  }
}

/** The figures a report states, for its event and manifest: `section.figure` → value. */
const figuresOf = (document: ReportDocument): JsonObject =>
  Object.fromEntries(document.sections.flatMap((s) => s.figures.map((f) => [`${s.id}.${f.id}`, f.value])));

export function createReportRunner(deps: ReportRunnerDeps) {
  const iso = () => new Date(deps.now()).toISOString();

  async function discardFiles(job: ReportJob): Promise<void> {
    const paths = reportPaths(job);
    await Promise.all([rm(join(deps.dataDir, paths.artifact), { force: true }), rm(join(deps.dataDir, paths.manifest), { force: true })]);
  }

  /** The notice of a finished job, with a download link signed now. */
  async function notify(job: ReportJob): Promise<ReportJob> {
    if (!job.notify) return job;
    const done = job.status === 'done';
    const link = done && job.base_url ? `${job.base_url}/v1/reports/${job.id}/download?token=${(await deps.links.sign(job.tenant_id, job.id, 'report')).token}` : undefined;
    const what = `${job.type.replace(/_/g, ' ')} report (${job.period.from.slice(0, 10)} to ${job.period.to.slice(0, 10)}, ${job.format})`;
    const outcomes = await deps.notifier.send(job.notify, notifyContext(job.tenant_id, job.id), {
      type: done ? 'report.ready' : 'report.failed',
      subject: done ? `Stele: your ${what} is ready` : `Stele: your ${what} failed`,
      text: done
        ? `Your ${what} is ready.\n\nDownload it (the link works for a limited time): ${link ?? 'GET /v1/reports/' + job.id}\nSHA-256: ${job.artifact?.sha256}\n`
        : `Your ${what} could not be made: ${job.error}\n`,
      data: { id: job.id, tenant_id: job.tenant_id, type: job.type, format: job.format, period: job.period, status: job.status, ...(link && { download_url: link }), ...(job.artifact && { sha256: job.artifact.sha256, bytes: job.artifact.bytes }), ...(job.error && { error: job.error }) },
    });
    const notified = { ...job, notifications: [...job.notifications, ...outcomes] };
    await deps.jobs.update(notified);
    return notified;
  }

  /** Sends a scheduled report to its schedule's destination; the outcome goes on the job and the schedule. */
  async function deliver(job: ReportJob, signal?: AbortSignal): Promise<ReportJob> {
    const schedule = job.schedule_id ? await deps.schedules.get(job.tenant_id, job.schedule_id) : undefined;
    if (!schedule || !job.artifact) return job;
    const names = [job.artifact.filename, job.artifact.filename.replace(/\.[a-z]+$/, '.manifest.json')];
    let delivery: NonNullable<ReportJob['delivery']>;
    try {
      const delivered = await deps.delivery.deliver({
        tenantId: job.tenant_id, label: schedule.id, target: schedule, names,
        produce: async (directory) => {
          await copyFile(join(deps.dataDir, job.artifact!.file), join(directory, names[0]!));
          await copyFile(join(deps.dataDir, job.artifact!.manifest), join(directory, names[1]!));
        },
        credentials: async () => {
          const sealed = await deps.schedules.credentials(schedule.tenant_id, schedule.id);
          if (!sealed) throw new Error('the SFTP credentials of this schedule are missing; re-create the schedule');
          return deps.secrets.open<SftpCredentials>(sealed, scheduleCredentialsContext(schedule.tenant_id, schedule.id));
        },
        email: {
          subject: `Stele: ${job.type.replace(/_/g, ' ')} report, ${job.period.from.slice(0, 10)} to ${job.period.to.slice(0, 10)}`,
          text: `The scheduled ${job.type.replace(/_/g, ' ')} report of ${job.period.from} to ${job.period.to} (end excluded) is attached, with its manifest.\nSHA-256 of the report: ${job.artifact.sha256}\n`,
        },
        ...(signal && { signal }),
      });
      delivery = { ok: true, file: delivered.file, ...(typeof delivered.details.destination === 'string' && { destination: delivered.details.destination }), at: iso() };
      const pinned = schedule.sftp && delivered.hostKeySha256 ? { sftp: { ...schedule.sftp, host_key_sha256: delivered.hostKeySha256 } } : {};
      await deps.schedules.update({ ...schedule, ...pinned, last_file: delivered.file, last_error: null });
    } catch (error) {
      if (signal?.aborted) throw error;
      const message = await deps.delivery.tenantsView(job.tenant_id, error instanceof Error ? error.message : String(error));
      delivery = { ok: false, error: message, at: iso() };
      await deps.schedules.update({ ...schedule, last_error: message });
    }
    const delivered = { ...job, delivery };
    await deps.jobs.update(delivered);
    return delivered;
  }

  /** Runs the job with this id; returns quietly when it no longer exists. */
  async function run(tenantId: string, id: string, signal?: AbortSignal): Promise<void> {
    let job = await deps.jobs.get(tenantId, id);
    if (!job || job.status === 'done' || job.status === 'failed') {
      await deps.jobs.finish(id);
      return;
    }
    const paths = reportPaths(job);
    const by = job.schedule_id ? SYSTEM_REQUESTER : { actor: job.requested_by, context: {} };
    let retryLater = false;
    try {
      job = { ...job, status: 'running', started_at: iso(), progress: 0 };
      if (!(await deps.jobs.update(job))) return;
      const running = job;
      const progress = async (fraction: number) => {
        signal?.throwIfAborted();
        await deps.jobs.update({ ...running, progress: Math.round(fraction * 100) / 100 });
      };
      const scope: ReportScope = { tenantId, from: Date.parse(job.period.from), to: Date.parse(job.period.to), filters: job.filters, logSize: job.max_seq };
      const artifactPath = join(deps.dataDir, paths.artifact);
      let document: ReportDocument;
      let written: { bytes: number; sha256: string };
      let events: number | undefined;
      if (job.type === 'soc2') {
        const packaged = await deps.packager.write(scope, job.created_at, artifactPath, progress);
        ({ document, events } = packaged);
        written = packaged;
      } else {
        document = await deps.figures.compute(scope, REPORTS[job.type as ReportType], job.created_at, (done) => progress(0.9 * done / REPORTS[job!.type as ReportType].sections.length));
        written = await writeArtifact(artifactPath, [await render(document, job.format)]);
      }
      signal?.throwIfAborted();
      const checkpoint = await deps.checkpoints.covering(tenantId, job.max_seq, job.max_seq > 0 ? job.max_seq : null);
      const filename = reportFilename(job);
      await writeFileAtomically(join(deps.dataDir, paths.manifest), `${JSON.stringify({
        manifest_version: 1, tenant_id: tenantId, source: { kind: 'report', id }, type: job.type, format: job.format, period: job.period,
        filters: job.filters, file: filename, content_type: CONTENT_TYPES[job.format], bytes: written.bytes, sha256: written.sha256,
        log_size: job.max_seq, created_at: job.created_at, figures: figuresOf(document), ...(events !== undefined && { events }), checkpoint,
      }, null, 2)}\n`);
      // Recorded before the job shows as done, so no finished report is missing from the log.
      await deps.trail.record(tenantId, {
        action: 'report.generated', ...by, target: { type: 'report', id, name: document.title },
        details: {
          type: job.type, format: job.format, period: job.period, filters: job.filters as JsonObject, log_size: job.max_seq,
          sha256: written.sha256, bytes: written.bytes, figures: figuresOf(document),
          ...(job.schedule_id && { schedule_id: job.schedule_id }), ...(events !== undefined && { events }),
        },
      });
      job = {
        ...job, status: 'done', progress: 1, finished_at: iso(),
        artifact: { file: paths.artifact, manifest: paths.manifest, bytes: written.bytes, sha256: written.sha256, filename },
      };
      if (!(await deps.jobs.update(job))) {
        await discardFiles(job);
        return;
      }
    } catch (error) {
      if (signal?.aborted) return;
      await discardFiles(job);
      if (error instanceof StoreUnavailableError) {
        retryLater = true;
        throw error;
      }
      const message = hideServerPaths(error instanceof Error ? error.message : String(error), [], { [deps.dataDir]: '<data dir>' });
      job = { ...job, status: 'failed', finished_at: iso(), error: message };
      await deps.jobs.update(job);
      await deps.trail.record(tenantId, {
        action: 'report.generated', ...by, success: false, target: { type: 'report', id },
        details: { type: job.type, format: job.format, period: job.period, error: message, ...(job.schedule_id && { schedule_id: job.schedule_id }) },
      });
      await notify(job);
      throw error;
    } finally {
      if (!signal?.aborted && !retryLater) await deps.jobs.finish(id);
    }
    job = await deliver(job, signal);
    await notify(job);
  }

  return { run, discardFiles, notify };
}

export type ReportRunner = ReturnType<typeof createReportRunner>;
