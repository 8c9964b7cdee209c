// Reading the query-string parameters that select events (and the same filters given as a JSON
// object, as saved searches store them). Shared by every endpoint that selects events, so a
// filter means the same thing in the list, the export, the feed and a saved search.

import { Type, type TSchema } from '@sinclair/typebox';
import { SteleError } from '../domain/errors.js';
import { FILTER_FIELDS, type EventFilters } from './event-filters.js';

export type Query = Record<string, string | string[] | undefined>;

const MULTI = ['action', 'category', 'actor_id', 'actor_email', 'target_type', 'target_id', 'target_slug'] as const;
// Actions and categories cannot contain commas, so `action=a,b` is a list; other values may.
const COMMA_LISTS = new Set(['action', 'category']);
const FILTER_NAMES = new Set<string>(FILTER_FIELDS.map((f) => f.name));

/**
 * The filters as query-string parameters, for the schemas of every route that reads them with
 * filtersFromQuery: the routes' published parameters, and the only ones they accept.
 */
export const FILTER_QUERY: Record<string, TSchema> = Object.fromEntries(FILTER_FIELDS.map((f) => {
  const one = Type.String({ ...(f.type === 'boolean' && { enum: ['true', 'false'] }) });
  const description = f.multiple ? `${f.description}; repeat${COMMA_LISTS.has(f.name) ? ' or comma-separate' : ''} for several` : f.description;
  return [f.name, Type.Optional(f.multiple ? Type.Union([one, Type.Array(one)], { description }) : Type.String({ ...one, description }))];
}));

/** FILTER_QUERY with `q` and `saved_search`: everything query/selection.ts reads from a query. */
export const SELECTION_QUERY: Record<string, TSchema> = {
  q: Type.Optional(Type.String({ description: 'Search language: actor:alice@example.com AND action:login.* AND time:>now-7d (see GET /v1/events/filters)' })),
  saved_search: Type.Optional(Type.String({ description: 'Id of a saved search, ANDed with q and the filters' })),
  ...FILTER_QUERY,
};

/** A parameter that may appear once; empty counts as absent. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new SteleError('invalid_request', `${name} may be given once`, [{ field: name, message: 'repeated' }]);
  return value === undefined || value === '' ? undefined : value;
}

export function boolean(query: Query, name: string): boolean | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new SteleError('invalid_request', `${name} must be true or false`, [{ field: name, message: 'not a boolean' }]);
}

/** The structured filters of GET /v1/events; other parameters are the route's (url-checks.ts refuses unknown ones). */
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

/**
 * The same filters given as a JSON object (`{"action": ["login.*"], "success": false}`). Unlike a
 * query string, an unknown name here is a mistake, not someone else's parameter, so it is refused.
 * Values are not checked here: compileFilters names each bad one.
 */
export function filtersFromObject(body: unknown, field = 'filters'): EventFilters {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new SteleError('invalid_request', `${field} must be an object`, [{ field, message: 'not an object' }]);
  }
  const query: Query = {};
  for (const [name, value] of Object.entries(body)) {
    if (!FILTER_NAMES.has(name)) {
      throw new SteleError('invalid_request', `Unknown filter ${name}.`, [{ field: `${field}.${name}`, message: `not one of ${[...FILTER_NAMES].join(', ')}` }]);
    }
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string' || typeof v === 'boolean')) {
      throw new SteleError('invalid_request', `Filter ${name} must be a string, a boolean or a list of strings.`, [{ field: `${field}.${name}`, message: 'wrong type' }]);
    }
    const texts = values.map(String);
    query[name] = Array.isArray(value) ? texts : texts[0]!;
  }
  return filtersFromQuery(query);
}
