// GET /v1/events/histogram and GET /v1/events/top: activity over time and the most frequent
// values, for the selection GET /v1/events takes (filters, q, saved_search). Each is a read of
// the log, recorded as `data.accessed` like the list.

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Guards } from '../http/guards.js';
import { queryOf, requesterOf } from '../http/request-audit.js';
import { errorResponses, tenantIdParameter } from '../http/schemas.js';
import { SteleError } from '../domain/errors.js';
import { INTERVAL_NAMES, MAX_BUCKETS, MAX_TOP, TOP_FIELDS, type ActivityService, type TopField } from './activity-service.js';
import { integerOf } from './event-routes.js';
import { SELECTION_QUERY, single, type Query } from './query-params.js';
import type { EventSelector } from './selection.js';

export interface ActivityRoutesOptions {
  guards: Guards;
  activity: ActivityService;
  select: EventSelector;
  trail: AuditTrail;
}

const Bucket = Type.Object({
  start: Type.String({ format: 'date-time', description: 'Start of the bucket (UTC); it lasts interval_ms' }),
  count: Type.Integer(),
  failures: Type.Integer({ description: 'Events with success = false' }),
  by_category: Type.Record(Type.String(), Type.Integer(), { description: 'Count per category (categories with none are left out)' }),
});

const HistogramBody = Type.Object({
  interval: Type.String(), interval_ms: Type.Integer(),
  since: Type.String({ format: 'date-time', description: 'Start of the first bucket' }),
  until: Type.String({ format: 'date-time', description: 'End of the window (exclusive)' }),
  total: Type.Integer({ description: 'Matching events in the window' }),
  failures: Type.Integer(),
  buckets: Type.Array(Bucket),
});

const TopBody = Type.Object({
  field: Type.String(),
  values: Type.Array(Type.Object({
    value: Type.String(), count: Type.Integer(), failures: Type.Integer(),
    email: Type.Optional(Type.String({ description: 'actor: an email of this actor' })),
    type: Type.Optional(Type.String({ description: 'actor or target: its type' })),
    name: Type.Optional(Type.String({ description: 'target: its name' })),
  })),
});

export const activityRoutes: FastifyPluginAsync<ActivityRoutesOptions> = async (app, { guards, activity, select, trail }) => {
  // The selection's parameters are checked by filtersFromQuery and the selector, as on GET /v1/events.
  const noValidation = () => () => true;

  app.get('/v1/events/histogram', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: {
      operationId: 'getEventHistogram',
      tags: ['events'],
      summary: 'Events over time: counts, failures and categories per time bucket',
      description: 'Counts the events GET /v1/events would list (the same filters, q and saved_search), per time bucket, in the database. '
        + `The window is since..until (without since: from the first matching event; without until: now). interval=auto picks the smallest bucket that draws the window in at most 200 bars; an explicit interval may draw up to ${MAX_BUCKETS}. Buckets without events are included with zero counts.`,
      querystring: Type.Object({
        tenant_id: tenantIdParameter,
        ...SELECTION_QUERY,
        interval: Type.Optional(Type.String({ enum: [...INTERVAL_NAMES], description: 'Bucket size; default auto' })),
      }, { additionalProperties: false }),
      response: { 200: HistogramBody, ...errorResponses },
    },
  }, async (request) => {
    const q = request.query as Query;
    const tenantId = await guards.tenantOf(request, single(q, 'tenant_id'));
    const histogram = await activity.histogram(tenantId, await select.fromQuery(tenantId, q), single(q, 'interval'));
    await trail.recordRead(tenantId, requesterOf(request), { view: 'histogram', query: queryOf(request), rows: histogram.total });
    return histogram;
  });

  app.get('/v1/events/top', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: {
      operationId: 'getTopEventValues',
      tags: ['events'],
      summary: 'The most frequent actors, actions, ips, targets or categories',
      description: 'Groups the events GET /v1/events would list (the same filters, q and saved_search) by one field, in the database, '
        + 'and returns the most frequent values with their counts and failures, most frequent first (ties by value). actor is the actor id (its email when it has none), target the target id (its name when it has none); events without the field are left out.',
      querystring: Type.Object({
        tenant_id: tenantIdParameter,
        ...SELECTION_QUERY,
        field: Type.String({ enum: [...TOP_FIELDS], description: 'What to count' }),
        limit: Type.Optional(Type.String({ description: `How many values: 1..${MAX_TOP}, default 10` })),
      }, { additionalProperties: false }),
      response: { 200: TopBody, ...errorResponses },
    },
  }, async (request) => {
    const q = request.query as Query;
    const tenantId = await guards.tenantOf(request, single(q, 'tenant_id'));
    const field = single(q, 'field');
    if (field === undefined || !(TOP_FIELDS as readonly string[]).includes(field)) {
      throw new SteleError('invalid_request', `field must be one of: ${TOP_FIELDS.join(', ')}`, [{ field: 'field', message: field === undefined ? 'required' : `unknown field ${field}` }]);
    }
    const top = await activity.top(tenantId, await select.fromQuery(tenantId, q), field as TopField, integerOf(q, 'limit') ?? 10);
    await trail.recordRead(tenantId, requesterOf(request), { view: 'top', query: queryOf(request), rows: top.values.length });
    return top;
  });
};
