// Reports as the API sees them: ask for one (checked, pinned to a checkpoint signed now, queued),
// read one (with a freshly signed download link once done), list them, open a download.

import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Requester } from '../audit-trail/requester.js';
import type { JsonObject } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import type { LinkSigner } from '../background/download-link.js';
import type { SecretBox } from '../background/secret-box.js';
import type { SmtpConfig } from '../config.js';
import { describeNotify, notifyFrom, type NotifyRequest } from '../destinations/notify.js';
import type { ExportCheckpoints } from '../export/export-checkpoints.js';
import { compileFilters, type EventFilters } from '../query/event-filters.js';
import { parseTimeExpression } from '../query/time-expression.js';
import { isReportType, REPORT_TYPES } from './definitions.js';
import { CONTENT_TYPES, notifyContext, REPORT_FORMATS, type ReportFormat, type ReportJob, type ReportQueue } from './report-jobs.js';

export interface NewReport {
  type: string;
  from: string;
  to: string;
  format: string;
  filters: EventFilters;
  notify?: NotifyRequest;
}

export interface ReportServiceDeps {
  jobs: ReportQueue;
  links: LinkSigner;
  checkpoints: ExportCheckpoints;
  trail: AuditTrail;
  secrets: SecretBox;
  smtp: SmtpConfig | undefined;
  dataDir: string;
  now: () => number;
  /** Wakes the worker so a new report starts at once. */
  kick: () => void;
}

/** The longest period one report covers: beyond it, ask for several. */
export const MAX_PERIOD_DAYS = 400;

const invalid = (field: string, message: string, detail = message) => new SteleError('invalid_request', message, [{ field, message: detail }]);

/** Checks type and format together: the SOC 2 package is a zip, the reports html, pdf, csv or json. */
export function checkTypeAndFormat(type: string, format: string): { type: ReportJob['type']; format: ReportFormat } {
  if (type === 'soc2') {
    if (format !== 'zip') throw invalid('format', 'The SOC 2 package is a zip: give format "zip".', 'must be zip for soc2');
    return { type: 'soc2', format: 'zip' };
  }
  if (!isReportType(type)) throw invalid('type', `type must be one of: ${[...REPORT_TYPES, 'soc2'].join(', ')}`, `unknown type ${type}`);
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw invalid('format', `format must be one of: ${REPORT_FORMATS.join(', ')} (zip for soc2)`, `unknown format ${format}`);
  return { type, format: format as ReportFormat };
}

/** from and to as absolute times (relative ones such as now-30d are made absolute now). */
export function periodOf(from: string, to: string, now: number): { from: string; to: string } {
  const start = parseTimeExpression(from, now);
  const end = parseTimeExpression(to, now);
  if (start === undefined) throw invalid('from', 'from must be an ISO time (2026-05-01T00:00:00Z) or relative (now-30d)', 'not a time');
  if (end === undefined) throw invalid('to', 'to must be an ISO time (2026-06-01T00:00:00Z) or relative (now)', 'not a time');
  if (start >= end) throw invalid('to', 'to must be after from', 'not after from');
  if (end - start > MAX_PERIOD_DAYS * 86_400_000) throw invalid('to', `A report covers at most ${MAX_PERIOD_DAYS} days; ask for several.`, 'period too long');
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}

export function createReportService(deps: ReportServiceDeps) {
  const iso = () => new Date(deps.now()).toISOString();

  /** Queues a report; `secretShown` is a webhook secret made for the requester, shown this once. */
  async function create(tenantId: string, request: NewReport, by: Requester, options: { baseUrl?: string; scheduleId?: string } = {}): Promise<{ job: ReportJob; secretShown?: string }> {
    const now = deps.now();
    const { type, format } = checkTypeAndFormat(request.type, request.format);
    const period = periodOf(request.from, request.to, now);
    if (request.filters.since !== undefined || request.filters.until !== undefined) {
      throw invalid('filters', 'Give the time range as from and to, not as since/until filters.', 'since/until not allowed here');
    }
    compileFilters(request.filters, now);
    const id = uuidv7(now);
    const notify = notifyFrom(request.notify, { smtp: deps.smtp, secrets: deps.secrets }, notifyContext(tenantId, id));
    const job: ReportJob = {
      id, tenant_id: tenantId, type, format, period, filters: request.filters, status: 'queued', progress: 0,
      // Pinned to a checkpoint signed now: the report counts exactly the events up to it.
      max_seq: await deps.checkpoints.pin(tenantId),
      created_at: iso(), started_at: null, finished_at: null, error: null, artifact: null, requested_by: by.actor,
      schedule_id: options.scheduleId ?? null, base_url: options.baseUrl ?? null, notify: notify?.stored ?? null, notifications: [],
    };
    await deps.jobs.insert(job);
    if (!options.scheduleId) {
      await deps.trail.record(tenantId, {
        action: 'report.requested', ...by, target: { type: 'report', id },
        details: { type, format, period, filters: request.filters as JsonObject, max_seq: job.max_seq, ...(notify && { notify: describeNotify(notify.stored) as JsonObject }) },
      });
    }
    deps.kick();
    return { job, ...(notify?.secretShown !== undefined && { secretShown: notify.secretShown }) };
  }

  async function get(tenantId: string, id: string): Promise<ReportJob> {
    const job = await deps.jobs.get(tenantId, id);
    if (!job) throw new SteleError('not_found', `No report with id ${id}.`);
    return job;
  }

  /** The public view: status, progress and, once done, a download link signed now. */
  async function describe(job: ReportJob, baseUrl: string) {
    const view: Record<string, unknown> = {
      id: job.id, type: job.type, format: job.format, period: job.period, filters: job.filters, status: job.status, progress: job.progress,
      log_size: job.max_seq, created_at: job.created_at, started_at: job.started_at, finished_at: job.finished_at, error: job.error,
      schedule_id: job.schedule_id, notify: describeNotify(job.notify), notifications: job.notifications, delivery: job.delivery ?? null,
    };
    if (job.status === 'done' && job.artifact) {
      const link = await deps.links.sign(job.tenant_id, job.id, 'report');
      view.download_url = `${baseUrl}/v1/reports/${job.id}/download?token=${link.token}`;
      view.download_expires_at = new Date(link.expiresAt * 1000).toISOString();
      view.filename = job.artifact.filename;
      view.content_type = CONTENT_TYPES[job.format];
      view.sha256 = job.artifact.sha256;
      view.bytes = job.artifact.bytes;
      view.manifest_url = `${baseUrl}/v1/reports/${job.id}/manifest`;
    }
    return view;
  }

  /** Newest first. */
  const list = async (tenantId: string): Promise<ReportJob[]> => (await deps.jobs.list(tenantId)).reverse();

  async function manifestPath(tenantId: string, id: string): Promise<string> {
    const job = await get(tenantId, id);
    if (job.status !== 'done' || !job.artifact) throw new SteleError('conflict', `Report ${id} is ${job.status}; its manifest exists once it is done.`);
    return join(deps.dataDir, job.artifact.manifest);
  }

  /** Checks a link and opens the report's file. */
  async function openDownload(token: string, id: string) {
    const claims = await deps.links.verify(token);
    if (claims.kind !== 'report' || claims.jobId !== id) throw new SteleError('unauthenticated', 'This download link belongs to something else.');
    const job = await deps.jobs.get(claims.tenantId, claims.jobId);
    if (!job || job.status !== 'done' || !job.artifact) throw new SteleError('not_found', 'This report no longer exists.');
    const stream = createReadStream(join(deps.dataDir, job.artifact.file));
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
    return { job, stream, contentType: CONTENT_TYPES[job.format], filename: job.artifact.filename };
  }

  return { create, get, describe, list, manifestPath, openDownload };
}

export type ReportService = ReturnType<typeof createReportService>;
