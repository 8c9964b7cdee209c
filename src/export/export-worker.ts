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
import type { Leases } from './lease.js';
import type { ScheduleRunner } from './schedule-runner.js';

export interface ExportWorkerDeps {
  jobs: JobRepository;
  runner: JobRunner;
  schedules: ScheduleRunner;
  pollMs: number;
  log: FastifyBaseLogger;
  leases: Leases;
}

const MAX_BACKOFF_MS = 30_000;

export function createExportWorker(deps: ExportWorkerDeps) {
  let loop: Promise<void> | undefined;
  let abort = new AbortController();
  let wake: (() => void) | undefined;
  let kicked = false;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    }
    wake = done;
  });

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

  async function run(signal: AbortSignal): Promise<void> {
    // Passes that fail one after another (the database is away) wait longer each time, up to
    // MAX_BACKOFF_MS, rather than log a failure every poll; the first pass that works resets it.
    let failures = 0;
    while (!signal.aborted) {
      kicked = false;
      try {
        await runPendingJobs(signal);
        if (!signal.aborted) await deps.schedules.runDue();
        failures = 0;
      } catch (error) {
        failures += 1;
        deps.log.error({ err: error, consecutive_failures: failures }, 'export worker pass failed');
      }
      if (!kicked && !signal.aborted) await sleep(Math.min(deps.pollMs * 2 ** failures, Math.max(deps.pollMs, MAX_BACKOFF_MS)));
    }
  }

  return {
    start(): void {
      if (loop) return;
      abort = new AbortController();
      loop = run(abort.signal);
    },
    /** A job was created: look now instead of at the next poll. */
    kick(): void {
      kicked = true;
      wake?.();
    },
    async stop(): Promise<void> {
      abort.abort();
      wake?.();
      await loop;
      loop = undefined;
    },
  };
}

export type ExportWorker = ReturnType<typeof createExportWorker>;
