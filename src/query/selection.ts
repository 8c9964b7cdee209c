// Which events a request selects: the structured filters, the search language (`q`) and a saved
// search (`saved_search=ID`), all ANDed. Every endpoint that selects events (list, export, feed,
// streams, alerts ...) should go through here, so that they agree on what a request means.

import { SteleError } from '../domain/errors.js';
import { compileFilters, type EventFilters } from './event-filters.js';
import type { SqlDialect } from '../sql/dialect.js';
import { filtersFromQuery, single, type Query } from './query-params.js';
import { compileQuery, parseQuery } from './search/index.js';
import { and, type Sql } from '../sql/fragments.js';

export interface EventSelection {
  /** The request's own structured filters. */
  filters: EventFilters;
  /** `q` and the saved search, compiled; absent when the request has neither. */
  extra?: Sql;
  /** What `extra` was compiled from, for binding page tokens (ListEventsRequest.extraKey). */
  extraKey?: string;
}

/** What a saved search contributes to a selection. */
export interface SavedSelection {
  query: string;
  filters: EventFilters;
}

/** Looks up a tenant's saved search; undefined for an unknown id or another tenant's. */
export type FindSavedSearch = (tenantId: string, id: string) => Promise<SavedSelection | undefined>;

export interface EventSelectorDeps {
  dialect: SqlDialect;
  now?: () => number;
  /** Without it, `saved_search` is refused rather than ignored. */
  findSavedSearch?: FindSavedSearch;
}

export function createEventSelector(deps: EventSelectorDeps) {
  const clock = deps.now ?? Date.now;

  /**
   * Compiles one search-language query. Throws invalid_query (400) with `position`.
   * Has the shape of export's SearchCompiler, so it can be passed there as is.
   */
  function compileSearch(q: string, now: number = clock()): { extra: Sql; extraKey: string } {
    return { extra: compileQuery(parseQuery(q), { dialect: deps.dialect, now }), extraKey: JSON.stringify({ q }) };
  }

  async function savedCondition(tenantId: string, id: string, now: number): Promise<{ sql: Sql; saved: SavedSelection }> {
    const saved = deps.findSavedSearch ? await deps.findSavedSearch(tenantId, id) : undefined;
    if (!saved) throw new SteleError('not_found', `No saved search with id ${id} in this tenant.`, [{ field: 'saved_search', message: 'unknown id' }]);
    try {
      return { sql: and([compileFilters(saved.filters, now), compileQuery(parseQuery(saved.query), { dialect: deps.dialect, now })]), saved };
    } catch (error) {
      // Saved searches are checked when saved; this only happens if the language changed since.
      if (error instanceof SteleError) {
        throw new SteleError(error.code, `Saved search ${id} no longer compiles: ${error.message}`, error.details, { ...error.extra, saved_search: id });
      }
      throw error;
    }
  }

  /**
   * The selection of a query string: filters, `q` and `saved_search`. A saved search's filters are
   * ANDed as a condition rather than merged into the request's, so neither can widen the other
   * (a viewer token's pinned filters stay in force).
   */
  async function fromQuery(tenantId: string, query: Query, now: number = clock()): Promise<EventSelection> {
    const filters = filtersFromQuery(query);
    const q = single(query, 'q');
    const savedId = single(query, 'saved_search');
    const parts: Sql[] = [];
    const key: Record<string, unknown> = {};
    if (savedId !== undefined) {
      const { sql, saved } = await savedCondition(tenantId, savedId, now);
      parts.push(sql);
      // The saved search's content, not just its id: editing it invalidates old page tokens.
      key.saved = [savedId, saved.query, saved.filters];
    }
    if (q !== undefined) {
      parts.push(compileSearch(q, now).extra);
      key.q = q;
    }
    if (parts.length === 0) return { filters };
    return { filters, extra: and(parts), extraKey: JSON.stringify(key) };
  }

  /** A saved search alone, as a condition; has the shape of export's SavedSearchCompiler. */
  async function compileSaved(tenantId: string, id: string, now: number = clock()): Promise<Sql> {
    return (await savedCondition(tenantId, id, now)).sql;
  }

  return { fromQuery, compileSearch, compileSaved };
}

export type EventSelector = ReturnType<typeof createEventSelector>;
