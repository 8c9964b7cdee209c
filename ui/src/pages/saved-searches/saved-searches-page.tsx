// The tenant's saved searches: open one (a link to the audit log with its search and filters in
// the URL, so it also opens in a new tab or can be shared) or delete it. They are saved from the
// audit log page ("Save search").

import { useState } from 'react';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { followLink } from '../../lib/router';
import { utcMinutes } from '../../lib/time';
import type { SavedSearch } from '../../lib/types';
import { useAsync } from '../../lib/use-async';
import { RANGES, viewFromSaved, writeView, type AuditView } from '../audit-log/url-state';

const BASE = '/v1/saved-searches';

/** "Event types: a, b · Actor: x · Failure · Last 7 days" */
function describe(view: AuditView): string {
  const parts: string[] = [];
  if (view.actions.length > 0) parts.push(`Event types: ${view.actions.join(', ')}`);
  if (view.actor) parts.push(`Actor: ${view.actor}`);
  if (view.target) parts.push(`Target: ${view.target}`);
  if (view.success) parts.push(view.success === 'true' ? 'Success' : 'Failure');
  if (view.range !== 'custom') parts.push(RANGES.find((r) => r.value === view.range)!.label);
  else if (!view.from && !view.to) parts.push('All time');
  else parts.push(`${view.from ? utcMinutes(view.from) : 'the start'} to ${view.to ? utcMinutes(view.to) : 'now'} UTC`);
  return parts.join(' · ');
}

export default function SavedSearchesPage() {
  const list = useAsync<{ saved_searches: SavedSearch[] }>(BASE, (signal) => api(BASE, { signal }));
  const [failure, setFailure] = useState<Error | undefined>();
  const [removed, setRemoved] = useState<string | undefined>();

  const remove = async (saved: SavedSearch) => {
    if (!window.confirm(`Delete the saved search "${saved.name}"?`)) return;
    setFailure(undefined);
    try {
      await api(`${BASE}/${encodeURIComponent(saved.id)}`, { method: 'DELETE' });
      setRemoved(saved.name);
      list.reload();
      // The row and its button are gone: put focus somewhere sensible rather than on <body>.
      document.getElementById('main')?.focus();
    } catch (error) {
      setFailure(error as Error);
    }
  };

  const searches = list.data?.saved_searches;
  return (
    <>
      <h1>Saved searches</h1>
      <p className="lead">Searches of this tenant's audit log saved with “Save search” on the <a href="/" onClick={followLink}>audit log</a>. Open one to see its events now.</p>
      <div role="status">{removed && <p className="muted">Deleted “{removed}”.</p>}</div>
      {failure && <ErrorMessage error={failure} />}
      {list.loading && !list.data && <Loading what="saved searches" />}
      {list.error && <ErrorMessage error={list.error} retry={list.reload} />}
      {searches && searches.length === 0 && (
        <Empty>No saved searches yet. On the audit log, set a search or filters and choose “Save search”.</Empty>
      )}
      {searches && searches.length > 0 && (
        <div className="table-scroll">
          <table className="plain saved">
            <caption className="visually-hidden">Saved searches of this tenant</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Search and filters</th><th scope="col">Saved (UTC)</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {searches.map((saved) => {
                const { view, unsupported } = viewFromSaved(saved.query, saved.filters);
                return (
                  <tr key={saved.id}>
                    <td><a href={`/${writeView(view)}`} onClick={followLink} aria-label={`Open saved search ${saved.name}`}>{saved.name}</a></td>
                    <td>
                      {saved.query && <code className="query">{saved.query}</code>}
                      <span className="muted">{describe(view)}</span>
                      {unsupported.length > 0 && (
                        <span className="help">Set through the API with {unsupported.join(', ')}, which the audit log page has no control for: it opens without {unsupported.length === 1 ? 'it' : 'them'}. Use saved_search={saved.id} with the API.</span>
                      )}
                    </td>
                    <td className="nowrap">{utcMinutes(saved.updated_at)}</td>
                    <td><button type="button" className="danger" onClick={() => remove(saved)} aria-label={`Delete saved search ${saved.name}`}>Delete</button></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
