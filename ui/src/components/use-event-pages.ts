// Cursor paging over GET /v1/events: a stack of the page tokens that led to the current page, so
// Prev goes back exactly and Next follows the server's opaque cursor. A new query starts over.

import { useState } from 'react';
import { api, type ApiAuth } from '../lib/api';
import type { EventPage } from '../lib/types';
import { useAsync } from '../lib/use-async';

export const PAGE_SIZE = 100;

export function useEventPages(query: string, auth?: ApiAuth) {
  // tokens[i] is the page_token of page i + 1; the first page has none.
  // Keyed by the query, so a new query starts on page 1 in the same render (no stale token).
  const [stack, setStack] = useState<{ query: string; tokens: string[] }>({ query, tokens: [] });
  const tokens = stack.query === query ? stack.tokens : [];
  const setTokens = (update: (tokens: string[]) => string[]) => setStack({ query, tokens: update(tokens) });
  const current = tokens[tokens.length - 1];
  const params = new URLSearchParams(query);
  params.set('limit', String(PAGE_SIZE));
  if (current) params.set('page_token', current);
  const url = `/v1/events?${params}`;
  const state = useAsync<EventPage>(url, (signal) => api<EventPage>(url, { signal, auth }));
  const nextToken = state.loading ? null : state.data?.next_page_token ?? null;
  return {
    ...state,
    pageNumber: tokens.length + 1,
    hasPrev: tokens.length > 0,
    hasNext: nextToken !== null,
    next: () => { if (nextToken) setTokens((t) => [...t, nextToken]); },
    prev: () => setTokens((t) => t.slice(0, -1)),
  };
}
