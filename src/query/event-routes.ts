import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Guards } from '../http/guards.js';
import { queryOf, requesterOf } from '../http/request-audit.js';
import { errorResponses, idParams, StoredEventDoc, TenantQuery, tenantIdParameter } from '../http/schemas.js';
import { SteleError } from '../domain/errors.js';
import type { SortDirection, SortKey } from '../store/port.js';
import type { StoredEvent } from '../domain/event.js';
import { boolean, filtersFromQuery, SELECTION_QUERY, single, type Query } from './query-params.js';
import { MAX_OFFSET, MAX_PAGE_SIZE, type QueryService } from './query-service.js';
import type { EventSelector } from './selection.js';

export interface EventRoutesOptions {
  guards: Guards;
  query: QueryService;
  select: EventSelector;
  /** Every read is recorded as `data.accessed`, collapsed per reader and query. */
  trail: AuditTrail;
  /** The tenant's declared event types and its policy for other actions, listed by /v1/events/filters. */
  describeEventTypes?: (tenantId: string) => Promise<object>;
  /** Tombstones with when, by whom and why their content went (src/retention/); other events as they are. */
  describeTombstones?: (tenantId: string, events: StoredEvent[]) => Promise<StoredEvent[]>;
}

// Re-exported: export and the dashboard read filters from here.
export { filtersFromQuery };

function oneOf<T extends string>(query: Query, name: string, allowed: readonly T[]): T | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new SteleError('invalid_request', `${name} must be one of: ${allowed.join(', ')}`, [{ field: name, message: `unknown value ${value}` }]);
}

/** A whole number parameter (range checks are the service's, which names the bounds). */
export function integerOf(query: Query, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new SteleError('invalid_request', `${name} must be a whole number`, [{ field: name, message: 'not an integer' }]);
  return Number(value);
}

const listQuerySchema = Type.Object({
  tenant_id: tenantIdParameter,
  ...SELECTION_QUERY,
  sort: Type.Optional(Type.String({ enum: ['occurred_at', 'seq'], description: 'Sort key (default occurred_at)' })),
  order: Type.Optional(Type.String({ enum: ['desc', 'asc'], description: 'Sort direction (default desc, newest first)' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: `Events per page: 1..${MAX_PAGE_SIZE}, default 100` })),
  page_token: Type.Optional(Type.String({ description: 'next_page_token of the previous page; only valid with the same filters, sort and order' })),
  offset: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: `Skip this many events (0..${MAX_OFFSET}); the answer then has total and offset. Not with page_token; next_page_token goes on from any page` })),
  include_total: Type.Optional(Type.String({ enum: ['true', 'false'], description: 'Also count every matching event (slower on large logs)' })),
}, { additionalProperties: false });

const EventFiltersView = Type.Object({
  fields: Type.Array(Type.Object({
    name: Type.String(), type: Type.String(), multiple: Type.Boolean(), description: Type.String(),
  }, { additionalProperties: true }), { description: 'The filter parameters of GET /v1/events' }),
  sort_keys: Type.Array(Type.String()),
  orders: Type.Array(Type.String()),
  limit: Type.Object({ default: Type.Integer(), max: Type.Integer() }),
  offset: Type.Object({ max: Type.Integer({ description: 'How deep `offset` paging reaches; next_page_token goes on from any page' }) }),
  values: Type.Object({
    actions: Type.Array(Type.String()), actor_ids: Type.Array(Type.String()), categories: Type.Array(Type.String()), target_types: Type.Array(Type.String()),
  }, { description: 'Distinct values among the latest events' }),
  values_from_latest_events: Type.Integer({ description: 'How many of the latest events `values` is drawn from' }),
  language: Type.Object({}, { additionalProperties: true, description: 'The search language of `q`: its fields, their types and operators' }),
  unknown_actions: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('reject')], { description: 'Whether the tenant accepts actions it did not declare (/v1/event-type-policy)' })),
  event_types: Type.Optional(Type.Array(Type.Object({
    action: Type.String(), version: Type.Integer(), category: Type.String(), description: Type.Optional(Type.String()),
  }), { description: 'The event types the tenant declared (/v1/event-types)' })),
});

export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, { guards, query, select, trail, describeEventTypes, describeTombstones }) => {
  const noValidation = () => () => true;

  app.get('/v1/events', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: {
      operationId: 'listEvents', tags: ['events'],
      summary: 'List events: filters, search language (q), saved search, sort, cursor pagination',
      description: 'Filters, `q` and `saved_search` are ANDed. A purged, deleted or erased event appears as a tombstone (`forgotten`, `deleted_at`, `deleted_by`, `reason`; no content). A page holds up to `limit` events; `next_page_token` fetches the next one and is null on the last. A viewer token reads here only, its filters pinned. Each read is recorded as `data.accessed` (repeats collapse).',
      querystring: listQuerySchema,
      response: {
        200: Type.Object({
          events: Type.Array(StoredEventDoc),
          next_page_token: Type.Union([Type.String(), Type.Null()], { description: 'Null on the last page' }),
          total: Type.Optional(Type.Integer({ description: 'With include_total=true or offset: every matching event' })),
          offset: Type.Optional(Type.Integer({ description: 'With offset: the events skipped' })),
        }),
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
      limit: integerOf(q, 'limit'),
      pageToken: single(q, 'page_token'),
      offset: integerOf(q, 'offset'),
      includeTotal: boolean(q, 'include_total') ?? false,
    });
    await trail.recordRead(tenantId, requesterOf(request), { view: single(q, 'q') ? 'search' : 'list', query: queryOf(request), rows: page.events.length });
    return describeTombstones ? { ...page, events: await describeTombstones(tenantId, page.events) } : page;
  });

  app.get('/v1/events/filters', {
    preHandler: guards.authorize('audit:read'),
    schema: {
      operationId: 'describeEventFilters', tags: ['events'], summary: 'Filter fields, operators, sort keys, the values seen, and the search language',
      description: 'What a client needs to build a filter bar or complete a search: the filter parameters, the sort keys, the distinct actions, actors, categories and target types of the latest events, and the fields and operators of the `q` language.',
      querystring: TenantQuery,
      response: { 200: EventFiltersView, ...errorResponses },
    },
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
    schema: {
      operationId: 'getEvent', tags: ['events'], summary: 'One event by id',
      description: 'The event as stored, with the fields the server added. A deleted, purged or erased event answers as a tombstone: its id, seq, times and hashes, `forgotten` (kind and the seq of the record that explains it), `deleted_at`, `deleted_by` and `reason`. Recorded as `data.accessed`.',
      params: idParams('The event\'s id: the client id it was sent with, or the one the server gave it'), querystring: TenantQuery,
      response: { 200: StoredEventDoc, ...errorResponses },
    },
  }, async (request) => {
    const tenantId = await guards.tenantOf(request, single(request.query as Query, 'tenant_id'));
    const event = await query.getEvent(tenantId, (request.params as { id: string }).id);
    await trail.recordRead(tenantId, requesterOf(request), { view: 'get', query: {}, rows: 1, target: { type: 'event', id: event.id } });
    return describeTombstones ? (await describeTombstones(tenantId, [event]))[0] : event;
  });
};
