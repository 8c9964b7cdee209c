// Export schedules as records: one per schedule in its tenant, plus an instance-wide index entry
// so the scheduler finds every tenant's schedules with one list. An SFTP schedule's credentials
// are a record of their own, sealed (secret-box.ts): the schedule record, which the API returns
// as it is, never holds a secret.

import type { Actor } from '../domain/event.js';
import type { EventFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import type { ExportFormatName } from './formats/index.js';
import type { Frequency } from '../background/schedule-calendar.js';
import type { SealedSecret } from '../background/secret-box.js';
import type { SftpTarget } from '../destinations/sftp-destination.js';

export interface ExportSchedule {
  id: string;
  tenant_id: string;
  frequency: Frequency;
  format: ExportFormatName;
  filters: EventFilters;
  /**
   * Where the files go: exactly one of a directory, relative to the tenant's export area
   * `<STELE_EXPORT_DIR_ROOT>/<tenant id>/` (see safe-directory.ts), or an SFTP server.
   */
  directory: string | null;
  /** Absent on schedules made before SFTP destinations existed. */
  sftp?: SftpTarget | null;
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
const CREDENTIALS = 'export_schedule_credentials';
const INSTANCE = '*';

/** What a schedule's sealed credentials are bound to: they open for this tenant and schedule only. */
export const credentialsContext = (tenantId: string, id: string) => `${CREDENTIALS}:${tenantId}:${id}`;

export function createScheduleRepository(store: Store, now: () => number) {
  const stamp = () => new Date(now()).toISOString();
  return {
    /** `credentials` (sealed) are stored first, so a schedule never exists without the secret it needs. */
    async insert(schedule: ExportSchedule, credentials?: SealedSecret): Promise<void> {
      if (credentials) await store.insertRecord({ kind: CREDENTIALS, tenantId: schedule.tenant_id, id: schedule.id }, credentials, stamp());
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
      if (removed) {
        await store.deleteRecord({ kind: INDEX, tenantId: INSTANCE, id });
        await store.deleteRecord({ kind: CREDENTIALS, tenantId, id });
      }
      return removed;
    },
    credentials: async (tenantId: string, id: string): Promise<SealedSecret | undefined> =>
      (await store.getRecord<SealedSecret>({ kind: CREDENTIALS, tenantId, id }))?.body,
    all: async (limit = 10_000): Promise<{ tenantId: string; id: string }[]> =>
      (await store.listRecords<{ tenant_id: string }>(INDEX, INSTANCE, limit)).map((r) => ({ tenantId: r.body.tenant_id, id: r.id })),
  };
}

export type ScheduleRepository = ReturnType<typeof createScheduleRepository>;
