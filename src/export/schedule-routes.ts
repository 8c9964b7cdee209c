// /v1/export-schedules: daily, weekly or monthly exports written to a directory on the server.

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Guards } from '../api/authorization.js';
import { errorResponses } from '../api/schemas.js';
import { SteleError } from '../domain/errors.js';
import { requesterOf } from './audit-events.js';
import { formatOf } from './export-routes.js';
import { filtersFromObject } from '../query/query-params.js';
import { FREQUENCIES, isFrequency } from './schedule-calendar.js';
import type { ScheduleService } from './schedule-service.js';

export interface ScheduleRoutesOptions {
  guards: Guards;
  schedules: ScheduleService;
}

const tenantQuery = Type.Object({ tenant_id: Type.Optional(Type.String({ description: 'Admin token only' })) });
const idParams = Type.Object({ id: Type.String() });

export const scheduleRoutes: FastifyPluginAsync<ScheduleRoutesOptions> = async (app, { guards, schedules }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);

  app.post('/v1/export-schedules', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      tags: ['export'], summary: 'Schedule a daily, weekly or monthly export to a directory under the export root',
      querystring: tenantQuery,
      body: Type.Object({
        frequency: Type.String({ enum: [...FREQUENCIES] }), format: Type.String(),
        filters: Type.Optional(Type.Object({}, { additionalProperties: true })),
        directory: Type.String({ minLength: 1, maxLength: 500, description: 'Relative to STELE_EXPORT_DIR_ROOT' }),
        from_start: Type.Optional(Type.Boolean({ description: 'First run exports the whole matching log, not only new events' })),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({}, { additionalProperties: true }), ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    const body = request.body as { frequency: string; format: string; filters?: unknown; directory: string; from_start?: boolean };
    if (!isFrequency(body.frequency)) throw new SteleError('invalid_request', `frequency must be one of ${FREQUENCIES.join(', ')}`, [{ field: 'frequency', message: 'unknown' }]);
    const schedule = await schedules.create(tenantId, {
      frequency: body.frequency, format: formatOf(body.format), filters: filtersFromObject(body.filters), directory: body.directory,
      fromStart: body.from_start ?? false,
    }, requesterOf(request));
    return reply.status(201).send(schedule);
  });

  app.get('/v1/export-schedules', {
    preHandler: guards.authorize('audit:export'),
    schema: { tags: ['export'], summary: 'List export schedules', querystring: tenantQuery, response: errorResponses },
  }, async (request) => ({ schedules: await schedules.list(await tenantOf(request)) }));

  app.get('/v1/export-schedules/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: { tags: ['export'], summary: 'One export schedule and its last run', params: idParams, querystring: tenantQuery, response: errorResponses },
  }, async (request) => schedules.get(await tenantOf(request), (request.params as { id: string }).id));

  app.delete('/v1/export-schedules/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: { tags: ['export'], summary: 'Delete an export schedule (files already written stay)', params: idParams, querystring: tenantQuery, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await schedules.remove(await tenantOf(request), (request.params as { id: string }).id);
    return reply.status(204).send();
  });
};
