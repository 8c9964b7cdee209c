// Report jobs: what one holds, kept in the shared job queue (background/job-queue.ts) like bulk
// exports, so a report queued or running when the process stopped runs again after a restart.

import type { Actor } from '../domain/event.js';
import type { EventFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import { createJobQueue } from '../background/job-queue.js';
import type { NoticeOutcome, StoredNotify } from '../destinations/notify.js';
import type { PackageType, ReportType } from './definitions.js';

export const REPORT_FORMATS = ['html', 'pdf', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number] | 'zip';

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8', pdf: 'application/pdf', csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8', zip: 'application/zip',
};

export type ReportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface ReportJob {
  id: string;
  tenant_id: string;
  type: ReportType | PackageType;
  format: ReportFormat;
  /** Absolute ISO times, [from, to). */
  period: { from: string; to: string };
  filters: EventFilters;
  status: ReportStatus;
  /** 0 to 1. */
  progress: number;
  /** The log size when the report was asked for: later events are not in it, and a re-run reads the same. */
  max_seq: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  /** Paths relative to the data directory, once written. */
  artifact: { file: string; manifest: string; bytes: number; sha256: string; filename: string } | null;
  requested_by: Actor;
  /** Set when a schedule made it. */
  schedule_id: string | null;
  /** Where links in notices point: the address the report was asked at. */
  base_url: string | null;
  notify: StoredNotify | null;
  notifications: NoticeOutcome[];
  /** A scheduled report's delivery to its schedule's destination. */
  delivery?: { ok: boolean; file?: string; destination?: string; error?: string; at: string } | null;
}

export const createReportQueue = (store: Store, now: () => number) =>
  createJobQueue<ReportJob>(store, now, { job: 'report', pending: 'report_pending' });

export type ReportQueue = ReturnType<typeof createReportQueue>;

/** Where a report's files live, relative to the data directory. */
export function reportPaths(job: Pick<ReportJob, 'tenant_id' | 'id' | 'format'>) {
  const base = `reports/${job.tenant_id}/${job.id}`;
  return { artifact: `${base}.${job.format}`, manifest: `${base}.manifest.json` };
}

/** `stele-soc2-2026-05-01--2026-06-01.zip`: readable and safe in a Content-Disposition header. */
export function reportFilename(job: Pick<ReportJob, 'type' | 'period' | 'format'>): string {
  const day = (iso: string) => iso.slice(0, 10);
  return `stele-${job.type.replace(/_/g, '-')}-${day(job.period.from)}--${day(job.period.to)}.${job.format}`;
}

/** The notice context a job's sealed webhook secret is bound to. */
export const notifyContext = (tenantId: string, id: string) => `report_notify:${tenantId}:${id}`;
