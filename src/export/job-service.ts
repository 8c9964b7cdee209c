// Bulk export jobs as the API sees them: create (queued, pinned to the current log size), read
// (with a freshly signed download link once done), list, delete (which revokes every link), and
// open a download from a link.

import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { JsonObject } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { compileFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import { exportedEvent, type Requester } from './audit-events.js';
import type { ExportCheckpoints } from './export-checkpoints.js';
import { pinTimes, type ExportSelection, type SearchCompiler } from './export-selection.js';
import type { ExportFormat, ExportFormatName } from './formats/index.js';
import type { ExportJob, JobRepository } from './job-repository.js';
import type { JobRunner } from './job-runner.js';
import type { LinkSigner } from '../background/download-link.js';
import type { SecretBox } from '../background/secret-box.js';
import type { SmtpConfig } from '../config.js';
import { parseCsvColumns } from './formats/csv-columns.js';
import { describeNotify, notifyFrom, type NotifyRequest } from '../destinations/notify.js';

export interface NewJob extends ExportSelection {
  format: ExportFormatName;
  notify?: NotifyRequest;
  /** CSV only: the columns, as GET /v1/events/export takes them. */
  columns?: string;
  /** The address the job is asked at, for the link in a notice. */
  baseUrl?: string;
  label?: string;
  controlId?: string;
  period?: { since: string; until: string };
}

export interface JobServiceDeps {
  store: Store;
  jobs: JobRepository;
  runner: JobRunner;
  links: LinkSigner;
  ingest: IngestService;
  formats: Readonly<Record<ExportFormatName, ExportFormat>>;
  dataDir: string;
  now: () => number;
  search?: SearchCompiler;
  /** Wakes the worker so a new job starts at once rather than at the next poll. */
  kick: () => void;
  checkpoints: ExportCheckpoints;
  /** Records who asked for a job and from where; the run itself records `audit.exported`. */
  trail: AuditTrail;
  /** Seals a notice's webhook secret; e-mail notices need SMTP. */
  secrets: SecretBox;
  smtp: SmtpConfig | undefined;
}

/** The notice context a bulk job's sealed webhook secret is bound to. */
export const exportNotifyContext = (tenantId: string, id: string) => `export_notify:${tenantId}:${id}`;

export function createJobService(deps: JobServiceDeps) {
  const iso = () => new Date(deps.now()).toISOString();

  /** Queues a job; `secretShown` is a notice webhook secret made for the requester, shown this once. */
  async function create(tenantId: string, request: NewJob, by: Requester): Promise<ExportJob & { secretShown?: string }> {
    const now = deps.now();
    const id = uuidv7(now);
    if (request.columns !== undefined) {
      if (request.format !== 'csv') throw new SteleError('invalid_request', 'columns chooses the columns of a CSV export: give format "csv".', [{ field: 'columns', message: `not available for ${request.format}` }]);
      parseCsvColumns(request.columns);
    }
    const notify = notifyFrom(request.notify, { smtp: deps.smtp, secrets: deps.secrets }, exportNotifyContext(tenantId, id));
    const filters = pinTimes(request.filters, now);
    compileFilters(filters, now); // refuse bad filters now, not when the job runs
    if (request.q) {
      if (!deps.search) throw new SteleError('invalid_request', 'The q search parameter is not available for exports yet; use filters.', [{ field: 'q', message: 'not supported yet' }]);
      deps.search(request.q, now);
    }
    const job: ExportJob = {
      id, tenant_id: tenantId, status: 'queued', format: request.format, filters, q: request.q ?? null, columns: request.columns ?? null,
      label: request.label ?? null, control_id: request.controlId ?? null, period: request.period ?? null,
      // Pinned to a checkpoint signed now, so the manifest can carry one of exactly this size.
      max_seq: await deps.checkpoints.pin(tenantId),
      expected_rows: null, row_count: 0, first_seq: null, last_seq: null,
      created_at: iso(), started_at: null, finished_at: null, error: null, artifact: null, requested_by: by.actor,
      notify: notify?.stored ?? null, notifications: [], base_url: request.baseUrl ?? null,
    };
    await deps.jobs.insert(job);
    await deps.trail.record(tenantId, {
      action: 'export_job.created', ...by, target: { type: 'export_job', id: job.id, ...(job.label !== null && { name: job.label }) },
      details: {
        format: job.format, filters: job.filters as JsonObject, q: job.q, max_seq: job.max_seq,
        ...(job.control_id !== null && { control_id: job.control_id }), ...(job.period && { period: job.period }),
        ...(notify && { notify: describeNotify(notify.stored) as JsonObject }),
      },
    });
    deps.kick();
    return { ...job, ...(notify?.secretShown !== undefined && { secretShown: notify.secretShown }) };
  }

  async function get(tenantId: string, id: string): Promise<ExportJob> {
    const job = await deps.jobs.get(tenantId, id);
    if (!job) throw new SteleError('not_found', `No export job with id ${id}.`);
    return job;
  }

  /** The public view: status, progress and, once done, a link signed now for the configured lifetime. */
  async function describe(job: ExportJob, baseUrl: string) {
    const progress = job.status === 'done' ? 1 : job.expected_rows ? Math.min(1, job.row_count / job.expected_rows) : 0;
    const view: Record<string, unknown> = {
      id: job.id, status: job.status, format: job.format, filters: job.filters, q: job.q, columns: job.columns ?? null, label: job.label,
      control_id: job.control_id, period: job.period, row_count: job.row_count, expected_rows: job.expected_rows,
      progress, first_seq: job.first_seq, last_seq: job.last_seq, created_at: job.created_at, started_at: job.started_at,
      finished_at: job.finished_at, error: job.error, notify: describeNotify(job.notify), notifications: job.notifications ?? [],
    };
    if (job.status === 'done' && job.artifact) {
      const link = await deps.links.sign(job.tenant_id, job.id);
      view.download_url = `${baseUrl}/v1/exports/${job.id}/download?token=${link.token}`;
      view.download_expires_at = new Date(link.expiresAt * 1000).toISOString();
      view.sha256 = job.artifact.sha256;
      view.bytes = job.artifact.bytes;
      view.manifest_url = `${baseUrl}/v1/exports/${job.id}/manifest`;
    }
    return view;
  }

  async function list(tenantId: string, controlId?: string): Promise<ExportJob[]> {
    const jobs = await deps.jobs.list(tenantId);
    return controlId === undefined ? jobs : jobs.filter((j) => j.control_id === controlId);
  }

  async function remove(tenantId: string, id: string, by: Requester): Promise<void> {
    const job = await get(tenantId, id);
    await deps.jobs.remove(tenantId, id);
    await deps.runner.discardFiles(job);
    await deps.ingest.record(tenantId, [{
      action: 'audit.export_deleted', actor: by.actor, context: by.context, success: true,
      details: { job_id: id, format: job.format, row_count: job.row_count, status: job.status },
    }]);
  }

  async function manifestPath(tenantId: string, id: string): Promise<string> {
    const job = await get(tenantId, id);
    if (job.status !== 'done' || !job.artifact) throw new SteleError('conflict', `Export job ${id} is ${job.status}; its manifest exists once it is done.`);
    return join(deps.dataDir, job.artifact.manifest);
  }

  /** Checks a link and opens the artifact; the download is recorded in the tenant's log. */
  async function openDownload(token: string, jobId: string, by: Requester) {
    const claims = await deps.links.verify(token);
    if (claims.kind !== 'export' || claims.jobId !== jobId) throw new SteleError('unauthenticated', 'This download link belongs to another export.');
    const job = await deps.jobs.get(claims.tenantId, claims.jobId);
    if (!job || job.status !== 'done' || !job.artifact) throw new SteleError('not_found', 'This export no longer exists (it was deleted).');
    const stream = createReadStream(join(deps.dataDir, job.artifact.file));
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
    await deps.ingest.record(job.tenant_id, [exportedEvent(by, 'download', {
      job_id: job.id, format: job.format, filters: job.filters as JsonObject, row_count: job.row_count, sha256: job.artifact.sha256,
    })]);
    return { job, stream, filename: job.artifact.file.split('/').pop()! };
  }

  return { create, get, describe, list, remove, manifestPath, openDownload };
}

export type JobService = ReturnType<typeof createJobService>;
