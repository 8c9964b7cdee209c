// Audit log: "who did what, and when?" The view (filters, time window, page) lives in the URL.
// Above the table, activity over the window (a lazy uPlot chart: drag to narrow the window, click
// a bar to zoom to it) and the number of matching events; the chosen filters stay in sight as
// chips; any actor, action, target or ip in a row filters by it. Pages are offset pages of 100, up
// to 10,000 events deep (narrow the window to go further back).

import { lazy, Suspense, useMemo } from 'react';
import { EventTable, type RowFilter } from '../../components/event-table';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { ApiError, api } from '../../lib/api';
import { followLink, navigate, useLocation } from '../../lib/router';
import type { EventPage, FilterValues, Histogram } from '../../lib/types';
import { useAsync } from '../../lib/use-async';
import { useSession } from '../../components/session';
import { ExportMenu } from './export-menu';
import { FilterBar } from './filter-bar';
import { FilterChips } from './filter-chips';
import { SaveSearch } from './save-search';
import { apiParams, MAX_OFFSET, onPage, PAGE_SIZE, readView, writeView, type AuditView } from './url-state';

const ActivityChart = lazy(() => import('../../components/activity-chart'));

function OffsetPager({ label, page, total, busy, onPage: go }: { label: string; page: number; total: number | undefined; busy: boolean; onPage: (page: number) => void }) {
  const reachable = total === undefined ? page : Math.max(1, Math.ceil(Math.min(total, MAX_OFFSET + PAGE_SIZE) / PAGE_SIZE));
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={() => go(page - 1)} disabled={page <= 1 || busy}>← Prev</button>
      <span className="pager-status" aria-live="polite">Page {page}{total !== undefined ? ` of ${reachable.toLocaleString('en')}` : ''}</span>
      <button type="button" onClick={() => go(page + 1)} disabled={busy || total === undefined || page >= reachable}>Next →</button>
    </nav>
  );
}

export default function AuditLogPage() {
  const session = useSession();
  const { path, search } = useLocation();
  const view = useMemo(() => readView(search), [search]);
  const params = useMemo(() => apiParams(view), [view]);
  const query = params.toString();
  const show = (next: AuditView) => navigate(`${path}${writeView(next)}`);

  const listUrl = `/v1/events?${query}${query ? '&' : ''}limit=${PAGE_SIZE}&offset=${(view.page - 1) * PAGE_SIZE}`;
  const pages = useAsync<EventPage>(listUrl, (signal) => api<EventPage>(listUrl, { signal }));
  // The chart and the pickers wait for the first page: on a large SQLite log they are the slower
  // queries, and one synchronous connection would otherwise serve them first.
  const firstPageDone = pages.data !== undefined || pages.error !== undefined;
  const histogram = useAsync<Histogram>(`histogram ${query}`, (signal) => api<Histogram>(`/v1/events/histogram?${query}`, { signal }), firstPageDone);
  const filters = useAsync<FilterValues>('filters', (signal) => api<FilterValues>('/v1/events/filters', { signal }), firstPageDone);
  const queryError = pages.error instanceof ApiError && pages.error.code === 'invalid_query' ? pages.error : undefined;
  const events = queryError ? [] : pages.data?.events ?? [];
  const total = queryError ? undefined : pages.data?.total;

  const filterBy = (field: RowFilter, value: string) => {
    if (field === 'action') show({ ...view, actions: [value], page: 1 });
    else if (field === 'actor') show({ ...view, actor: value, page: 1 });
    else if (field === 'target') show({ ...view, target: value, page: 1 });
    else show({ ...view, ip: value, page: 1 });
  };
  const narrow = (fromMs: number, toMs: number) => show({ ...view, range: 'custom', from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), page: 1 });
  const goTo = (page: number) => show(onPage(view, page));

  return (
    <>
      <h1>Audit log</h1>
      <FilterBar
        view={view}
        actions={filters.data?.values.actions ?? []}
        categories={filters.data?.values.categories ?? []}
        targetTypes={filters.data?.values.target_types ?? []}
        queryError={queryError && { message: queryError.message, position: queryError.position }}
        onApply={show}
        onReset={() => navigate(path)}
      />
      <FilterChips view={view} onChange={show} />
      <section className="activity" aria-label="Activity">
        <p className="total" aria-live="polite">
          {total === undefined ? '\u00a0' : <><strong>{total.toLocaleString('en')}</strong> matching event{total === 1 ? '' : 's'}{histogram.data ? <>, <span className="fail-text">{histogram.data.failures.toLocaleString('en')} failed</span></> : null}</>}
        </p>
        {histogram.error && !queryError && <ErrorMessage error={histogram.error} retry={histogram.reload} />}
        {histogram.data && (
          <Suspense fallback={<div className="chart-placeholder" />}>
            <ActivityChart
              histogram={histogram.data} label="Activity of the matching events" onSelectRange={narrow}
              onBucket={(start) => narrow(start, start + histogram.data!.interval_ms)}
            />
          </Suspense>
        )}
        {!histogram.data && !histogram.error && <div className="chart-placeholder" />}
      </section>
      <div className="toolbar">
        <OffsetPager label="Pages (top)" page={view.page} total={total} busy={pages.loading} onPage={goTo} />
        <div className="toolbar-actions">
          <SaveSearch view={view} />
          {session.scopes.includes('alerts:manage') && view.q && <a href={`/alerts?${new URLSearchParams({ q: view.q }).toString()}`} onClick={followLink}>Alert on this search</a>}
          {/* Exports need audit:export, which a viewer does not have. */}
          {session.scopes.includes('audit:export') && <ExportMenu params={params} maxRows={session.export_max_rows} />}
        </div>
      </div>
      {pages.error && !queryError && <ErrorMessage error={pages.error} retry={pages.reload} />}
      {pages.loading && !pages.data && <Loading what="events" />}
      {!pages.loading && !pages.error && events.length === 0 && (
        <Empty>No events match these filters. Widen the time window or remove some filters.</Empty>
      )}
      {events.length > 0 && <EventTable events={events} busy={pages.loading} caption={`Audit events, page ${view.page}`} onFilter={filterBy} />}
      {events.length > 0 && (
        <OffsetPager label="Pages (bottom)" page={view.page} total={total} busy={pages.loading} onPage={goTo} />
      )}
      {total !== undefined && total > MAX_OFFSET + PAGE_SIZE && view.page * PAGE_SIZE > MAX_OFFSET && (
        <p className="help">Pages reach the newest {MAX_OFFSET.toLocaleString('en')} events; drag across the chart or choose a shorter window to see older ones.</p>
      )}
    </>
  );
}
