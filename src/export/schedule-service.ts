// Creating, reading and deleting export schedules; the runs themselves are schedule-runner.ts.

import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import type { EventFilters } from '../query/event-filters.js';
import { compileFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import type { Requester } from './audit-events.js';
import type { ExportFormatName } from './formats/index.js';
import { directoryUnder } from './safe-directory.js';
import { nextRunAfter, type Frequency } from './schedule-calendar.js';
import type { ExportSchedule, ScheduleRepository } from './schedule-repository.js';

export interface NewSchedule {
  frequency: Frequency;
  format: ExportFormatName;
  filters: EventFilters;
  directory: string;
  /** Export only events added from now on (default), or the whole matching log on the first run. */
  fromStart?: boolean;
}

export function createScheduleService(deps: { store: Store; schedules: ScheduleRepository; root: string; now: () => number }) {
  async function create(tenantId: string, request: NewSchedule, by: Requester): Promise<ExportSchedule> {
    const now = deps.now();
    compileFilters(request.filters, now);
    directoryUnder(deps.root, request.directory);
    const schedule: ExportSchedule = {
      id: uuidv7(now), tenant_id: tenantId, frequency: request.frequency, format: request.format, filters: request.filters,
      directory: request.directory, next_run_at: new Date(nextRunAfter(request.frequency, now)).toISOString(),
      last_seq: request.fromStart ? 0 : (await deps.store.getHead(tenantId)).size,
      last_run_at: null, last_file: null, last_row_count: null, last_error: null, runs: 0,
      created_at: new Date(now).toISOString(), created_by: by.actor,
    };
    await deps.schedules.insert(schedule);
    return schedule;
  }

  async function get(tenantId: string, id: string): Promise<ExportSchedule> {
    const schedule = await deps.schedules.get(tenantId, id);
    if (!schedule) throw new SteleError('not_found', `No export schedule with id ${id}.`);
    return schedule;
  }

  async function remove(tenantId: string, id: string): Promise<void> {
    if (!(await deps.schedules.remove(tenantId, id))) throw new SteleError('not_found', `No export schedule with id ${id}.`);
  }

  return { create, get, list: (tenantId: string) => deps.schedules.list(tenantId), remove };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
