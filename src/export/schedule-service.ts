// Creating, reading and deleting export schedules; the runs themselves are schedule-runner.ts.
// Creating and deleting one is an event in the tenant's log, which names the destination and
// whether credentials were set, never the credentials.

import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { JsonObject } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import type { EventFilters } from '../query/event-filters.js';
import { compileFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import type { Requester } from './audit-events.js';
import type { ExportFormatName } from './formats/index.js';
import { areaDirectory } from '../destinations/safe-directory.js';
import { nextRunAfter, type Frequency } from '../background/schedule-calendar.js';
import { credentialsContext, type ExportSchedule, type ScheduleRepository } from './schedule-repository.js';
import type { SecretBox } from '../background/secret-box.js';
import { describeSftp, sftpDestinationFrom, type SftpDestinationRequest, type SftpHostAllowList } from '../destinations/sftp-destination.js';

export interface NewSchedule {
  frequency: Frequency;
  format: ExportFormatName;
  filters: EventFilters;
  destination: { directory: string } | { sftp: SftpDestinationRequest };
  /** Export only events added from now on (default), or the whole matching log on the first run. */
  fromStart?: boolean;
}

export interface ScheduleServiceDeps {
  store: Store;
  schedules: ScheduleRepository;
  now: () => number;
  /** Seals SFTP credentials before they are stored. */
  secrets: SecretBox;
  sftpHosts: SftpHostAllowList;
  trail: AuditTrail;
}

/** What the log says about a schedule: its settings and destination, no secret. */
function describe(schedule: ExportSchedule): JsonObject {
  const { sftp } = schedule;
  return {
    frequency: schedule.frequency, format: schedule.format, filters: schedule.filters as JsonObject,
    ...(sftp ? { destination: describeSftp(sftp) } : { directory: schedule.directory }),
    ...(sftp && { host_key_sha256: sftp.host_key_sha256, credentials: `${sftp.auth} set` }),
  };
}

const targetOf = (schedule: ExportSchedule) => ({ type: 'export_schedule', id: schedule.id });

export function createScheduleService(deps: ScheduleServiceDeps) {
  async function create(tenantId: string, request: NewSchedule, by: Requester): Promise<ExportSchedule> {
    const now = deps.now();
    compileFilters(request.filters, now);
    const id = uuidv7(now);
    const { destination } = request;
    const sftp = 'sftp' in destination ? sftpDestinationFrom(destination.sftp, deps.sftpHosts) : undefined;
    const directory = 'directory' in destination ? areaDirectory(destination.directory) : null;
    const schedule: ExportSchedule = {
      id, tenant_id: tenantId, frequency: request.frequency, format: request.format, filters: request.filters,
      directory, sftp: sftp?.target ?? null, next_run_at: new Date(nextRunAfter(request.frequency, now)).toISOString(),
      last_seq: request.fromStart ? 0 : (await deps.store.getHead(tenantId)).size,
      last_run_at: null, last_file: null, last_row_count: null, last_error: null, runs: 0,
      created_at: new Date(now).toISOString(), created_by: by.actor,
    };
    await deps.schedules.insert(schedule, sftp && deps.secrets.seal(sftp.credentials, credentialsContext(tenantId, id)));
    await deps.trail.record(tenantId, {
      action: 'export_schedule.created', ...by, target: targetOf(schedule),
      details: { ...describe(schedule), from_start: request.fromStart ?? false },
    });
    return schedule;
  }

  async function get(tenantId: string, id: string): Promise<ExportSchedule> {
    const schedule = await deps.schedules.get(tenantId, id);
    if (!schedule) throw new SteleError('not_found', `No export schedule with id ${id}.`);
    return schedule;
  }

  async function remove(tenantId: string, id: string, by: Requester): Promise<void> {
    const schedule = await deps.schedules.get(tenantId, id);
    if (!schedule || !(await deps.schedules.remove(tenantId, id))) throw new SteleError('not_found', `No export schedule with id ${id}.`);
    await deps.trail.record(tenantId, { action: 'export_schedule.deleted', ...by, target: targetOf(schedule), details: { ...describe(schedule), runs: schedule.runs } });
  }

  return { create, get, list: (tenantId: string) => deps.schedules.list(tenantId), remove };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
