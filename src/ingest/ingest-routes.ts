import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Guards } from '../http/guards.js';
import { errorResponse, errorResponses, EventInput, TenantQuery } from '../http/schemas.js';
import type { IngestService } from './ingest-service.js';

export interface IngestRoutesOptions {
  guards: Guards;
  ingest: IngestService;
}

export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, { guards, ingest }) => {
  app.post('/v1/events', {
    // Refused before the body is read while the queue is full, so memory stays flat under load.
    onRequest: async () => ingest.assertAccepting(),
    preHandler: guards.authorize('events:write'),
    // The body is validated by validateEvents, which names every bad event by index and field;
    // the schema is here for the OpenAPI document.
    validatorCompiler: () => () => true,
    schema: {
      operationId: 'sendEvents', tags: ['events'],
      summary: 'Send one event or an array of up to 1,000 (all-or-nothing)',
      description: 'The answer comes after the commit: every event it lists is durably stored, in order. A bad event refuses the whole batch with a 400 naming each bad event (`index`) and field. An event whose `id` was stored before with the same content is not stored again and is answered with its first `seq`; so is one whose stored event was since deleted or purged (its content does not come back).',
      querystring: TenantQuery,
      body: Type.Union([EventInput, Type.Array(EventInput)]),
      response: {
        201: Type.Object({
          events: Type.Array(Type.Object({ id: Type.String(), seq: Type.Integer({ description: 'Its place in the tenant\'s log, from 1, gap-free' }) }), { description: 'In the order sent' }),
        }),
        ...errorResponses,
        409: errorResponse('An event reuses the `id` of a stored event with other content (`idempotency_conflict`, naming its index).'),
        413: errorResponse('The body is larger than STELE_MAX_BODY_BYTES, or the batch holds more events than STELE_MAX_BATCH_SIZE.'),
        503: errorResponse('Nothing was stored; retry after `Retry-After` seconds (the SDK does). `overloaded`: more events are waiting for the database than STELE_INGEST_QUEUE_LIMIT allows (backpressure; this answer may come before the credential is checked). `unavailable`: the database is unreachable or busy.'),
      },
    },
  }, async (request, reply) => {
    const tenantId = await guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);
    const outcomes = await ingest.ingest(tenantId, request.body);
    return reply.status(201).send({ events: outcomes.map(({ id, seq }) => ({ id, seq })) });
  });
};
