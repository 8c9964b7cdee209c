import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Guards } from '../http/guards.js';
import { errorResponses, EventInput, TenantQuery } from '../http/schemas.js';
import type { IngestService } from './ingest-service.js';

export interface IngestRoutesOptions {
  guards: Guards;
  ingest: IngestService;
}

export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, { guards, ingest }) => {
  app.post('/v1/events', {
    preHandler: guards.authorize('events:write'),
    // The body is validated by validateEvents, which names every bad event by index and field;
    // the schema is here for the OpenAPI document.
    validatorCompiler: () => () => true,
    schema: {
      tags: ['events'],
      summary: 'Send one event or an array of up to 1,000 (all-or-nothing)',
      querystring: TenantQuery,
      body: Type.Union([EventInput, Type.Array(EventInput)]),
      response: {
        201: Type.Object({ events: Type.Array(Type.Object({ id: Type.String(), seq: Type.Integer() })) }),
        ...errorResponses,
        409: { $ref: 'ErrorBody#' },
        413: { $ref: 'ErrorBody#' },
      },
    },
  }, async (request, reply) => {
    const tenantId = await guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);
    const outcomes = await ingest.ingest(tenantId, request.body);
    return reply.status(201).send({ events: outcomes.map(({ id, seq }) => ({ id, seq })) });
  });
};
