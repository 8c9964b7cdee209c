// Export for the current filters. On opening, the menu counts the matching events: up to the
// server's cap it offers plain links (GET, so the browser downloads the file with the session
// cookie and nothing is buffered in the page); over it, where a direct download would be refused
// (422 too_many_rows), it offers a bulk export job instead (a lazy chunk: few views need it).

import { lazy, Suspense, useRef, useState, type KeyboardEvent } from 'react';
import { ErrorMessage, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { useAsync } from '../../lib/use-async';

const BulkExport = lazy(() => import('./bulk-export'));

export const FORMATS = [
  { value: 'csv', label: 'CSV' },
  { value: 'ndjson', label: 'NDJSON' },
  { value: 'cef', label: 'CEF' },
  { value: 'leef', label: 'LEEF' },
  { value: 'ocsf', label: 'OCSF' },
] as const;

/** The server's default, for a server too old to say its own. */
const DEFAULT_MAX_ROWS = 100_000;

export interface ExportMenuProps {
  /** Parameters of GET /v1/events for the view (filters and q). */
  params: URLSearchParams;
  maxRows: number | undefined;
}

export function ExportMenu({ params, maxRows = DEFAULT_MAX_ROWS }: ExportMenuProps) {
  const [open, setOpen] = useState(false);
  const details = useRef<HTMLDetailsElement>(null);
  const query = params.toString();
  // Counted only once the menu is open: on a large log a count is not free.
  const count = useAsync<number>(`count ${query}`, async (signal) => {
    const counted = new URLSearchParams(params);
    counted.set('include_total', 'true');
    counted.set('limit', '1');
    return (await api<{ total?: number }>(`/v1/events?${counted}`, { signal })).total ?? 0;
  }, open);
  const hrefOf = (format: string) => {
    const exported = new URLSearchParams(params);
    exported.set('format', format);
    return `/v1/events/export?${exported}`;
  };
  const close = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !details.current?.open) return;
    details.current.open = false;
    details.current.querySelector('summary')?.focus();
  };
  const total = count.data;

  return (
    <details className="export-menu" ref={details} onToggle={(e) => setOpen(e.currentTarget.open)} onKeyDown={close}>
      <summary>Export</summary>
      <div className="menu-panel">
        {count.loading && total === undefined && <Loading what="the number of matching events" />}
        {count.error && <ErrorMessage error={count.error} retry={count.reload} />}
        {total !== undefined && total <= maxRows && (
          <>
            <p className="menu-note" aria-live="polite">{total.toLocaleString('en')} matching event{total === 1 ? '' : 's'}. Download as:</p>
            <ul aria-label="Export formats">
              {FORMATS.map((f) => (
                <li key={f.value}><a href={hrefOf(f.value)} download>{f.label}</a></li>
              ))}
            </ul>
            <p className="help">Everything that matches the filters, not only this page.</p>
          </>
        )}
        {total !== undefined && total > maxRows && (
          <>
            <p className="menu-note" aria-live="polite">
              {total.toLocaleString('en')} events match, more than the {maxRows.toLocaleString('en')} a direct download may hold.
              A bulk export writes the file in the background and gives you a download link.
            </p>
            <Suspense fallback={<Loading what="bulk export" />}>
              <BulkExport key={query} params={params} />
            </Suspense>
          </>
        )}
      </div>
    </details>
  );
}
