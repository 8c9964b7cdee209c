// Saved searches as feature records (store.records), one per id within a tenant. The store keys
// records by tenant, so another tenant's id is simply not found.

import type { EventFilters } from '../query/event-filters.js';
import type { FindSavedSearch } from '../query/selection.js';
import type { StoredRecord, Store } from '../store/port.js';

/** What a client sends and gets back, minus the server's fields. */
export interface SavedSearchBody {
  name: string;
  query: string;
  filters: EventFilters;
}

export interface SavedSearch extends SavedSearchBody {
  id: string;
  created_at: string;
  updated_at: string;
}

const KIND = 'saved_search';
const keyOf = (tenantId: string, id: string) => ({ kind: KIND, tenantId, id });

const view = (record: StoredRecord<SavedSearchBody>): SavedSearch => ({
  id: record.id,
  name: record.body.name,
  query: record.body.query,
  filters: record.body.filters,
  created_at: record.created_at,
  updated_at: record.updated_at,
});

export function createSavedSearchRepository(store: Store) {
  return {
    /** Returns false when the id is taken. */
    insert: (tenantId: string, id: string, body: SavedSearchBody, now: string): Promise<boolean> =>
      store.insertRecord(keyOf(tenantId, id), body, now),
    /** Returns false when there is no such saved search. */
    replace: (tenantId: string, id: string, body: SavedSearchBody, now: string): Promise<boolean> =>
      store.updateRecord(keyOf(tenantId, id), body, now),
    async find(tenantId: string, id: string): Promise<SavedSearch | undefined> {
      const record = await store.getRecord<SavedSearchBody>(keyOf(tenantId, id));
      return record && view(record);
    },
    /** Oldest first. */
    async list(tenantId: string, limit: number): Promise<SavedSearch[]> {
      return (await store.listRecords<SavedSearchBody>(KIND, tenantId, limit)).map(view);
    },
    remove: (tenantId: string, id: string): Promise<boolean> => store.deleteRecord(keyOf(tenantId, id)),
  };
}

export type SavedSearchRepository = ReturnType<typeof createSavedSearchRepository>;

/** For the event selector: what `saved_search=ID` adds to a request. */
export function savedSearchLookup(repository: SavedSearchRepository): FindSavedSearch {
  return async (tenantId, id) => {
    const found = await repository.find(tenantId, id);
    return found && { query: found.query, filters: found.filters };
  };
}
