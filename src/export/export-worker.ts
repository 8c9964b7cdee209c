// The in-process worker: runs pending bulk export jobs one at a time (oldest first) and the
// scheduled exports that are due. It wakes when a job is created here, and polls so that jobs
// created by other processes, and schedules falling due, are picked up too. Stopping aborts the
// current job, which stays pending and runs again on the next start.
//
// Several processes may share one database: each job runs under a lease (lease.ts) named after
// it, so a pending job that two workers both see runs on one of them; the other skips it and, if
// the holder dies, takes it over once the lease expires.

import type { FastifyBaseLogger } from 'fastify';
import type { JobRepository } from './job-repository.js';
import type { JobRunner } from './job-runner.js';
import type { Leases } from '../background/lease.js';
import { createWorkerLoop } from '../background/worker-loop.js';
import type { ScheduleRunner } from './schedule-runner.js';

export interface ExportWorkerDeps {
  jobs: JobRepository;
  runner: JobRunner;
  schedules: ScheduleRunner;
  pollMs: number;
  log: FastifyBaseLogger;
  leases: Leases;
}

export function createExportWorker(deps: ExportWorkerDeps) {
  async function runPendingJobs(signal: AbortSignal): Promise<void> {
    for (const { tenantId, id } of await deps.jobs.pending()) {
      if (signal.aborted) return;
      const lease = await deps.leases.acquire(tenantId, `job:${id}`);
      if (!lease) continue; // another node is running it
      const both = AbortSignal.any([signal, lease.signal]);
      try {
        await deps.runner.run(tenantId, id, both);
      } catch (error) {
        deps.log.error({ err: error, job_id: id, tenant_id: tenantId }, 'export job failed');
      }
      try {
        // Finished (done, failed or deleted): nothing left to lease. Stopped: someone runs it again.
        if (both.aborted) await lease.release();
        else await lease.end();
      } catch (error) {
        deps.log.error({ err: error, job_id: id, tenant_id: tenantId }, 'export job lease not released; it expires');
      }
      if (lease.signal.aborted) deps.log.warn({ job_id: id, tenant_id: tenantId }, 'export job lease lost; another node will run it');
    }
  }

  return createWorkerLoop({
    name: 'export worker',
    pollMs: deps.pollMs,
    log: deps.log,
    async pass(signal) {
      await runPendingJobs(signal);
      if (!signal.aborted) await deps.schedules.runDue();
    },
  });
}

export type ExportWorker = ReturnType<typeof createExportWorker>;
