// Reports: make one (a type, a period, a format), follow it while it runs, download it or open
// the printable HTML; schedule one to arrive every day, week or month in a directory or by e-mail
// (SFTP destinations are set through the API). The SOC 2 package is a zip an auditor verifies
// offline with `npx stele verify --package`.

import { useEffect, useId, useState, type FormEvent } from 'react';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { useAsync } from '../../lib/use-async';

const TYPES = [
  { value: 'user_access', label: 'User access' },
  { value: 'login_activity', label: 'Login activity' },
  { value: 'permission_changes', label: 'Permission changes' },
  { value: 'data_access', label: 'Data access' },
  { value: 'admin_actions', label: 'Admin actions' },
  { value: 'security_events', label: 'Security events' },
  { value: 'soc2', label: 'SOC 2 package (zip)' },
] as const;
const FORMATS = [{ value: 'pdf', label: 'PDF' }, { value: 'html', label: 'HTML (printable)' }, { value: 'csv', label: 'CSV' }, { value: 'json', label: 'JSON' }] as const;
const PERIODS = [
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'last-month', label: 'Last calendar month' },
  { value: 'custom', label: 'Custom (UTC days)' },
] as const;

interface Report {
  id: string; type: string; format: string; status: 'queued' | 'running' | 'done' | 'failed'; progress: number;
  period: { from: string; to: string }; created_at: string; error: string | null; schedule_id: string | null;
  download_url?: string; filename?: string; bytes?: number; sha256?: string;
}
interface Schedule {
  id: string; type: string; format: string; frequency: string; next_run_at: string; last_run_at: string | null; last_error: string | null;
  directory: string | null; email: { to: string[] } | null; sftp: { host: string; path: string } | null;
}

const typeLabel = (type: string) => TYPES.find((t) => t.value === type)?.label ?? type;
const day = (iso: string) => iso.slice(0, 10);
const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 ** 2).toFixed(1)} MB`);

function periodOf(choice: string, from: string, to: string): { from: string; to: string } {
  const today = new Date();
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  if (choice === '7d') return { from: new Date(midnight - 6 * 86_400_000).toISOString(), to: new Date(midnight + 86_400_000).toISOString() };
  if (choice === '30d') return { from: new Date(midnight - 29 * 86_400_000).toISOString(), to: new Date(midnight + 86_400_000).toISOString() };
  if (choice === 'last-month') return { from: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1)).toISOString(), to: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)).toISOString() };
  // Custom: whole UTC days, the last one included.
  return { from: `${from}T00:00:00.000Z`, to: new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000).toISOString() };
}

function GenerateForm({ onCreated }: { onCreated: () => void }) {
  const id = useId();
  const [type, setType] = useState<string>('login_activity');
  const [format, setFormat] = useState<string>('pdf');
  const [period, setPeriod] = useState<string>('30d');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Error | undefined>();
  const soc2 = type === 'soc2';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      await api('/v1/reports', { method: 'POST', body: { type, format: soc2 ? 'zip' : format, ...periodOf(period, from, to) } });
      onCreated();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Generate a report</h2>
      <div className="row-fields">
        <div className="field">
          <label htmlFor={`${id}-type`}>Report</label>
          <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value)}>{TYPES.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}</select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-period`}>Period</label>
          <select id={`${id}-period`} value={period} onChange={(e) => setPeriod(e.target.value)}>{PERIODS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}</select>
        </div>
        {period === 'custom' && (
          <>
            <div className="field"><label htmlFor={`${id}-from`}>First day (UTC)</label><input id={`${id}-from`} type="date" required value={from} onChange={(e) => setFrom(e.target.value)} /></div>
            <div className="field"><label htmlFor={`${id}-to`}>Last day (UTC)</label><input id={`${id}-to`} type="date" required value={to} onChange={(e) => setTo(e.target.value)} /></div>
          </>
        )}
        <div className="field">
          <label htmlFor={`${id}-format`}>Format</label>
          <select id={`${id}-format`} value={soc2 ? 'zip' : format} disabled={soc2} onChange={(e) => setFormat(e.target.value)}>
            {soc2 ? <option value="zip">Zip</option> : FORMATS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
          </select>
        </div>
      </div>
      {soc2 && <p className="help">The summary (HTML and PDF), a CSV per section, the period's events with their proofs, the signed checkpoint and a signed manifest. Check it offline with <code>npx stele verify --package &lt;file&gt; --public-key stele.pem</code>.</p>}
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Starting…' : 'Generate'}</button>
      {failure && <ErrorMessage error={failure} />}
    </form>
  );
}

function ReportList({ reports }: { reports: Report[] }) {
  if (reports.length === 0) return <Empty>No reports yet. Generate one above, or schedule one below.</Empty>;
  return (
    <div className="table-scroll">
      <table className="plain">
        <caption className="visually-hidden">Reports, newest first</caption>
        <thead><tr><th scope="col">Report</th><th scope="col">Period (UTC)</th><th scope="col">Format</th><th scope="col">Status</th><th scope="col">File</th></tr></thead>
        <tbody>
          {reports.map((r) => (
            <tr key={r.id} data-report-id={r.id}>
              <td>{typeLabel(r.type)}{r.schedule_id && <span className="muted"> (scheduled)</span>}</td>
              <td className="nowrap">{day(r.period.from)} – {day(new Date(Date.parse(r.period.to) - 1).toISOString())}</td>
              <td>{r.format.toUpperCase()}</td>
              <td className="progress-cell">
                {r.status === 'done' && <span className="badge ok">ready</span>}
                {r.status === 'failed' && <span className="badge fail" title={r.error ?? ''}>failed</span>}
                {(r.status === 'queued' || r.status === 'running') && (
                  <><label className="visually-hidden" htmlFor={`p-${r.id}`}>Progress of {typeLabel(r.type)}</label><progress id={`p-${r.id}`} max={100} value={Math.round(r.progress * 100)} /> {r.status}</>
                )}
                {r.status === 'failed' && r.error && <span className="help">{r.error}</span>}
              </td>
              <td>
                {r.status === 'done' && r.download_url && (
                  r.format === 'html'
                    ? <a href={r.download_url} target="_blank" rel="noopener">Open printable HTML</a>
                    : <a href={r.download_url} download={r.filename}>Download {r.filename}{r.bytes !== undefined ? ` (${size(r.bytes)})` : ''}</a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Schedules() {
  const id = useId();
  const list = useAsync<{ schedules: Schedule[] }>('report schedules', (signal) => api('/v1/report-schedules', { signal }));
  const [type, setType] = useState<string>('security_events');
  const [format, setFormat] = useState<string>('pdf');
  const [frequency, setFrequency] = useState<string>('weekly');
  const [kind, setKind] = useState<'directory' | 'email'>('email');
  const [target, setTarget] = useState('');
  const [failure, setFailure] = useState<Error | undefined>();
  const soc2 = type === 'soc2';

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    try {
      const destination = kind === 'email' ? { email: { to: target.split(',').map((t) => t.trim()).filter(Boolean) } } : { directory: target.trim() };
      await api('/v1/report-schedules', { method: 'POST', body: { type, format: soc2 ? 'zip' : format, frequency, destination } });
      setTarget('');
      list.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };
  const remove = async (schedule: Schedule) => {
    setFailure(undefined);
    try {
      await api(`/v1/report-schedules/${encodeURIComponent(schedule.id)}`, { method: 'DELETE' });
      list.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Scheduled reports</h2>
      <p className="help">Made at each UTC boundary (midnight, Monday, the first of the month) for the period that just ended, and sent with its manifest. SFTP destinations: <code>POST /v1/report-schedules</code>.</p>
      {list.loading && !list.data && <Loading what="schedules" />}
      {list.error && <ErrorMessage error={list.error} retry={list.reload} />}
      {list.data && list.data.schedules.length > 0 && (
        <div className="table-scroll">
          <table className="plain">
            <thead><tr><th scope="col">Report</th><th scope="col">Every</th><th scope="col">To</th><th scope="col">Next run</th><th scope="col">Last run</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {list.data.schedules.map((s) => (
                <tr key={s.id}>
                  <td>{typeLabel(s.type)} ({s.format.toUpperCase()})</td>
                  <td>{s.frequency}</td>
                  <td className="mono">{s.email ? s.email.to.join(', ') : s.sftp ? `sftp://${s.sftp.host}${s.sftp.path.startsWith('/') ? '' : '/'}${s.sftp.path}` : s.directory}</td>
                  <td className="nowrap">{s.next_run_at.slice(0, 16).replace('T', ' ')}</td>
                  <td>{s.last_run_at ? s.last_run_at.slice(0, 16).replace('T', ' ') : '—'}{s.last_error && <span className="help field-error">{s.last_error}</span>}</td>
                  <td><button type="button" className="danger" onClick={() => remove(s)} aria-label={`Delete the ${s.frequency} ${typeLabel(s.type)} schedule`}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={create} aria-label="Schedule a report">
        <div className="row-fields">
          <div className="field"><label htmlFor={`${id}-type`}>Report</label><select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value)}>{TYPES.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}</select></div>
          <div className="field"><label htmlFor={`${id}-format`}>Format</label>
            <select id={`${id}-format`} value={soc2 ? 'zip' : format} disabled={soc2} onChange={(e) => setFormat(e.target.value)}>{soc2 ? <option value="zip">Zip</option> : FORMATS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}</select></div>
          <div className="field"><label htmlFor={`${id}-frequency`}>Every</label><select id={`${id}-frequency`} value={frequency} onChange={(e) => setFrequency(e.target.value)}><option value="daily">day</option><option value="weekly">week</option><option value="monthly">month</option></select></div>
          <div className="field"><label htmlFor={`${id}-kind`}>Send to</label><select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as 'directory' | 'email')}><option value="email">E-mail</option><option value="directory">A directory on the server</option></select></div>
          <div className="field">
            <label htmlFor={`${id}-target`}>{kind === 'email' ? 'Recipients (comma-separated)' : 'Directory (in this tenant\'s export area)'}</label>
            <input id={`${id}-target`} required value={target} onChange={(e) => setTarget(e.target.value)} placeholder={kind === 'email' ? 'auditor@example.com' : 'reports/weekly'} autoComplete="off" />
          </div>
        </div>
        <button type="submit" className="primary">Schedule</button>
      </form>
      {failure && <ErrorMessage error={failure} />}
    </section>
  );
}

export default function ReportsPage() {
  const [version, setVersion] = useState(0);
  const reports = useAsync<{ reports: Report[] }>(`reports ${version}`, (signal) => api('/v1/reports', { signal }));
  const running = reports.data?.reports.some((r) => r.status === 'queued' || r.status === 'running') ?? false;
  // Poll while a report is being made.
  useEffect(() => {
    if (!running) return undefined;
    const timer = setTimeout(() => setVersion((v) => v + 1), 1000);
    return () => clearTimeout(timer);
  }, [running, reports.data]);

  return (
    <>
      <h1>Reports</h1>
      <p className="lead">User access, login activity, permission changes, data access, admin actions and security events for a period, computed from the tamper-evident log; and the SOC 2 evidence package.</p>
      <GenerateForm onCreated={() => setVersion((v) => v + 1)} />
      <section aria-labelledby="reports-list">
        <h2 id="reports-list">Your reports</h2>
        {reports.loading && !reports.data && <Loading what="reports" />}
        {reports.error && <ErrorMessage error={reports.error} retry={reports.reload} />}
        {reports.data && <ReportList reports={reports.data.reports} />}
      </section>
      <Schedules />
    </>
  );
}
