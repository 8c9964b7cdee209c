// Overview: the last 24 hours, 7 days or 30 days at a glance. Activity over time with failures in
// red, the totals and the failed-login rate, the top actors, actions and addresses (each a link to
// the audit log filtered by it), and open alerts and unhealthy streams where the server has them
// (/v1/alerts and /v1/streams; a server without them, or a role that cannot see them, is said so).

import { lazy, Suspense, type ReactNode } from 'react';
import { ErrorMessage, Loading } from '../../components/status';
import { ApiError, api } from '../../lib/api';
import { followLink, navigate, useLocation } from '../../lib/router';
import type { Histogram, TopValues } from '../../lib/types';
import { useAsync } from '../../lib/use-async';

const ActivityChart = lazy(() => import('../../components/activity-chart'));

const WINDOWS = [
  { value: '24h', label: 'Last 24 hours', since: 'now-24h', range: '24h' },
  { value: '7d', label: 'Last 7 days', since: 'now-7d', range: '7d' },
  { value: '30d', label: 'Last 30 days', since: 'now-30d', range: '30d' },
] as const;

/** Logins as the login activity report counts them (src/reports/definitions.ts). */
export const LOGINS = 'category:authentication AND (action:*login* OR action:*Login* OR action:*signin* OR action:*SignIn* OR action:*sign_in*) AND success:*';

const percent = (part: number, whole: number) => (whole === 0 ? '—' : `${((part / whole) * 100).toFixed(1)}%`);
const auditLink = (range: string, extra: Record<string, string>) => `/?${new URLSearchParams({ ...(range !== '7d' && { range }), ...extra })}`;

function TopList({ title, field, range, since }: { title: string; field: 'actor' | 'action' | 'ip'; range: string; since: string }) {
  const top = useAsync<TopValues>(`top ${field} ${since}`, (signal) => api<TopValues>(`/v1/events/top?field=${field}&limit=8&since=${since}`, { signal }));
  return (
    <section className="card" aria-labelledby={`top-${field}`}>
      <h2 id={`top-${field}`}>{title}</h2>
      {top.loading && !top.data && <Loading what={title.toLowerCase()} />}
      {top.error && <ErrorMessage error={top.error} retry={top.reload} />}
      {top.data && top.data.values.length === 0 && <p className="muted">None in this window.</p>}
      {top.data && top.data.values.length > 0 && (
        <table className="top plain">
          <thead><tr><th scope="col">{field === 'ip' ? 'IP address' : field === 'actor' ? 'Actor' : 'Action'}</th><th scope="col" className="n">Events</th><th scope="col" className="n">Failed</th></tr></thead>
          <tbody>
            {top.data.values.map((v) => (
              <tr key={v.value}>
                <td><a href={auditLink(range, { [field === 'action' ? 'action' : field === 'ip' ? 'ip' : 'actor']: v.value })} onClick={followLink} className={field === 'actor' ? '' : 'mono'}>{field === 'actor' && v.email && v.email !== v.value ? `${v.email} (${v.value})` : v.value}</a></td>
                <td className="n">{v.count.toLocaleString('en')}</td>
                <td className={`n${v.failures > 0 ? ' fail-text' : ''}`}>{v.failures.toLocaleString('en')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A slot for another feature's API: hidden reasons are said, not errors. */
function Slot<T>({ title, path, render }: { title: string; path: string; render: (data: T) => ReactNode }) {
  const state = useAsync<T>(`slot ${path}`, (signal) => api<T>(path, { signal }));
  const status = state.error instanceof ApiError ? state.error.status : undefined;
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {state.loading && !state.data && <Loading what={title.toLowerCase()} />}
      {status === 404 && <p className="muted">Not available on this server yet.</p>}
      {status === 403 && <p className="muted">Your role cannot see these.</p>}
      {state.error && status !== 404 && status !== 403 && <ErrorMessage error={state.error} retry={state.reload} />}
      {state.data && render(state.data)}
    </section>
  );
}

interface AlertsAnswer { alerts: { id: string; severity: string; fired_at: string; rule_name: string; group_key: string; search: string }[]; counts: { open: number } }
interface StreamsAnswer { streams: { id: string; name?: string; type?: string; state?: string; last_error?: string | null }[] }

export default function OverviewPage() {
  const { search } = useLocation();
  const chosen = WINDOWS.find((w) => w.value === new URLSearchParams(search).get('window')) ?? WINDOWS[1];
  const histogram = useAsync<Histogram>(`overview ${chosen.since}`, (signal) => api<Histogram>(`/v1/events/histogram?since=${chosen.since}`, { signal }));
  const logins = useAsync<Histogram>(`logins ${chosen.since}`, (signal) => api<Histogram>(`/v1/events/histogram?since=${chosen.since}&interval=7d&q=${encodeURIComponent(LOGINS)}`, { signal }));
  const h = histogram.data;

  return (
    <>
      <h1>Overview</h1>
      <nav className="window-picker" aria-label="Time window">
        {WINDOWS.map((w) => (
          <a key={w.value} href={`/overview?window=${w.value}`} onClick={followLink} aria-current={w === chosen ? 'true' : undefined}>{w.label}</a>
        ))}
      </nav>
      <div className="tiles">
        <div className="tile"><p className="label">Events</p><p className="value">{h ? h.total.toLocaleString('en') : '…'}</p></div>
        <div className={`tile${h && h.failures > 0 ? ' alarm' : ''}`}><p className="label">Failed events</p><p className="value">{h ? `${h.failures.toLocaleString('en')}` : '…'}</p><p className="label">{h ? `${percent(h.failures, h.total)} of all` : ''}</p></div>
        <div className={`tile${logins.data && logins.data.failures > 0 ? ' alarm' : ''}`}>
          <p className="label">Failed-login rate</p>
          <p className="value">{logins.data ? percent(logins.data.failures, logins.data.total) : '…'}</p>
          <p className="label">{logins.data ? `${logins.data.failures.toLocaleString('en')} of ${logins.data.total.toLocaleString('en')} logins` : ''}</p>
        </div>
      </div>
      <section className="activity" aria-label="Activity">
        {histogram.error && <ErrorMessage error={histogram.error} retry={histogram.reload} />}
        {h ? (
          <Suspense fallback={<div className="chart-placeholder" />}>
            <ActivityChart
              histogram={h} label={`Events, ${chosen.label.toLowerCase()}`}
              onSelectRange={(from, to) => navigate(auditLink('custom', { from: new Date(from).toISOString(), to: new Date(to).toISOString() }))}
              onBucket={(start) => navigate(auditLink('custom', { from: new Date(start).toISOString(), to: new Date(start + h.interval_ms).toISOString() }))}
            />
          </Suspense>
        ) : !histogram.error && <div className="chart-placeholder" />}
      </section>
      <div className="columns">
        <TopList title="Top actors" field="actor" range={chosen.range} since={chosen.since} />
        <TopList title="Top actions" field="action" range={chosen.range} since={chosen.since} />
        <TopList title="Top IP addresses" field="ip" range={chosen.range} since={chosen.since} />
      </div>
      <div className="columns">
        <Slot<AlertsAnswer> title="Open alerts" path="/v1/alerts?state=open&limit=5" render={(data) => (
          data.alerts.length === 0 ? <p className="muted">No open alerts.</p> : (
            <ul>
              {data.alerts.map((a) => <li key={a.id}><span className="badge fail">{a.severity}</span> {a.rule_name}{a.group_key ? ` (${a.group_key})` : ''} <span className="muted">{a.fired_at.slice(0, 16).replace('T', ' ')}</span></li>)}
              {data.counts.open > data.alerts.length && <li className="muted">and {data.counts.open - data.alerts.length} more (<a href="/alerts" onClick={followLink}>see alerts</a>)</li>}
            </ul>
          ))}
        />
        <Slot<StreamsAnswer> title="Unhealthy streams" path="/v1/streams" render={(data) => {
          const unhealthy = data.streams.filter((s) => s.state === 'failing' || s.state === 'disabled');
          return unhealthy.length === 0
            ? <p className="muted">{data.streams.length === 0 ? 'No streams.' : `All ${data.streams.length} streams are delivering.`}</p>
            : <ul>{unhealthy.map((s) => <li key={s.id}><span className="badge fail">{s.state}</span> {s.name ?? s.type ?? s.id}{s.last_error ? <span className="muted"> — {s.last_error}</span> : null}</li>)}</ul>;
        }}
        />
      </div>
    </>
  );
}
