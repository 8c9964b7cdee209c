// Bulk export jobs: what one holds, kept as records in the shared job queue
// (background/job-queue.ts), whose pending entries survive restarts.

import type { EventFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import { createJobQueue } from '../background/job-queue.js';
import type { Actor } from '../domain/event.js';
import type { NoticeOutcome, StoredNotify } from '../destinations/notify.js';
import type { ExportFormatName } from './formats/index.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface ExportJob {
  id: string;
  tenant_id: string;
  status: JobStatus;
  format: ExportFormatName;
  /** With relative times already made absolute, so a re-run reads the same window. */
  filters: EventFilters;
  q: string | null;
  /** CSV only: `columns=` as given (formats/csv-columns.ts); absent on jobs made before it. */
  columns?: string | null;
  label: string | null;
  control_id: string | null;
  /** Evidence only: the audit period the rows were collected for. */
  period: { since: string; until: string } | null;
  /** The log size when the job was created: rows after it are not part of this export. */
  max_seq: number;
  expected_rows: number | null;
  row_count: number;
  first_seq: number | null;
  last_seq: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  /** Path of the gzip artifact relative to the data directory, once written. */
  artifact: { file: string; manifest: string; bytes: number; sha256: string } | null;
  requested_by: Actor;
  /** Who to tell when it is done or failed (destinations/notify.ts); absent on jobs made before notices. */
  notify?: StoredNotify | null;
  notifications?: NoticeOutcome[];
  /** Where links in notices point: the address the job was asked at. */
  base_url?: string | null;
}

/** Bulk export jobs and their queue (background/job-queue.ts). */
export const createJobRepository = (store: Store, now: () => number) =>
  createJobQueue<ExportJob>(store, now, { job: 'export_job', pending: 'export_job_pending' });

export type JobRepository = ReturnType<typeof createJobRepository>;
