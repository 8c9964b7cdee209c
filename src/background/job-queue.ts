// Jobs as records (bulk exports, reports): one record per job in its tenant, plus an
// instance-wide "pending" entry per job not finished yet. The pending entries are the workers'
// queue, and because they are stored, a restart finds every job that was queued or running when
// the process stopped.

import type { Store } from '../store/port.js';

const INSTANCE = '*';

export interface QueuedJob {
  id: string;
  tenant_id: string;
}

export interface JobQueueKinds {
  /** Record kind of the jobs themselves (in each tenant). */
  job: string;
  /** Record kind of the instance-wide queue of unfinished jobs. */
  pending: string;
}

export function createJobQueue<T extends QueuedJob>(store: Store, now: () => number, kinds: JobQueueKinds) {
  const stamp = () => new Date(now()).toISOString();
  return {
    async insert(job: T): Promise<void> {
      await store.insertRecord({ kind: kinds.job, tenantId: job.tenant_id, id: job.id }, job, stamp());
      await store.insertRecord({ kind: kinds.pending, tenantId: INSTANCE, id: job.id }, { tenant_id: job.tenant_id }, stamp());
    },
    /**
     * Only the queue entry, for a job whose record is written after it (alerts: the alert holds its
     * pending deliveries, so a crash between the two leaves an entry the worker drops, never a job
     * nobody runs). False when it is queued already.
     */
    enqueue: (tenantId: string, id: string): Promise<boolean> =>
      store.insertRecord({ kind: kinds.pending, tenantId: INSTANCE, id }, { tenant_id: tenantId }, stamp()),
    /** When the job was queued; undefined when it is not. */
    queuedAt: async (id: string): Promise<string | undefined> =>
      (await store.getRecord({ kind: kinds.pending, tenantId: INSTANCE, id }))?.created_at,
    /** Writes the job's record (not its queue entry), creating it when missing. */
    async save(job: T): Promise<void> {
      const key = { kind: kinds.job, tenantId: job.tenant_id, id: job.id };
      if (!(await store.updateRecord(key, job, stamp()))) await store.insertRecord(key, job, stamp());
    },
    /** False when the job was deleted meanwhile. */
    update: (job: T): Promise<boolean> => store.updateRecord({ kind: kinds.job, tenantId: job.tenant_id, id: job.id }, job, stamp()),
    get: async (tenantId: string, id: string): Promise<T | undefined> =>
      (await store.getRecord<T>({ kind: kinds.job, tenantId, id }))?.body,
    /** A tenant's jobs, oldest first. */
    list: async (tenantId: string, limit = 1000): Promise<T[]> =>
      (await store.listRecords<T>(kinds.job, tenantId, limit)).map((r) => r.body),
    async remove(tenantId: string, id: string): Promise<boolean> {
      await store.deleteRecord({ kind: kinds.pending, tenantId: INSTANCE, id });
      return store.deleteRecord({ kind: kinds.job, tenantId, id });
    },
    /** Jobs not finished yet, oldest first, with when each was queued. */
    pending: async (limit = 100): Promise<{ tenantId: string; id: string; queuedAt: string }[]> =>
      (await store.listRecords<{ tenant_id: string }>(kinds.pending, INSTANCE, limit)).map((r) => ({ tenantId: r.body.tenant_id, id: r.id, queuedAt: r.created_at })),
    finish: (id: string): Promise<boolean> => store.deleteRecord({ kind: kinds.pending, tenantId: INSTANCE, id }),
  };
}

export type JobQueue<T extends QueuedJob> = ReturnType<typeof createJobQueue<T>>;
