import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Guards } from '../http/guards.js';
import { queryOf, requesterOf } from '../http/request-audit.js';
import { errorResponses, IdParams, StoredEventDoc, TenantQuery, tenantIdParameter } from '../http/schemas.js';
import { SteleError } from '../domain/errors.js';
import type { SortDirection, SortKey } from '../store/port.js';
import { boolean, filtersFromQuery, SELECTION_QUERY, single, type Query } from './query-params.js';
import type { QueryService } from './query-service.js';
import type { EventSelector } from './selection.js';

export interface EventRoutesOptions {
  guards: Guards;
  query: QueryService;
  select: EventSelector;
  /** Every read is recorded as `data.accessed`, collapsed per reader and query. */
  trail: AuditTrail;
  /** The tenant's declared event types and its policy for other actions, listed by /v1/events/filters. */
  describeEventTypes?: (tenantId: string) => Promise<object>;
}

// Re-exported: export and the dashboard read filters from here.
export { filtersFromQuery };

function oneOf<T extends string>(query: Query, name: string, allowed: readonly T[]): T | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new SteleError('invalid_request', `${name} must be one of: ${allowed.join(', ')}`, [{ field: name, message: `unknown value ${value}` }]);
}

function limitOf(query: Query): number | undefined {
  const value = single(query, 'limit');
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value)) throw new SteleError('invalid_request', 'limit must be an integer from 1 to 1000', [{ field: 'limit', message: 'not an integer' }]);
  return Number(value);
}

const listQuerySchema = Type.Object({
  tenant_id: tenantIdParameter,
  ...SELECTION_QUERY,
  sort: Type.Optional(Type.String({ enum: ['occurred_at', 'seq'] })),
  order: Type.Optional(Type.String({ enum: ['desc', 'asc'] })),
  limit: Type.Optional(Type.String({ description: '1..1000, default 100' })),
  page_token: Type.Optional(Type.String()),
  include_total: Type.Optional(Type.String({ enum: ['true', 'false'] })),
}, { additionalProperties: false });

export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, { guards, query, select, trail, describeEventTypes }) => {
  const noValidation = () => () => true;

  app.get('/v1/events', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: {
      tags: ['events'],
      summary: 'List events: filters, search language (q), saved search, sort, cursor pagination',
      querystring: listQuerySchema,
      response: {
        200: Type.Object({ events: Type.Array(StoredEventDoc), next_page_token: Type.Union([Type.String(), Type.Null()]), total: Type.Optional(Type.Integer()) }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const q = request.query as Query;
    const tenantId = await guards.tenantOf(request, single(q, 'tenant_id'));
    const page = await query.listEvents(tenantId, {
      ...(await select.fromQuery(tenantId, q)),
      sort: oneOf<SortKey>(q, 'sort', ['occurred_at', 'seq']),
      order: oneOf<SortDirection>(q, 'order', ['desc', 'asc']),
      limit: limitOf(q),
      pageToken: single(q, 'page_token'),
      includeTotal: boolean(q, 'include_total') ?? false,
    });
    await trail.recordRead(tenantId, requesterOf(request), { view: single(q, 'q') ? 'search' : 'list', query: queryOf(request), rows: page.events.length });
    return page;
  });

  app.get('/v1/events/filters', {
    preHandler: guards.authorize('audit:read'),
    schema: { tags: ['events'], summary: 'Filter fields, operators, sort keys, the values seen, and the search language', querystring: TenantQuery, response: errorResponses },
  }, async (request) => {
    const tenantId = await guards.tenantOf(request, single(request.query as Query, 'tenant_id'));
    const [filters, eventTypes] = await Promise.all([query.describeFilters(tenantId), describeEventTypes?.(tenantId)]);
    const described = { ...filters, ...eventTypes };
    const values = Object.values(described.values).reduce((sum, list) => sum + list.length, 0);
    await trail.recordRead(tenantId, requesterOf(request), { view: 'filters', query: {}, rows: values });
    return described;
  });

  app.get('/v1/events/:id', {
    preHandler: guards.authorize('audit:read'),
    schema: { tags: ['events'], summary: 'One event by id', params: IdParams, querystring: TenantQuery, response: { 200: StoredEventDoc, ...errorResponses } },
  }, async (request) => {
    const tenantId = await guards.tenantOf(request, single(request.query as Query, 'tenant_id'));
    const event = await query.getEvent(tenantId, (request.params as { id: string }).id);
    await trail.recordRead(tenantId, requesterOf(request), { view: 'get', query: {}, rows: 1, target: { type: 'event', id: event.id } });
    return event;
  });
};
