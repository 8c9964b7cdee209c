// Which events a stream sends, as one SQL condition: its filter (categories, actions, a search
// query, a saved search) compiled by the query module, so events are selected by the database in
// seq order and never judged one by one here. A saved search is looked up on every read, so
// editing it changes what the stream sends from then on.

import { SteleError } from '../domain/errors.js';
import { compileFilters } from '../query/event-filters.js';
import { filtersFromObject } from '../query/query-params.js';
import type { EventSelector } from '../query/selection.js';
import { and, compare, type Sql } from '../sql/fragments.js';
import type { StreamFilter } from './stream-repository.js';

const invalid = (field: string, message: string) =>
  new SteleError('invalid_request', `filter.${field} ${message}`, [{ field: `filter.${field}`, message }]);

function names(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 100 || !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 200)) {
    throw invalid(field, 'must be a list of at most 100 non-empty names');
  }
  return value.length > 0 ? (value as string[]) : undefined;
}

/** Reads a request's `filter` (unknown members refused); compiles nothing yet. */
export function readStreamFilter(input: unknown): StreamFilter {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new SteleError('invalid_request', 'filter must be an object', [{ field: 'filter', message: 'not an object' }]);
  const { categories, actions, q, saved_search: saved, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw invalid(unknown, 'is not a stream filter (categories, actions, q, saved_search)');
  const filter: StreamFilter = {};
  const c = names(categories, 'categories');
  const a = names(actions, 'actions');
  if (c) filter.categories = c;
  if (a) filter.actions = a;
  for (const [field, value] of [['q', q], ['saved_search', saved]] as const) {
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' || value.length > 4096) throw invalid(field, 'must be a string of at most 4,096 characters');
    filter[field] = value;
  }
  return filter;
}

export function createStreamSelection(select: EventSelector) {
  /** The condition of a filter; throws invalid_request (bad filter, unknown saved search) naming `filter.<field>`. */
  async function condition(tenantId: string, filter: StreamFilter, now: number): Promise<Sql> {
    const parts: Sql[] = [];
    try {
      parts.push(compileFilters(filtersFromObject({ ...(filter.categories && { category: filter.categories }), ...(filter.actions && { action: filter.actions }) }), now));
    } catch (error) {
      if (error instanceof SteleError) throw new SteleError(error.code, error.message, error.details.map((d) => ({ ...d, field: `filter.${d.field === 'category' ? 'categories' : 'actions'}` })));
      throw error;
    }
    if (filter.q !== undefined) parts.push(select.compileSearch(filter.q, now).extra);
    if (filter.saved_search !== undefined) {
      try {
        parts.push(await select.compileSaved(tenantId, filter.saved_search, now));
      } catch (error) {
        if (error instanceof SteleError && error.code === 'not_found') throw invalid('saved_search', `names no saved search of this tenant (${filter.saved_search})`);
        throw error;
      }
    }
    return and(parts);
  }

  /** The stream's events after `afterSeq` up to and including `throughSeq`. */
  async function between(tenantId: string, filter: StreamFilter, afterSeq: number, throughSeq: number, now: number): Promise<Sql> {
    return and([await condition(tenantId, filter, now), compare('seq', '>', afterSeq), compare('seq', '<=', throughSeq)]);
  }

  return { condition, between };
}

export type StreamSelection = ReturnType<typeof createStreamSelection>;
