import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Guards } from '../api/authorization.js';
import { errorResponses, StoredEventDoc } from '../api/schemas.js';
import { SteleError } from '../domain/errors.js';
import type { SortDirection, SortKey } from '../store/port.js';
import type { EventFilters } from './event-filters.js';
import type { QueryService } from './query-service.js';

export interface EventRoutesOptions {
  guards: Guards;
  query: QueryService;
}

type Query = Record<string, string | string[] | undefined>;

const MULTI = ['action', 'category', 'actor_id', 'actor_email', 'target_type', 'target_id', 'target_slug'] as const;
// Actions and categories cannot contain commas, so `action=a,b` is a list; other values may.
const COMMA_LISTS = new Set(['action', 'category']);

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new SteleError('invalid_request', `${name} may be given once`, [{ field: name, message: 'repeated' }]);
  return value === undefined || value === '' ? undefined : value;
}

function boolean(query: Query, name: string): boolean | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new SteleError('invalid_request', `${name} must be true or false`, [{ field: name, message: 'not a boolean' }]);
}

export function filtersFromQuery(query: Query): EventFilters {
  const filters: EventFilters = {};
  for (const name of MULTI) {
    const raw = query[name];
    if (raw === undefined) continue;
    const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => (COMMA_LISTS.has(name) ? v.split(',') : [v])).filter((v) => v !== '');
    if (values.length > 0) filters[name] = values;
  }
  const success = boolean(query, 'success');
  if (success !== undefined) filters.success = success;
  for (const name of ['ip', 'since', 'until'] as const) {
    const value = single(query, name);
    if (value !== undefined) filters[name] = value;
  }
  return filters;
}

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
  tenant_id: Type.Optional(Type.String({ description: 'Admin token only' })),
  action: Type.Optional(Type.String({ description: 'Exact action or prefix (login.*); repeat or comma-separate for several' })),
  category: Type.Optional(Type.String()),
  actor_id: Type.Optional(Type.String()),
  actor_email: Type.Optional(Type.String()),
  target_type: Type.Optional(Type.String()),
  target_id: Type.Optional(Type.String()),
  target_slug: Type.Optional(Type.String()),
  success: Type.Optional(Type.String({ enum: ['true', 'false'] })),
  ip: Type.Optional(Type.String({ description: 'Address or CIDR block' })),
  since: Type.Optional(Type.String({ description: 'ISO time or now-7d' })),
  until: Type.Optional(Type.String({ description: 'ISO time or now-1h' })),
  sort: Type.Optional(Type.String({ enum: ['occurred_at', 'seq'] })),
  order: Type.Optional(Type.String({ enum: ['desc', 'asc'] })),
  limit: Type.Optional(Type.String({ description: '1..1000, default 100' })),
  page_token: Type.Optional(Type.String()),
  include_total: Type.Optional(Type.String({ enum: ['true', 'false'] })),
}, { additionalProperties: true });

export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, { guards, query }) => {
  const noValidation = () => () => true;

  app.get('/v1/events', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: {
      tags: ['events'],
      summary: 'List events: filters, sort, cursor pagination',
      querystring: listQuerySchema,
      response: {
        200: Type.Object({ events: Type.Array(StoredEventDoc), next_page_token: Type.Union([Type.String(), Type.Null()]), total: Type.Optional(Type.Integer()) }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const q = request.query as Query;
    const tenantId = await guards.tenantOf(request, single(q, 'tenant_id'));
    return query.listEvents(tenantId, {
      filters: filtersFromQuery(q),
      sort: oneOf<SortKey>(q, 'sort', ['occurred_at', 'seq']),
      order: oneOf<SortDirection>(q, 'order', ['desc', 'asc']),
      limit: limitOf(q),
      pageToken: single(q, 'page_token'),
      includeTotal: boolean(q, 'include_total') ?? false,
    });
  });

  app.get('/v1/events/filters', {
    preHandler: guards.authorize('audit:read'),
    schema: { tags: ['events'], summary: 'Filter fields, operators, sort keys and the values seen', response: errorResponses },
  }, async (request) => {
    const tenantId = await guards.tenantOf(request, single(request.query as Query, 'tenant_id'));
    return query.describeFilters(tenantId);
  });

  app.get('/v1/events/:id', {
    preHandler: guards.authorize('audit:read'),
    schema: { tags: ['events'], summary: 'One event by id', params: Type.Object({ id: Type.String() }), response: { 200: StoredEventDoc, ...errorResponses } },
  }, async (request) => {
    const tenantId = await guards.tenantOf(request, single(request.query as Query, 'tenant_id'));
    return query.getEvent(tenantId, (request.params as { id: string }).id);
  });
};
