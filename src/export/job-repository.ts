// Bulk export jobs as records: one per job in its tenant, plus an instance-wide "pending" entry
// per job that is not finished yet. The pending entries are the worker's queue, and because they
// are stored, a restart finds every job that was queued or running when the process stopped.

import type { EventFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import type { Actor } from '../domain/event.js';
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
}

const JOB = 'export_job';
const PENDING = 'export_job_pending';
const INSTANCE = '*';

export function createJobRepository(store: Store, now: () => number) {
  const stamp = () => new Date(now()).toISOString();
  return {
    async insert(job: ExportJob): Promise<void> {
      await store.insertRecord({ kind: JOB, tenantId: job.tenant_id, id: job.id }, job, stamp());
      await store.insertRecord({ kind: PENDING, tenantId: INSTANCE, id: job.id }, { tenant_id: job.tenant_id }, stamp());
    },
    /** False when the job was deleted meanwhile. */
    update: (job: ExportJob): Promise<boolean> => store.updateRecord({ kind: JOB, tenantId: job.tenant_id, id: job.id }, job, stamp()),
    get: async (tenantId: string, id: string): Promise<ExportJob | undefined> =>
      (await store.getRecord<ExportJob>({ kind: JOB, tenantId, id }))?.body,
    list: async (tenantId: string, limit = 1000): Promise<ExportJob[]> =>
      (await store.listRecords<ExportJob>(JOB, tenantId, limit)).map((r) => r.body),
    async remove(tenantId: string, id: string): Promise<boolean> {
      await store.deleteRecord({ kind: PENDING, tenantId: INSTANCE, id });
      return store.deleteRecord({ kind: JOB, tenantId, id });
    },
    /** Jobs not finished yet, oldest first. */
    pending: async (limit = 100): Promise<{ tenantId: string; id: string }[]> =>
      (await store.listRecords<{ tenant_id: string }>(PENDING, INSTANCE, limit)).map((r) => ({ tenantId: r.body.tenant_id, id: r.id })),
    finish: (id: string): Promise<boolean> => store.deleteRecord({ kind: PENDING, tenantId: INSTANCE, id }),
  };
}

export type JobRepository = ReturnType<typeof createJobRepository>;
