// What an export reads: the filters of GET /v1/events (from a query string or a JSON body), plus
// an optional search-language query, pinned to the log's size when the export starts so that the
// count, the stream and any re-run after a restart all see exactly the same rows.

import { SteleError } from '../domain/errors.js';
import { compileFilters, FILTER_FIELDS, type EventFilters } from '../query/event-filters.js';
import { filtersFromQuery } from '../query/event-routes.js';
import type { ListEventsRequest } from '../query/query-service.js';
import { and, compare, type Sql } from '../query/sql.js';
import { parseTimeExpression } from '../query/time-expression.js';

/**
 * The seam for `q` (the search language, built in src/query/search/ by another engineer): turns
 * a query into the `extra`/`extraKey` pair ListEventsRequest already takes. Until it is wired in
 * app.ts, a request with `q` is refused rather than silently exporting everything.
 */
export type SearchCompiler = (q: string, now: number) => Required<Pick<ListEventsRequest, 'extra' | 'extraKey'>>;

export interface ExportSelection {
  filters: EventFilters;
  q?: string;
}

const FILTER_NAMES = new Set<string>(FILTER_FIELDS.map((f) => f.name));

/** Filters given as a JSON object (bulk jobs, evidence, schedules), checked like the query string. */
export function filtersFromBody(body: unknown, field = 'filters'): EventFilters {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new SteleError('invalid_request', `${field} must be an object`, [{ field, message: 'not an object' }]);
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!FILTER_NAMES.has(name)) {
      throw new SteleError('invalid_request', `Unknown filter ${name}.`, [{ field: `${field}.${name}`, message: `not one of ${[...FILTER_NAMES].join(', ')}` }]);
    }
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string' || typeof v === 'boolean')) {
      throw new SteleError('invalid_request', `Filter ${name} must be a string, a boolean or a list of strings.`, [{ field: `${field}.${name}`, message: 'wrong type' }]);
    }
    const texts = values.map(String);
    query[name] = Array.isArray(value) ? texts : texts[0]!;
  }
  return filtersFromQuery(query);
}

/**
 * Replaces relative times (now-7d) with absolute ones, so a job queued now and run after a
 * restart tomorrow exports the same window. Invalid values are left for compileFilters to name.
 */
export function pinTimes(filters: EventFilters, now: number): EventFilters {
  const pinned = { ...filters };
  for (const name of ['since', 'until'] as const) {
    const value = filters[name];
    const ms = value === undefined ? undefined : parseTimeExpression(value, now);
    if (ms !== undefined) pinned[name] = new Date(ms).toISOString();
  }
  return pinned;
}

/** The SQL condition for a selection up to and including `maxSeq`; throws invalid_request for bad filters or an unsupported q. */
export function selectionWhere(selection: ExportSelection, now: number, maxSeq: number, search?: SearchCompiler): Sql {
  const parts = [compileFilters(selection.filters, now), compare('seq', '<=', maxSeq)];
  if (selection.q !== undefined && selection.q !== '') {
    if (!search) {
      throw new SteleError('invalid_request', 'The q search parameter is not available for exports yet; use the structured filters.', [{ field: 'q', message: 'not supported yet' }]);
    }
    parts.push(search(selection.q, now).extra);
  }
  return and(parts);
}
