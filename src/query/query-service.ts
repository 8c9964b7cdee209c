// Reading the log: one page of events under filters, in a stable keyset order, with an opaque
// token for the next page and an optional total.

import type { StoredEvent } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import type { SortDirection, SortKey, Store } from '../store/port.js';
import { compileFilters, FILTER_FIELDS, type EventFilters } from './event-filters.js';
import { decodePageToken, encodePageToken, fingerprint } from './page-token.js';
import { describeLanguage } from './search/index.js';
import { and, sql, type Sql } from '../sql/fragments.js';

export interface ListEventsRequest {
  filters: EventFilters;
  /** Extra conditions from the search language (`q`) or a saved search, already compiled. */
  extra?: Sql;
  /** What `extra` was compiled from, so page tokens bind to it. */
  extraKey?: string;
  sort?: SortKey;
  order?: SortDirection;
  limit?: number;
  pageToken?: string;
  /** Rows to skip (offset paging, up to MAX_OFFSET); not with pageToken. */
  offset?: number;
  includeTotal?: boolean;
}

export interface EventPage {
  events: StoredEvent[];
  next_page_token: string | null;
  total?: number;
  /** Offset paging: where this page starts. */
  offset?: number;
}

export const MAX_PAGE_SIZE = 10_000;
/** How deep offset paging reaches (seed 000's offset/limit/total); page tokens go on from any page. */
export const MAX_OFFSET = 10_000;
export const DEFAULT_PAGE_SIZE = 100;
export const SORT_KEYS: readonly SortKey[] = ['occurred_at', 'seq'];
/** The values offered in filter pickers come from this many latest events, so the answer stays fast at any log size. */
export const VALUES_WINDOW = 50_000;

function afterPosition(key: SortKey, direction: SortDirection, occurredAt: number, seq: number): Sql {
  const op = direction === 'desc' ? '<' : '>';
  return key === 'seq' ? sql(`seq ${op} ?`, [seq]) : sql(`(occurred_at, seq) ${op} (?, ?)`, [occurredAt, seq]);
}

export function createQueryService(deps: { store: Store; now?: () => number }) {
  const now = deps.now ?? Date.now;

  async function listEvents(tenantId: string, request: ListEventsRequest): Promise<EventPage> {
    const key = request.sort ?? 'occurred_at';
    const direction = request.order ?? 'desc';
    const limit = request.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new SteleError('invalid_request', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, [{ field: 'limit', message: 'out of range' }]);
    }
    const offset = request.offset;
    if (offset !== undefined) {
      if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) {
        throw new SteleError('invalid_request', `offset must be an integer from 0 to ${MAX_OFFSET}; page further with next_page_token`, [{ field: 'offset', message: 'out of range' }]);
      }
      if (request.pageToken) throw new SteleError('invalid_request', 'Give offset or page_token, not both.', [{ field: 'offset', message: 'not with page_token' }]);
    }
    const filterKey = fingerprint([request.filters, request.extraKey ?? null, key, direction]);
    const base = and([compileFilters(request.filters, now()), ...(request.extra ? [request.extra] : [])]);
    let where = base;
    // A read replica serves the page when it holds the log at least to the page token's position.
    let atLeastSeq = 0;
    if (request.pageToken) {
      const position = decodePageToken(request.pageToken);
      atLeastSeq = position.seq;
      if (position.filters !== filterKey || position.key !== key || position.direction !== direction) {
        throw new SteleError('invalid_page_token', 'page_token belongs to a different query; send the same filters, sort and order, or start without it.');
      }
      where = and([base, afterPosition(key, direction, position.occurredAt, position.seq)]);
    }
    const rows = await deps.store.findEvents(tenantId, { where, order: { key, direction }, limit: limit + 1, ...(offset ? { offset } : {}), replica: { atLeastSeq } });
    const events = rows.slice(0, limit);
    const last = events[events.length - 1];
    const page: EventPage = {
      events,
      next_page_token: rows.length > limit && last
        ? encodePageToken({ key, direction, occurredAt: Date.parse(last.occurred_at), seq: last.seq, filters: filterKey })
        : null,
    };
    // Offset paging is read with its total (a page number means little without the number of pages).
    if (request.includeTotal || offset !== undefined) page.total = await deps.store.countEvents(tenantId, base);
    if (offset !== undefined) page.offset = offset;
    return page;
  }

  async function getEvent(tenantId: string, id: string): Promise<StoredEvent> {
    const event = await deps.store.getEvent(tenantId, id);
    if (!event) throw new SteleError('not_found', `No event with id ${id} in this tenant.`);
    return event;
  }

  async function describeFilters(tenantId: string) {
    const [actions, actors, categories, targetTypes] = await Promise.all([
      deps.store.distinctValues(tenantId, 'action', 200, VALUES_WINDOW),
      deps.store.distinctValues(tenantId, 'actor_id', 200, VALUES_WINDOW),
      deps.store.distinctValues(tenantId, 'category', 50, VALUES_WINDOW),
      deps.store.distinctValues(tenantId, 'target_type', 100, VALUES_WINDOW),
    ]);
    return {
      fields: FILTER_FIELDS,
      sort_keys: SORT_KEYS,
      orders: ['desc', 'asc'],
      limit: { default: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE },
      offset: { max: MAX_OFFSET },
      values: { actions, actor_ids: actors, categories, target_types: targetTypes },
      values_from_latest_events: VALUES_WINDOW,
      // The `q` language: its fields, their types and operators, so a UI can offer completions.
      language: describeLanguage(),
    };
  }

  return { listEvents, getEvent, describeFilters };
}

export type QueryService = ReturnType<typeof createQueryService>;
