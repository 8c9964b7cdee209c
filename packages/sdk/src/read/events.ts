// Reading the log: GET /v1/events page by page as an async iterator, one event by id, and the
// seq-ordered feed for continuous consumption (long-polling GET /v1/events/feed: the consumer keeps
// the last seq it has, and nothing is skipped or repeated).

import type { StoredEvent } from '@stele/integrity';
import { backoffDelay, retryAfterMs, type BackoffPolicy } from '../http/backoff.js';
import { SteleApiError, SteleUnreachableError, type Query, type Transport } from '../http/transport.js';

/** The filters of GET /v1/events (see /v1/events/filters); `q` is the search language. */
export interface EventFilters {
  action?: string | string[];
  category?: string | string[];
  actor_id?: string | string[];
  actor_email?: string | string[];
  target_type?: string | string[];
  target_id?: string | string[];
  target_slug?: string | string[];
  success?: boolean;
  /** An address or a CIDR block. */
  ip?: string;
  /** occurred_at >= an RFC 3339 time or a relative one such as now-7d. */
  since?: string;
  until?: string;
  /** Search language, e.g. `actor:alice@example.com AND action:login.*`. */
  q?: string;
  /** Id of a saved search, ANDed with the rest. */
  saved_search?: string;
  /** The instance admin token reads a tenant by naming it. */
  tenant_id?: string;
}

export interface ListOptions extends EventFilters {
  sort?: 'occurred_at' | 'seq';
  order?: 'desc' | 'asc';
  /** Events per page, 1..1000 (default 100). */
  limit?: number;
  signal?: AbortSignal;
}

export interface EventPage {
  events: StoredEvent[];
  next_page_token: string | null;
}

/** Events one at a time, fetched a page at a time; `.pages()` gives the pages themselves. */
export interface EventList extends AsyncIterable<StoredEvent> {
  pages(): AsyncIterable<EventPage>;
}

export interface FeedOptions extends EventFilters {
  /** Start after this seq (default 0: from the first event). */
  afterSeq?: number;
  /** Events per request, 1..1000 (default 100). */
  limit?: number;
  /** How long each request waits for new events, in seconds (default 20). */
  waitSeconds?: number;
  /** Ends the feed. */
  signal?: AbortSignal;
  /** How long to wait after a failed request (the feed retries until aborted). */
  backoff?: BackoffPolicy;
  /** Told of each failed request before the retry. */
  onError?: (error: Error) => void;
}

function filterQuery({ signal: _signal, ...rest }: EventFilters & { signal?: AbortSignal }): Query {
  const query: Query = {};
  for (const [name, value] of Object.entries(rest)) if (value !== undefined) query[name] = value as Query[string];
  return query;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) return reject(signal.reason);
  const timer = setTimeout(() => {
    signal?.removeEventListener('abort', onAbort);
    resolve();
  }, ms);
  const onAbort = () => {
    clearTimeout(timer);
    reject(signal!.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
});

export function createEventReader(transport: Transport) {
  function list(options: ListOptions = {}): EventList {
    const { sort, order, limit, signal, ...filters } = options;
    async function* pages(): AsyncGenerator<EventPage> {
      let token: string | null = null;
      do {
        const page: EventPage = await transport.json<EventPage>('GET', '/v1/events', {
          query: { ...filterQuery(filters), sort, order, limit, page_token: token },
          ...(signal && { signal }),
        });
        yield page;
        token = page.next_page_token;
      } while (token !== null);
    }
    return {
      pages,
      async *[Symbol.asyncIterator]() {
        for await (const page of pages()) yield* page.events;
      },
    };
  }

  /**
   * Every event after `afterSeq`, in seq order, as it is written; ends only when `signal` aborts
   * (or the loop breaks). A failed request is retried with backoff; store the last seq you
   * processed and start from it next time.
   */
  async function* feed(options: FeedOptions = {}): AsyncGenerator<StoredEvent> {
    const { afterSeq = 0, limit, waitSeconds = 20, signal, backoff, onError, ...filters } = options;
    let after = afterSeq;
    let failures = 0;
    while (!signal?.aborted) {
      let page: { events: StoredEvent[]; next_after_seq: number };
      try {
        page = await transport.json('GET', '/v1/events/feed', {
          query: { ...filterQuery(filters), after_seq: after, limit, wait: waitSeconds },
          ...(signal && { signal }),
        });
        failures = 0;
      } catch (error) {
        if (signal?.aborted) return;
        const retryable = error instanceof SteleUnreachableError || (error instanceof SteleApiError && (error.status >= 500 || error.status === 429 || error.status === 408));
        if (!retryable) throw error;
        onError?.(error as Error);
        const retryAfter = error instanceof SteleApiError ? retryAfterMs(error.retryAfter) : undefined;
        try {
          await sleep(backoffDelay(++failures, backoff, retryAfter), signal);
        } catch {
          return;
        }
        continue;
      }
      for (const event of page.events) {
        yield event;
        after = event.seq;
      }
      after = Math.max(after, page.next_after_seq);
    }
  }

  return {
    list,
    /** One event by id (404 as SteleApiError when there is none). */
    get: (id: string, options: { tenant_id?: string; signal?: AbortSignal } = {}) =>
      transport.json<StoredEvent>('GET', `/v1/events/${encodeURIComponent(id)}`, { query: { tenant_id: options.tenant_id }, ...(options.signal && { signal: options.signal }) }),
    feed,
  };
}

export type EventReader = ReturnType<typeof createEventReader>;
