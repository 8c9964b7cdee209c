// /v1/report-schedules: a report of the last day, week or month, made at each UTC boundary and
// sent to a directory in the tenant's export area, an SFTP server or e-mail recipients. SFTP
// credentials are accepted here and never shown again.

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponses, IdParams, TenantQuery } from '../http/schemas.js';
import { FREQUENCIES } from '../background/schedule-calendar.js';
import type { SftpDestinationRequest } from '../destinations/sftp-destination.js';
import { filtersFromObject } from '../query/query-params.js';
import { REPORT_TYPES } from './definitions.js';
import { REPORT_FORMATS } from './report-jobs.js';
import { FiltersBody } from './report-routes.js';
import type { ReportScheduleService } from './report-schedules.js';

export interface ReportScheduleRoutesOptions {
  guards: Guards;
  schedules: ReportScheduleService;
}

const SftpBody = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253, description: 'Host name or address (STELE_EXPORT_SFTP_HOSTS may restrict it)' }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Default 22' })),
  username: Type.String({ minLength: 1, maxLength: 128, description: 'Login' }),
  path: Type.String({ minLength: 1, maxLength: 500, description: 'Remote directory; created when missing' }),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Write-only: stored encrypted, never returned' })),
  private_key: Type.Optional(Type.String({ minLength: 1, maxLength: 16384, description: 'OpenSSH or PEM private key. Write-only' })),
  passphrase: Type.Optional(Type.String({ maxLength: 1024, description: 'For an encrypted private_key. Write-only' })),
  host_key_sha256: Type.Optional(Type.String({ maxLength: 100, description: 'SHA256:... the server must present; without it the first run pins the key it sees' })),
}, { additionalProperties: false, description: 'Exactly one of password or private_key' });

const Destination = Type.Object({
  directory: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Relative to the tenant\'s export area under STELE_EXPORT_DIR_ROOT' })),
  sftp: Type.Optional(SftpBody),
  email: Type.Optional(Type.Object({ to: Type.Array(Type.String({ maxLength: 254 }), { minItems: 1, maxItems: 20, description: 'Recipients; the report is attached' }) }, { additionalProperties: false })),
}, { additionalProperties: false, description: 'Exactly one of directory, sftp or email' });

const ScheduleView = Type.Object({
  id: Type.String(), type: Type.String(), format: Type.String(), frequency: Type.String(), next_run_at: Type.String(),
}, { additionalProperties: true });

export const reportScheduleRoutes: FastifyPluginAsync<ReportScheduleRoutesOptions> = async (app, { guards, schedules }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);

  app.post('/v1/report-schedules', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'createReportSchedule', tags: ['reports'],
      summary: 'Schedule a daily, weekly or monthly report to a directory, an SFTP server or e-mail',
      description: 'At each UTC boundary (midnight, Monday, the first of the month) the report of the period that just ended is made (a report.generated event) and sent to the destination with its manifest.',
      querystring: TenantQuery,
      body: Type.Object({
        type: Type.String({ enum: [...REPORT_TYPES, 'soc2'], description: 'Which report' }),
        format: Type.String({ enum: [...REPORT_FORMATS, 'zip'], description: 'html, pdf, csv or json; zip for soc2' }),
        frequency: Type.String({ enum: [...FREQUENCIES], description: 'daily, weekly or monthly' }),
        filters: Type.Optional(FiltersBody),
        destination: Destination,
      }, { additionalProperties: false }),
      response: { 201: ScheduleView, ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    const body = request.body as { type: string; format: string; frequency: string; filters?: unknown; destination: { directory?: string; sftp?: SftpDestinationRequest; email?: { to: string[] } } };
    const schedule = await schedules.create(tenantId, {
      type: body.type, format: body.format, frequency: body.frequency, filters: filtersFromObject(body.filters), destination: body.destination,
    }, requesterOf(request));
    return reply.status(201).send(schedule);
  });

  app.get('/v1/report-schedules', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'listReportSchedules', tags: ['reports'], summary: 'The tenant\'s report schedules',
      description: 'Each with its destination (never a credential), next run and last outcome.',
      querystring: TenantQuery, response: { 200: Type.Object({ schedules: Type.Array(ScheduleView) }), ...errorResponses },
    },
  }, async (request) => ({ schedules: await schedules.list(await tenantOf(request)) }));

  app.get('/v1/report-schedules/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'getReportSchedule', tags: ['reports'], summary: 'One report schedule and its last run',
      description: 'last_report_id names the report the last run made (GET /v1/reports/{id}).',
      params: IdParams, querystring: TenantQuery, response: { 200: ScheduleView, ...errorResponses },
    },
  }, async (request) => schedules.get(await tenantOf(request), (request.params as { id: string }).id));

  app.delete('/v1/report-schedules/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'deleteReportSchedule', tags: ['reports'], summary: 'Delete a report schedule',
      description: 'Reports already made and files already sent stay.',
      params: IdParams, querystring: TenantQuery, response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    await schedules.remove(await tenantOf(request), (request.params as { id: string }).id, requesterOf(request));
    return reply.status(204).send();
  });
};
