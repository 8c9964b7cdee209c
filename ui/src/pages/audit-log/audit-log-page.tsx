// Audit log: "who did what, and when?" Filters in the URL, 100 events a page, cursor paging.

import { useMemo } from 'react';
import { EventTable } from '../../components/event-table';
import { Pager } from '../../components/pager';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useEventPages } from '../../components/use-event-pages';
import { ApiError, api } from '../../lib/api';
import { navigate, useLocation } from '../../lib/router';
import type { FilterValues } from '../../lib/types';
import { useAsync } from '../../lib/use-async';
import { useSession } from '../../components/session';
import { ExportMenu } from './export-menu';
import { FilterBar } from './filter-bar';
import { SaveSearch } from './save-search';
import { apiParams, readView, writeView } from './url-state';

export default function AuditLogPage() {
  const session = useSession();
  const { path, search } = useLocation();
  const view = useMemo(() => readView(search), [search]);
  const params = useMemo(() => apiParams(view), [view]);
  const pages = useEventPages(params.toString());
  // The event-type picker waits for the first page: on a large log the distinct-values query is
  // slower than the page itself, and one synchronous SQLite connection would serve it first.
  const firstPageDone = pages.data !== undefined || pages.error !== undefined;
  const filters = useAsync<FilterValues>('filters', (signal) => api<FilterValues>('/v1/events/filters', { signal }), firstPageDone);
  const queryError = pages.error instanceof ApiError && pages.error.code === 'invalid_query' ? pages.error : undefined;
  const events = queryError ? [] : pages.data?.events ?? [];

  return (
    <>
      <h1>Audit log</h1>
      <FilterBar
        view={view}
        actions={filters.data?.values.actions ?? []}
        queryError={queryError && { message: queryError.message, position: queryError.position }}
        onApply={(next) => navigate(`${path}${writeView(next)}`)}
        onReset={() => navigate(path)}
      />
      <div className="toolbar">
        <Pager label="Pages (top)" pageNumber={pages.pageNumber} shown={events.length} hasPrev={pages.hasPrev} hasNext={pages.hasNext} busy={pages.loading} onPrev={pages.prev} onNext={pages.next} />
        <div className="toolbar-actions">
          <SaveSearch view={view} />
          {/* Exports need audit:export, which a viewer does not have. */}
          {session.scopes.includes('audit:export') && <ExportMenu params={params} maxRows={session.export_max_rows} />}
        </div>
      </div>
      {pages.error && !queryError && <ErrorMessage error={pages.error} retry={pages.reload} />}
      {pages.loading && !pages.data && <Loading what="events" />}
      {!pages.loading && !pages.error && events.length === 0 && (
        <Empty>No events match these filters. Widen the time window or clear some filters.</Empty>
      )}
      {events.length > 0 && <EventTable events={events} busy={pages.loading} caption={`Audit events, page ${pages.pageNumber}`} />}
      {events.length > 0 && (
        <Pager label="Pages (bottom)" pageNumber={pages.pageNumber} shown={events.length} hasPrev={pages.hasPrev} hasNext={pages.hasNext} busy={pages.loading} onPrev={pages.prev} onNext={pages.next} />
      )}
    </>
  );
}
