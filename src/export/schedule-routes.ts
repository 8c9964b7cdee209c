// /v1/export-schedules: daily, weekly or monthly exports written to a directory on the server or
// uploaded to an SFTP server. The SFTP password or private key is accepted here and never shown
// again: responses carry the schedule record, which holds no secret (schedule-repository.ts).

import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Guards } from '../http/guards.js';
import { errorResponses, idParams, TenantQuery } from '../http/schemas.js';
import { EXPORT_FORMAT_NAMES } from './formats/index.js';
import { SteleError } from '../domain/errors.js';
import { requesterOf } from './audit-events.js';
import { formatOf } from './export-routes.js';
import { filtersFromObject } from '../query/query-params.js';
import { FREQUENCIES, isFrequency } from './schedule-calendar.js';
import type { NewSchedule, ScheduleService } from './schedule-service.js';
import type { SftpDestinationRequest } from './sftp-destination.js';

export interface ScheduleRoutesOptions {
  guards: Guards;
  schedules: ScheduleService;
}

const sftpBody = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253, description: 'Host name or address, among STELE_EXPORT_SFTP_HOSTS' }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Default 22' })),
  username: Type.String({ minLength: 1, maxLength: 128, description: 'The SFTP account' }),
  path: Type.String({ minLength: 1, maxLength: 500, description: 'Remote directory (absolute, or relative to the login directory); created when missing' }),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Write-only: stored encrypted, never returned' })),
  private_key: Type.Optional(Type.String({ minLength: 1, maxLength: 16384, description: 'OpenSSH or PEM private key. Write-only: stored encrypted, never returned' })),
  passphrase: Type.Optional(Type.String({ maxLength: 1024, description: 'For an encrypted private_key. Write-only' })),
  host_key_sha256: Type.Optional(Type.String({ description: 'OpenSSH fingerprint SHA256:... the server must present; without it the first successful run pins the key it sees' })),
}, { additionalProperties: false, description: 'Exactly one of password or private_key' });

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A schedule as stored and shown: it holds no secret (schedule-repository.ts). */
const ScheduleView = Type.Object({
  id: Type.String(), tenant_id: Type.String(),
  frequency: Type.String({ enum: [...FREQUENCIES] }), format: Type.String({ enum: [...EXPORT_FORMAT_NAMES] }),
  filters: Type.Object({}, { additionalProperties: true }),
  directory: nullable(Type.String({ description: 'Relative to the tenant\'s area of STELE_EXPORT_DIR_ROOT' })),
  sftp: Type.Optional(nullable(Type.Object({
    host: Type.String(), port: Type.Integer(), username: Type.String(), path: Type.String(),
    auth: Type.String({ enum: ['password', 'private_key'] }),
    host_key_sha256: nullable(Type.String({ description: 'The pinned server key' })),
  }, { description: 'The SFTP destination; its credentials are never shown' }))),
  next_run_at: Type.String({ format: 'date-time' }),
  last_seq: Type.Integer({ description: 'Each run exports the matching events after this seq' }),
  last_run_at: nullable(Type.String({ format: 'date-time' })), last_file: nullable(Type.String()),
  last_row_count: nullable(Type.Integer()), last_error: nullable(Type.String({ description: 'Why the last run failed' })),
  runs: Type.Integer(), created_at: Type.String({ format: 'date-time' }),
  created_by: Type.Object({
    id: Type.Optional(Type.String()), type: Type.Optional(Type.String()), email: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()), role: Type.Optional(Type.String()),
  }, { description: 'Who created it, as the audit trail names them' }),
});

const ScheduleParams = idParams('The schedule\'s id');

export const scheduleRoutes: FastifyPluginAsync<ScheduleRoutesOptions> = async (app, { guards, schedules }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);

  app.post('/v1/export-schedules', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'createExportSchedule', tags: ['export'], summary: 'Schedule a daily, weekly or monthly export to a directory under the export root, or to an SFTP server',
      description: 'Each run writes the matching events that arrived since the last run to one file (gzip, with a manifest) in the tenant\'s area of STELE_EXPORT_DIR_ROOT or on the SFTP server. SFTP credentials are stored sealed and never shown. Recorded as `export_schedule.created`; each run as `audit.exported`.',
      querystring: TenantQuery,
      body: Type.Object({
        frequency: Type.String({ enum: [...FREQUENCIES], description: 'How often it runs' }),
        format: Type.String({ description: `One of ${EXPORT_FORMAT_NAMES.join(', ')}, as format= of GET /v1/events/export` }),
        filters: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The filters of GET /v1/events as JSON' })),
        directory: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Relative to STELE_EXPORT_DIR_ROOT (give this or sftp)' })),
        sftp: Type.Optional(sftpBody),
        from_start: Type.Optional(Type.Boolean({ description: 'First run exports the whole matching log, not only new events' })),
      }, { additionalProperties: false }),
      response: { 201: ScheduleView, ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    const body = request.body as { frequency: string; format: string; filters?: unknown; directory?: string; sftp?: SftpDestinationRequest; from_start?: boolean };
    if (!isFrequency(body.frequency)) throw new SteleError('invalid_request', `frequency must be one of ${FREQUENCIES.join(', ')}`, [{ field: 'frequency', message: 'unknown' }]);
    if ((body.directory === undefined) === (body.sftp === undefined)) {
      throw new SteleError('invalid_request', 'Give exactly one destination: directory or sftp.', [{ field: 'directory', message: 'give directory or sftp' }]);
    }
    const destination: NewSchedule['destination'] = body.sftp ? { sftp: body.sftp } : { directory: body.directory! };
    const schedule = await schedules.create(tenantId, {
      frequency: body.frequency, format: formatOf(body.format), filters: filtersFromObject(body.filters), destination,
      fromStart: body.from_start ?? false,
    }, requesterOf(request));
    return reply.status(201).send(schedule);
  });

  app.get('/v1/export-schedules', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'listExportSchedules', tags: ['export'], summary: 'List export schedules',
      description: 'The tenant\'s schedules with their last run, oldest first.',
      querystring: TenantQuery, response: { 200: Type.Object({ schedules: Type.Array(ScheduleView) }), ...errorResponses },
    },
  }, async (request) => ({ schedules: await schedules.list(await tenantOf(request)) }));

  app.get('/v1/export-schedules/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'getExportSchedule', tags: ['export'], summary: 'One export schedule and its last run',
      description: 'The schedule, when it runs next, and what its last run wrote or why it failed.',
      params: ScheduleParams, querystring: TenantQuery, response: { 200: ScheduleView, ...errorResponses },
    },
  }, async (request) => schedules.get(await tenantOf(request), (request.params as { id: string }).id));

  app.delete('/v1/export-schedules/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'deleteExportSchedule', tags: ['export'], summary: 'Delete an export schedule (files already written stay)',
      description: 'No run starts after this; its stored credentials are deleted. Recorded as `export_schedule.deleted`.',
      params: ScheduleParams, querystring: TenantQuery, response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    await schedules.remove(await tenantOf(request), (request.params as { id: string }).id, requesterOf(request));
    return reply.status(204).send();
  });
};
