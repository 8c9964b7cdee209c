// The in-process worker: runs pending bulk export jobs one at a time (oldest first) and the
// scheduled exports that are due. It wakes when a job is created here, and polls so that jobs
// created by other processes, and schedules falling due, are picked up too. Stopping aborts the
// current job, which stays pending and runs again on the next start.
//
// Several processes may share one database: each job runs under a lease (background/lease.ts)
// named after it (background/pending-jobs.ts), so a pending job that two workers both see runs on
// one of them; the other skips it and, if the holder dies, takes it over once the lease expires.

import type { FastifyBaseLogger } from 'fastify';
import type { JobRepository } from './job-repository.js';
import type { JobRunner } from './job-runner.js';
import type { Leases } from '../background/lease.js';
import { createWorkerLoop } from '../background/worker-loop.js';
import { runPendingJobs } from '../background/pending-jobs.js';
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
  return createWorkerLoop({
    name: 'export worker',
    pollMs: deps.pollMs,
    log: deps.log,
    async pass(signal) {
      await runPendingJobs({
        pending: () => deps.jobs.pending(), run: deps.runner.run, leases: deps.leases,
        leaseName: (id) => `job:${id}`, what: 'export job', log: deps.log,
      }, signal);
      if (!signal.aborted) await deps.schedules.runDue();
    },
  });
}

export type ExportWorker = ReturnType<typeof createExportWorker>;
