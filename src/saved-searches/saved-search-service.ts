// Saved searches per tenant: a name, a search-language query and structured filters, checked when
// saved, so that using one later (`saved_search=ID`) cannot fail on input nobody is there to fix.
// Creating, changing and deleting one is an event in the tenant's log.

import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { changesBetween } from '../audit-trail/changes.js';
import type { Requester } from '../audit-trail/requester.js';
import type { JsonObject } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import { compileFilters } from '../query/event-filters.js';
import { filtersFromObject } from '../query/query-params.js';
import { parseQuery } from '../query/search/index.js';
import type { Store } from '../store/port.js';
import { createSavedSearchRepository, savedSearchLookup, type SavedSearch, type SavedSearchBody } from './saved-search-repository.js';

/** Per tenant: enough for any team, and it bounds the list answer. */
export const MAX_SAVED_SEARCHES = 500;
const MAX_NAME = 200;
const SERVER_FIELDS = new Set(['id', 'created_at', 'updated_at']);

function checkName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.trim().length > MAX_NAME) {
    throw new SteleError('invalid_request', `A saved search needs a name of 1 to ${MAX_NAME} characters.`, [{ field: 'name', message: `required, 1-${MAX_NAME} characters` }]);
  }
  return value.trim();
}

function checkQuery(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new SteleError('invalid_request', 'query must be a string in the search language.', [{ field: 'query', message: 'not a string' }]);
  try {
    parseQuery(value);
  } catch (error) {
    // Keep invalid_query and its position (a column in `query`), and say which field it is.
    if (error instanceof SteleError) throw new SteleError(error.code, error.message, [{ field: 'query', message: error.message }], error.extra);
    throw error;
  }
  return value;
}

const targetOf = (id: string, name: string) => ({ type: 'saved_search', id, name });
const fieldsOf = (search: SavedSearchBody): JsonObject => ({ name: search.name, query: search.query, filters: search.filters as JsonObject });

export function createSavedSearchService(deps: { store: Store; trail: AuditTrail; now?: () => number }) {
  const clock = deps.now ?? Date.now;
  const repository = createSavedSearchRepository(deps.store);

  function checkBody(input: unknown): SavedSearchBody {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new SteleError('invalid_request', 'Send a JSON object {name, query, filters}.');
    }
    const { name, query, filters, ...rest } = input as Record<string, unknown>;
    // The server's own fields are tolerated so that a GET answer can be edited and PUT back.
    const unknown = Object.keys(rest).filter((k) => !SERVER_FIELDS.has(k));
    if (unknown.length > 0) {
      throw new SteleError('invalid_request', `Unknown field ${unknown[0]}; a saved search has name, query and filters.`, unknown.map((field) => ({ field, message: 'unknown field' })));
    }
    const body = { name: checkName(name), query: checkQuery(query), filters: filtersFromObject(filters) };
    // Names each bad filter value (bad ip, unreadable since ...) now, not at every use.
    compileFilters(body.filters, clock());
    return body;
  }

  async function get(tenantId: string, id: string): Promise<SavedSearch> {
    const found = await repository.find(tenantId, id);
    if (!found) throw new SteleError('not_found', `No saved search with id ${id} in this tenant.`);
    return found;
  }

  async function create(tenantId: string, input: unknown, by: Requester): Promise<SavedSearch> {
    const body = checkBody(input);
    if ((await repository.list(tenantId, MAX_SAVED_SEARCHES)).length >= MAX_SAVED_SEARCHES) {
      throw new SteleError('conflict', `A tenant may keep at most ${MAX_SAVED_SEARCHES} saved searches; delete some first.`);
    }
    const at = clock();
    const id = uuidv7(at);
    await repository.insert(tenantId, id, body, new Date(at).toISOString());
    await deps.trail.record(tenantId, { action: 'saved_search.created', ...by, target: targetOf(id, body.name), details: fieldsOf(body) });
    return get(tenantId, id);
  }

  async function replace(tenantId: string, id: string, input: unknown, by: Requester): Promise<SavedSearch> {
    const body = checkBody(input);
    const before = await repository.find(tenantId, id);
    if (!before || !(await repository.replace(tenantId, id, body, new Date(clock()).toISOString()))) {
      throw new SteleError('not_found', `No saved search with id ${id} in this tenant.`);
    }
    await deps.trail.record(tenantId, {
      action: 'saved_search.updated', ...by, target: targetOf(id, body.name),
      details: { changes: changesBetween(fieldsOf(before), fieldsOf(body)) },
    });
    return get(tenantId, id);
  }

  async function remove(tenantId: string, id: string, by: Requester): Promise<void> {
    const before = await repository.find(tenantId, id);
    if (!before || !(await repository.remove(tenantId, id))) throw new SteleError('not_found', `No saved search with id ${id} in this tenant.`);
    await deps.trail.record(tenantId, { action: 'saved_search.deleted', ...by, target: targetOf(id, before.name), details: fieldsOf(before) });
  }

  /** For the event selector: what `saved_search=ID` adds to a request. */
  const findForSelection = savedSearchLookup(repository);

  return {
    create,
    get,
    replace,
    remove,
    list: (tenantId: string) => repository.list(tenantId, MAX_SAVED_SEARCHES),
    findForSelection,
  };
}

export type SavedSearchService = ReturnType<typeof createSavedSearchService>;
