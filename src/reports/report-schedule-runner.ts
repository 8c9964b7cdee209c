// Makes the reports of the schedules that are due: each becomes a report job of the period that
// just ended (the last whole day, week or month), which the report worker then runs and delivers.
// Each due schedule is handled under its lease and read again under it, so with several nodes a
// boundary makes one report. A server that was down for several boundaries makes one report, of
// the latest period, rather than one per missed boundary.

import { SYSTEM_REQUESTER } from '../audit-trail/requester.js';
import type { Leases } from '../background/lease.js';
import { nextRunAfter } from '../background/schedule-calendar.js';
import { periodBefore, type ReportSchedule, type ReportScheduleRepository } from './report-schedules.js';
import type { ReportService } from './report-service.js';

export interface ReportScheduleRunnerDeps {
  schedules: ReportScheduleRepository;
  reports: ReportService;
  leases: Leases;
  now: () => number;
}

export function createReportScheduleRunner(deps: ReportScheduleRunnerDeps) {
  const isDue = (schedule: ReportSchedule | undefined): schedule is ReportSchedule =>
    schedule !== undefined && Date.parse(schedule.next_run_at) <= deps.now();

  async function runOne(schedule: ReportSchedule): Promise<ReportSchedule> {
    const now = deps.now();
    let boundary = Date.parse(schedule.next_run_at);
    while (nextRunAfter(schedule.frequency, boundary) <= now) boundary = nextRunAfter(schedule.frequency, boundary);
    const period = periodBefore(schedule.frequency, boundary);
    const at = new Date(now).toISOString();
    const next = new Date(nextRunAfter(schedule.frequency, now)).toISOString();
    try {
      const { job } = await deps.reports.create(schedule.tenant_id, {
        type: schedule.type, format: schedule.format, from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), filters: schedule.filters,
      }, SYSTEM_REQUESTER, { scheduleId: schedule.id });
      return { ...schedule, last_run_at: at, last_report_id: job.id, runs: schedule.runs + 1, next_run_at: next };
    } catch (error) {
      return { ...schedule, last_run_at: at, last_error: error instanceof Error ? error.message : String(error), runs: schedule.runs + 1, next_run_at: next };
    }
  }

  /** Queues the report of every due schedule; returns how many. */
  async function runDue(signal: AbortSignal): Promise<number> {
    let made = 0;
    for (const { tenantId, id } of await deps.schedules.all()) {
      if (signal.aborted) break;
      if (!isDue(await deps.schedules.get(tenantId, id))) continue;
      const lease = await deps.leases.acquire(tenantId, `report_schedule:${id}`);
      if (!lease) continue;
      try {
        const schedule = await deps.schedules.get(tenantId, id);
        if (!isDue(schedule)) continue;
        const after = await runOne(schedule);
        lease.signal.throwIfAborted();
        await deps.schedules.update(after);
        made += 1;
      } finally {
        await lease.release();
      }
    }
    return made;
  }

  return { runDue };
}

export type ReportScheduleRunner = ReturnType<typeof createReportScheduleRunner>;
