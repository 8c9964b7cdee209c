// Report schedules: a report of the last day, week or month, made at each UTC boundary and sent to
// a directory in the tenant's export area, an SFTP server or e-mail recipients (src/destinations/).
// Kept as records like export schedules: one per schedule in its tenant, an instance-wide index,
// and SFTP credentials as a sealed record of their own, never in what the API returns. Creating
// and deleting one is an event in the tenant's log (destination named, credentials never).

import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Requester } from '../audit-trail/requester.js';
import type { Actor, JsonObject } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import { FREQUENCIES, isFrequency, nextRunAfter, type Frequency } from '../background/schedule-calendar.js';
import type { SealedSecret, SecretBox } from '../background/secret-box.js';
import type { SmtpConfig } from '../config.js';
import { recipientsFrom, requireMail } from '../destinations/mailer.js';
import { areaDirectory } from '../destinations/safe-directory.js';
import { describeSftp, sftpDestinationFrom, type SftpDestinationRequest, type SftpHostAllowList, type SftpTarget } from '../destinations/sftp-destination.js';
import { compileFilters, type EventFilters } from '../query/event-filters.js';
import type { Store } from '../store/port.js';
import type { ReportType } from './definitions.js';
import type { ReportFormat } from './report-jobs.js';
import { checkTypeAndFormat } from './report-service.js';

export interface ReportSchedule {
  id: string;
  tenant_id: string;
  type: ReportType | 'soc2';
  format: ReportFormat;
  frequency: Frequency;
  filters: EventFilters;
  /** Exactly one destination. */
  directory: string | null;
  sftp: SftpTarget | null;
  email: { to: string[] } | null;
  next_run_at: string;
  last_run_at: string | null;
  last_report_id: string | null;
  last_file: string | null;
  last_error: string | null;
  runs: number;
  created_at: string;
  created_by: Actor;
}

export interface NewReportSchedule {
  type: string;
  format: string;
  frequency: string;
  filters: EventFilters;
  destination: { directory?: string; sftp?: SftpDestinationRequest; email?: { to?: unknown } };
}

const SCHEDULE = 'report_schedule';
const INDEX = 'report_schedule_index';
const CREDENTIALS = 'report_schedule_credentials';
const INSTANCE = '*';
export const scheduleCredentialsContext = (tenantId: string, id: string) => `${CREDENTIALS}:${tenantId}:${id}`;

/** The period a run at `boundary` reports on: the day, week or month that just ended. */
export function periodBefore(frequency: Frequency, boundary: number): { from: number; to: number } {
  if (frequency === 'daily') return { from: boundary - 86_400_000, to: boundary };
  if (frequency === 'weekly') return { from: boundary - 7 * 86_400_000, to: boundary };
  const d = new Date(boundary);
  return { from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1), to: boundary };
}

export function createReportScheduleRepository(store: Store, now: () => number) {
  const stamp = () => new Date(now()).toISOString();
  return {
    async insert(schedule: ReportSchedule, credentials?: SealedSecret): Promise<void> {
      if (credentials) await store.insertRecord({ kind: CREDENTIALS, tenantId: schedule.tenant_id, id: schedule.id }, credentials, stamp());
      await store.insertRecord({ kind: SCHEDULE, tenantId: schedule.tenant_id, id: schedule.id }, schedule, stamp());
      await store.insertRecord({ kind: INDEX, tenantId: INSTANCE, id: schedule.id }, { tenant_id: schedule.tenant_id }, stamp());
    },
    update: (schedule: ReportSchedule) => store.updateRecord({ kind: SCHEDULE, tenantId: schedule.tenant_id, id: schedule.id }, schedule, stamp()),
    get: async (tenantId: string, id: string) => (await store.getRecord<ReportSchedule>({ kind: SCHEDULE, tenantId, id }))?.body,
    list: async (tenantId: string) => (await store.listRecords<ReportSchedule>(SCHEDULE, tenantId)).map((r) => r.body),
    async remove(tenantId: string, id: string): Promise<boolean> {
      const removed = await store.deleteRecord({ kind: SCHEDULE, tenantId, id });
      if (removed) {
        await store.deleteRecord({ kind: INDEX, tenantId: INSTANCE, id });
        await store.deleteRecord({ kind: CREDENTIALS, tenantId, id });
      }
      return removed;
    },
    credentials: async (tenantId: string, id: string) => (await store.getRecord<SealedSecret>({ kind: CREDENTIALS, tenantId, id }))?.body,
    all: async (limit = 10_000) => (await store.listRecords<{ tenant_id: string }>(INDEX, INSTANCE, limit)).map((r) => ({ tenantId: r.body.tenant_id, id: r.id })),
  };
}

export type ReportScheduleRepository = ReturnType<typeof createReportScheduleRepository>;

/** What the log says about a schedule: settings and destination, never a secret. */
export function describeSchedule(schedule: ReportSchedule): JsonObject {
  return {
    type: schedule.type, format: schedule.format, frequency: schedule.frequency, filters: schedule.filters as JsonObject,
    ...(schedule.directory !== null && { directory: schedule.directory }),
    ...(schedule.sftp && { destination: describeSftp(schedule.sftp), host_key_sha256: schedule.sftp.host_key_sha256, credentials: `${schedule.sftp.auth} set` }),
    ...(schedule.email && { destination: `mailto:${schedule.email.to.join(',')}` }),
  };
}

export interface ReportScheduleServiceDeps {
  schedules: ReportScheduleRepository;
  trail: AuditTrail;
  secrets: SecretBox;
  sftpHosts: SftpHostAllowList;
  smtp: SmtpConfig | undefined;
  now: () => number;
}

export function createReportScheduleService(deps: ReportScheduleServiceDeps) {
  async function create(tenantId: string, request: NewReportSchedule, by: Requester): Promise<ReportSchedule> {
    const now = deps.now();
    const { type, format } = checkTypeAndFormat(request.type, request.format);
    if (!isFrequency(request.frequency)) {
      throw new SteleError('invalid_request', `frequency must be one of ${FREQUENCIES.join(', ')}`, [{ field: 'frequency', message: 'unknown frequency' }]);
    }
    if (request.filters.since !== undefined || request.filters.until !== undefined) {
      throw new SteleError('invalid_request', 'A schedule reports on the period that just ended: give no since/until filters.', [{ field: 'filters', message: 'since/until not allowed here' }]);
    }
    compileFilters(request.filters, now);
    const { destination } = request;
    const given = (['directory', 'sftp', 'email'] as const).filter((name) => destination[name] !== undefined);
    if (given.length !== 1) {
      throw new SteleError('invalid_request', 'Give exactly one destination: directory, sftp or email.', [{ field: 'destination', message: 'give one of directory, sftp, email' }]);
    }
    const sftp = destination.sftp ? sftpDestinationFrom(destination.sftp, deps.sftpHosts) : undefined;
    let email: { to: string[] } | null = null;
    if (destination.email !== undefined) {
      requireMail(deps.smtp, 'destination.email');
      email = { to: recipientsFrom(destination.email.to, 'destination.email.to') };
    }
    const id = uuidv7(now);
    const schedule: ReportSchedule = {
      id, tenant_id: tenantId, type, format, frequency: request.frequency, filters: request.filters,
      directory: destination.directory !== undefined ? areaDirectory(destination.directory) : null, sftp: sftp?.target ?? null, email,
      next_run_at: new Date(nextRunAfter(request.frequency, now)).toISOString(), last_run_at: null, last_report_id: null, last_file: null,
      last_error: null, runs: 0, created_at: new Date(now).toISOString(), created_by: by.actor,
    };
    await deps.schedules.insert(schedule, sftp && deps.secrets.seal(sftp.credentials, scheduleCredentialsContext(tenantId, id)));
    await deps.trail.record(tenantId, { action: 'report_schedule.created', ...by, target: { type: 'report_schedule', id }, details: describeSchedule(schedule) });
    return schedule;
  }

  async function get(tenantId: string, id: string): Promise<ReportSchedule> {
    const schedule = await deps.schedules.get(tenantId, id);
    if (!schedule) throw new SteleError('not_found', `No report schedule with id ${id}.`);
    return schedule;
  }

  async function remove(tenantId: string, id: string, by: Requester): Promise<void> {
    const schedule = await deps.schedules.get(tenantId, id);
    if (!schedule || !(await deps.schedules.remove(tenantId, id))) throw new SteleError('not_found', `No report schedule with id ${id}.`);
    await deps.trail.record(tenantId, { action: 'report_schedule.deleted', ...by, target: { type: 'report_schedule', id }, details: { ...describeSchedule(schedule), runs: schedule.runs } });
  }

  return { create, get, list: (tenantId: string) => deps.schedules.list(tenantId), remove };
}

export type ReportScheduleService = ReturnType<typeof createReportScheduleService>;
