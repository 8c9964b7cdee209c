// What an export reads: the filters of GET /v1/events (from a query string or a JSON body), plus
// an optional search-language query, pinned to the log's size when the export starts so that the
// count, the stream and any re-run after a restart all see exactly the same rows.

import { SteleError } from '../domain/errors.js';
import { compileFilters, type EventFilters } from '../query/event-filters.js';
import type { ListEventsRequest } from '../query/query-service.js';
import { and, compare, type Sql } from '../sql/fragments.js';
import { parseTimeExpression } from '../query/time-expression.js';

/**
 * How `q` (the search language, src/query/search/) becomes the `extra`/`extraKey` pair that
 * ListEventsRequest takes; app.ts passes the event selector's compiler.
 */
export type SearchCompiler = (q: string, now: number) => Required<Pick<ListEventsRequest, 'extra' | 'extraKey'>>;

/** A tenant's saved search (`saved_search=ID`) as a condition; app.ts passes the event selector's. */
export type SavedSearchCompiler = (tenantId: string, id: string, now: number) => Promise<Sql>;

export interface ExportSelection {
  filters: EventFilters;
  q?: string;
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
