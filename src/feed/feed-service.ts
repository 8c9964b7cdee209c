// The continuous feed for SIEM pulls: events with seq > after_seq in seq order. Seqs are
// assigned under the tenant's head lock and committed with the head, so once the head says size
// H every event up to H is visible: reading "seq > N and seq <= H" never skips one that commits
// later, and a client that keeps next_after_seq never sees an event twice. No clocks involved.

import type { StoredEvent } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import { compileFilters, type EventFilters } from '../query/event-filters.js';
import { and, compare, type Sql } from '../sql/fragments.js';
import type { Store } from '../store/port.js';
import type { CommitNotifier } from './commit-notifier.js';

export const FEED_MAX_LIMIT = 1000;
export const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_WAIT_SECONDS = 60;

export interface FeedRequest {
  afterSeq: number;
  limit?: number;
  /** Long-poll up to this many seconds for the first matching event. */
  waitSeconds?: number;
  filters?: EventFilters;
  /** `q` and `saved_search`, compiled by query/selection.ts; ANDed with the filters. */
  extra?: Sql;
  /** The client went away: stop waiting. */
  signal?: AbortSignal;
}

export interface FeedPage {
  events: StoredEvent[];
  /** Pass this as after_seq next time. Past filtered-out events too, so they are not scanned again. */
  next_after_seq: number;
}

export interface FeedDeps {
  store: Store;
  commits: CommitNotifier;
  now?: () => number;
  /** How often a waiting reader re-checks the store, for writes by other processes. */
  recheckMs?: number;
}

export function createFeedService(deps: FeedDeps) {
  const now = deps.now ?? Date.now;
  const recheckMs = deps.recheckMs ?? 1000;

  async function readOnce(tenantId: string, afterSeq: number, limit: number, filters: EventFilters, extra?: Sql): Promise<FeedPage> {
    const size = (await deps.store.getHead(tenantId)).size;
    if (size <= afterSeq) return { events: [], next_after_seq: afterSeq };
    const where = and([compileFilters(filters, now()), ...(extra ? [extra] : []), compare('seq', '>', afterSeq), compare('seq', '<=', size)]);
    // A read replica serves the page only once it holds the log through the head read here, so a
    // short page still means everything up to it was seen.
    const events = await deps.store.findEvents(tenantId, { where, order: { key: 'seq', direction: 'asc' }, limit, replica: { atLeastSeq: size } });
    // A full page may stop short of the head; a short one has seen everything up to it.
    const next = events.length === limit ? events[events.length - 1]!.seq : size;
    return { events, next_after_seq: next };
  }

  async function read(tenantId: string, request: FeedRequest): Promise<FeedPage> {
    const limit = request.limit ?? FEED_DEFAULT_LIMIT;
    const wait = request.waitSeconds ?? 0;
    if (!Number.isSafeInteger(request.afterSeq) || request.afterSeq < 0) {
      throw new SteleError('invalid_request', 'after_seq must be an integer >= 0', [{ field: 'after_seq', message: 'invalid' }]);
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > FEED_MAX_LIMIT) {
      throw new SteleError('invalid_request', `limit must be an integer from 1 to ${FEED_MAX_LIMIT}`, [{ field: 'limit', message: 'out of range' }]);
    }
    if (!Number.isFinite(wait) || wait < 0 || wait > FEED_MAX_WAIT_SECONDS) {
      throw new SteleError('invalid_request', `wait must be from 0 to ${FEED_MAX_WAIT_SECONDS} seconds`, [{ field: 'wait', message: 'out of range' }]);
    }
    const filters = request.filters ?? {};
    const deadline = Date.now() + wait * 1000;
    let page = await readOnce(tenantId, request.afterSeq, limit, filters, request.extra);
    while (page.events.length === 0 && !request.signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await deps.commits.wait(tenantId, Math.min(left, recheckMs), request.signal);
      page = await readOnce(tenantId, page.next_after_seq, limit, filters, request.extra);
    }
    return page;
  }

  return { read };
}

export type FeedService = ReturnType<typeof createFeedService>;
