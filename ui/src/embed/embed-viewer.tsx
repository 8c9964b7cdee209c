// The embeddable viewer: one tenant's events, read-only, authorised by a viewer token whose
// tenant and filters the server enforces. No navigation, no other pages.

import { useId, useMemo, useState, type FormEvent } from 'react';
import { EventTable } from '../components/event-table';
import { Pager } from '../components/pager';
import { Empty, ErrorMessage, Loading } from '../components/status';
import { useEventPages } from '../components/use-event-pages';
import { ApiError } from '../lib/api';
import { RANGES, type Range } from '../pages/audit-log/url-state';

export function EmbedViewer({ token }: { token: string }) {
  const id = useId();
  const [range, setRange] = useState<Range>('7d');
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState({ range: '7d' as Range, q: '' });
  const query = useMemo(() => {
    const params = new URLSearchParams({ since: RANGES.find((r) => r.value === applied.range)?.since || 'now-7d' });
    if (applied.q) params.set('q', applied.q);
    return params.toString();
  }, [applied]);
  const auth = useMemo(() => ({ bearer: token }), [token]);
  const pages = useEventPages(query, auth);
  const queryError = pages.error instanceof ApiError && pages.error.code === 'invalid_query' ? pages.error : undefined;
  const events = queryError ? [] : pages.data?.events ?? [];

  if (!token) return <main className="embed"><ErrorMessage error={new Error('This viewer has no token: the page that embeds it must set one.')} /></main>;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ range, q });
  };

  return (
    <main className="embed" id="main">
      <h1>Audit log</h1>
      <form className="filters compact" role="search" aria-label="Filter events" onSubmit={submit}>
        <div className="field search">
          <label htmlFor={`${id}-q`}>Search</label>
          <input id={`${id}-q`} type="search" value={q} onChange={(e) => setQ(e.target.value)} aria-invalid={queryError ? true : undefined} />
          {queryError && <p className="field-error" role="alert">{queryError.message}</p>}
        </div>
        <div className="field">
          <label htmlFor={`${id}-range`}>Time</label>
          <select id={`${id}-range`} value={range} onChange={(e) => setRange(e.target.value as Range)}>
            {RANGES.filter((r) => r.value !== 'custom').map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
          </select>
        </div>
        <div className="actions"><button type="submit" className="primary">Apply</button></div>
      </form>
      <Pager label="Pages" pageNumber={pages.pageNumber} shown={events.length} hasPrev={pages.hasPrev} hasNext={pages.hasNext} busy={pages.loading} onPrev={pages.prev} onNext={pages.next} />
      {pages.error && !queryError && <ErrorMessage error={pages.error} retry={pages.reload} />}
      {pages.loading && !pages.data && <Loading what="events" />}
      {!pages.loading && !pages.error && events.length === 0 && <Empty>No events in this time window.</Empty>}
      {events.length > 0 && <EventTable events={events} busy={pages.loading} caption="Audit events" />}
    </main>
  );
}
