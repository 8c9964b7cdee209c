// Export schedules as records: one per schedule in its tenant, plus an instance-wide index entry
// so the scheduler finds every tenant's schedules with one list.

import type { Actor } from '../domain/event.js';
import type { EventFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import type { ExportFormatName } from './formats/index.js';
import type { Frequency } from './schedule-calendar.js';

export interface ExportSchedule {
  id: string;
  tenant_id: string;
  frequency: Frequency;
  format: ExportFormatName;
  filters: EventFilters;
  /** As given: relative to the export directory root. */
  directory: string;
  next_run_at: string;
  /** Every run exports the matching events after this seq, then moves it to the log size it saw. */
  last_seq: number;
  last_run_at: string | null;
  last_file: string | null;
  last_row_count: number | null;
  last_error: string | null;
  runs: number;
  created_at: string;
  created_by: Actor;
}

const SCHEDULE = 'export_schedule';
const INDEX = 'export_schedule_index';
const INSTANCE = '*';

export function createScheduleRepository(store: Store, now: () => number) {
  const stamp = () => new Date(now()).toISOString();
  return {
    async insert(schedule: ExportSchedule): Promise<void> {
      await store.insertRecord({ kind: SCHEDULE, tenantId: schedule.tenant_id, id: schedule.id }, schedule, stamp());
      await store.insertRecord({ kind: INDEX, tenantId: INSTANCE, id: schedule.id }, { tenant_id: schedule.tenant_id }, stamp());
    },
    update: (schedule: ExportSchedule): Promise<boolean> =>
      store.updateRecord({ kind: SCHEDULE, tenantId: schedule.tenant_id, id: schedule.id }, schedule, stamp()),
    get: async (tenantId: string, id: string): Promise<ExportSchedule | undefined> =>
      (await store.getRecord<ExportSchedule>({ kind: SCHEDULE, tenantId, id }))?.body,
    list: async (tenantId: string): Promise<ExportSchedule[]> =>
      (await store.listRecords<ExportSchedule>(SCHEDULE, tenantId)).map((r) => r.body),
    async remove(tenantId: string, id: string): Promise<boolean> {
      const removed = await store.deleteRecord({ kind: SCHEDULE, tenantId, id });
      if (removed) await store.deleteRecord({ kind: INDEX, tenantId: INSTANCE, id });
      return removed;
    },
    all: async (limit = 10_000): Promise<{ tenantId: string; id: string }[]> =>
      (await store.listRecords<{ tenant_id: string }>(INDEX, INSTANCE, limit)).map((r) => ({ tenantId: r.body.tenant_id, id: r.id })),
  };
}

export type ScheduleRepository = ReturnType<typeof createScheduleRepository>;
