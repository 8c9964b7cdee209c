// One pass over a job queue's pending jobs, oldest first, each run under a lease named after it,
// so with several nodes on one database a job runs on one of them at a time: another node skips
// it, and takes it over once the lease expires if the holder died. A job stopped (shutdown, lease
// lost) stays pending and runs again; a finished one (done, failed, deleted) leaves the queue.

import type { Leases } from './lease.js';

export interface PendingJobsLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface PendingJobs {
  pending(): Promise<{ tenantId: string; id: string }[]>;
  /** Runs one job to its end; it takes it off the queue when finished. */
  run(tenantId: string, id: string, signal: AbortSignal): Promise<void>;
  leases: Leases;
  /** The lease name of a job: `job:<id>` for exports, `report:<id>` for reports. */
  leaseName(id: string): string;
  /** What the log lines call a job ("export job", "report"). */
  what: string;
  log: PendingJobsLog;
}

export async function runPendingJobs(jobs: PendingJobs, signal: AbortSignal): Promise<void> {
  for (const { tenantId, id } of await jobs.pending()) {
    if (signal.aborted) return;
    const lease = await jobs.leases.acquire(tenantId, jobs.leaseName(id));
    if (!lease) continue; // another node is running it
    const both = AbortSignal.any([signal, lease.signal]);
    try {
      await jobs.run(tenantId, id, both);
    } catch (error) {
      jobs.log.error({ err: error, job_id: id, tenant_id: tenantId }, `${jobs.what} failed`);
    }
    try {
      // Finished (done, failed or deleted): nothing left to lease. Stopped: someone runs it again.
      if (both.aborted) await lease.release();
      else await lease.end();
    } catch (error) {
      jobs.log.error({ err: error, job_id: id, tenant_id: tenantId }, `${jobs.what} lease not released; it expires`);
    }
    if (lease.signal.aborted) jobs.log.warn({ job_id: id, tenant_id: tenantId }, `${jobs.what} lease lost; another node will run it`);
  }
}
