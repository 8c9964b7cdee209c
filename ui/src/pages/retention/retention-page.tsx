// Settings → Retention: how long the tenant's events are kept (90 days, 1 year, 2 years, a custom
// number of days, or forever), the legal hold that stops every purge, deletion and erasure, when
// the next purge runs and what the last one did, and the paths redacted at ingest (with the HMAC
// of a known value, to search for it).

import { useEffect, useId, useState, type FormEvent } from 'react';
import { ErrorMessage, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { utcSeconds } from '../../lib/time';
import { useAsync } from '../../lib/use-async';

interface PurgeRun {
  started_at: string;
  finished_at: string;
  dry_run: boolean;
  cutoff: string | null;
  days: number | null;
  purged: number;
  bytes_freed: number;
  records: number;
  seq_ranges: [number, number][];
  skipped?: string;
}

interface Retention {
  days: number | null;
  default_days: number | null;
  source: 'tenant' | 'default';
  legal_hold: boolean;
  reason: string | null;
  updated_at: string | null;
  next_purge_at: string | null;
  last_purge: PurgeRun | null;
}

const CHOICES = [
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: '730', label: '2 years' },
  { value: 'custom', label: 'Custom' },
  { value: 'forever', label: 'Forever' },
];

const choiceOf = (days: number | null): string => (days === null ? 'forever' : CHOICES.some((c) => c.value === String(days)) ? String(days) : 'custom');
const windowText = (days: number | null): string => (days === null ? 'forever' : CHOICES.find((c) => c.value === String(days))?.label ?? `${days} days`);

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const SKIPPED: Record<string, string> = { forever: 'nothing: events are kept forever', legal_hold: 'nothing: the log is under legal hold', stopped: 'stopped before the end' };

export default function RetentionPage() {
  const state = useAsync<Retention>('/v1/retention', (signal) => api<Retention>('/v1/retention', { signal }));
  return (
    <>
      <p className="breadcrumb muted">Settings</p>
      <h1>Retention</h1>
      <p className="lead">How long this log keeps events. Older events lose their content to the purge job; their hashes stay, so the log still verifies, and each purge is itself an event.</p>
      {state.loading && !state.data && <Loading what="retention" />}
      {state.error && <ErrorMessage error={state.error} retry={state.reload} />}
      {state.data && (
        <>
          <WindowCard retention={state.data} changed={state.reload} />
          <HoldCard retention={state.data} changed={state.reload} />
          <PurgeCard retention={state.data} changed={state.reload} />
        </>
      )}
      <RedactionCard />
    </>
  );
}

function WindowCard({ retention, changed }: { retention: Retention; changed: () => void }) {
  const id = useId();
  const [choice, setChoice] = useState(choiceOf(retention.days));
  const [custom, setCustom] = useState(retention.days === null ? '' : String(retention.days));
  const [failure, setFailure] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => setChoice(choiceOf(retention.days)), [retention.days]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setSaved(false);
    const days = choice === 'forever' ? null : choice === 'custom' ? Number(custom) : Number(choice);
    try {
      await api('/v1/retention', { method: 'PUT', body: { days } });
      setSaved(true);
      changed();
    } catch (error) {
      setFailure(error as Error);
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Retention window</h2>
      <p>Events are kept <strong>{windowText(retention.days)}</strong>{retention.source === 'default' ? ' (the instance default)' : ''}.</p>
      <div className="row-fields">
        <div className="field">
          <label htmlFor={`${id}-window`}>Keep events for</label>
          <select id={`${id}-window`} value={choice} onChange={(e) => setChoice(e.target.value)}>
            {CHOICES.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
          </select>
        </div>
        {choice === 'custom' && (
          <div className="field">
            <label htmlFor={`${id}-days`}>Days</label>
            <input id={`${id}-days`} type="number" min={1} max={36500} required value={custom} onChange={(e) => setCustom(e.target.value)} />
          </div>
        )}
      </div>
      {failure && <ErrorMessage error={failure} />}
      {saved && <p role="status">Saved.</p>}
      <button type="submit" className="primary">Save window</button>
    </form>
  );
}

function HoldCard({ retention, changed }: { retention: Retention; changed: () => void }) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<Error | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    try {
      await api('/v1/retention', { method: 'PUT', body: { legal_hold: !retention.legal_hold, reason } });
      setReason('');
      changed();
    } catch (error) {
      setFailure(error as Error);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Legal hold</h2>
      {retention.legal_hold
        ? <p><span className="badge fail">on hold</span> Nothing is purged, deleted or erased until the hold is lifted. Reason: {retention.reason}</p>
        : <p><span className="badge muted-badge">no hold</span> Purges, deletions and erasures run as configured.</p>}
      <div className="field">
        <label htmlFor={`${id}-reason`}>Reason</label>
        <input id={`${id}-reason`} required maxLength={1000} placeholder={retention.legal_hold ? 'Case closed' : 'Litigation hold, case 2026-114'} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      {failure && <ErrorMessage error={failure} />}
      <button type="submit" className={retention.legal_hold ? '' : 'primary'}>{retention.legal_hold ? 'Lift legal hold' : 'Set legal hold'}</button>
    </form>
  );
}

function PurgeCard({ retention, changed }: { retention: Retention; changed: () => void }) {
  const id = useId();
  const [expired, setExpired] = useState<number | undefined>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Error | undefined>();
  const last = retention.last_purge;
  const run = async (dryRun: boolean) => {
    setFailure(undefined);
    setBusy(true);
    try {
      const result = await api<PurgeRun>('/v1/retention/purges', { method: 'POST', body: { dry_run: dryRun } });
      setExpired(dryRun ? result.purged : undefined);
      if (!dryRun) changed();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Purges</h2>
      <dl className="figures">
        <div><dt>Next purge</dt><dd>{retention.next_purge_at ? `${utcSeconds(retention.next_purge_at)} UTC` : 'off (STELE_RETENTION_PURGE_INTERVAL_SECONDS=0)'}</dd></div>
        <div><dt>Last purge</dt><dd>{last ? `${utcSeconds(last.finished_at)} UTC` : 'none yet'}</dd></div>
        {last && <div><dt>Events purged</dt><dd>{last.skipped ? SKIPPED[last.skipped] ?? last.skipped : last.purged.toLocaleString('en')}</dd></div>}
        {last && !last.skipped && <div><dt>Space freed</dt><dd>{bytes(last.bytes_freed)}</dd></div>}
        {last?.cutoff && !last.skipped && <div><dt>Cut-off</dt><dd>{utcSeconds(last.cutoff)} UTC</dd></div>}
        {last && last.seq_ranges.length > 0 && <div><dt>Seqs</dt><dd className="mono">{last.seq_ranges.slice(0, 5).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ')}{last.seq_ranges.length > 5 ? ', …' : ''}</dd></div>}
      </dl>
      {expired !== undefined && <p role="status">{expired.toLocaleString('en')} event{expired === 1 ? '' : 's'} older than the window.</p>}
      {failure && <ErrorMessage error={failure} />}
      <div className="toolbar-actions">
        <button type="button" disabled={busy} onClick={() => void run(true)}>Count expired events</button>
        <button type="button" disabled={busy || retention.legal_hold || retention.days === null} onClick={() => void run(false)}>Purge now</button>
      </div>
    </section>
  );
}

function RedactionCard() {
  const id = useId();
  const state = useAsync<{ paths: string[]; updated_at: string | null }>('/v1/redaction', (signal) => api('/v1/redaction', { signal }));
  const [paths, setPaths] = useState('');
  const [value, setValue] = useState('');
  const [hash, setHash] = useState<string | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => setPaths((state.data?.paths ?? []).join('\n')), [state.data]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setSaved(false);
    try {
      await api('/v1/redaction', { method: 'PUT', body: { paths: paths.split('\n').map((p) => p.trim()).filter(Boolean) } });
      setSaved(true);
      state.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };
  const compute = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    try {
      setHash((await api<{ hash: string }>('/v1/hash', { method: 'POST', body: { value } })).hash);
    } catch (error) {
      setFailure(error as Error);
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Redacted paths</h2>
      <p>Values at these paths are stored as <code>hmac-sha256:…</code> under this tenant&apos;s secret, never as sent. Applies to events received from now on.</p>
      {state.error && <ErrorMessage error={state.error} retry={state.reload} />}
      <form onSubmit={save}>
        <div className="field">
          <label htmlFor={`${id}-paths`}>Paths, one per line</label>
          <textarea id={`${id}-paths`} rows={4} className="mono" placeholder={'details.password\ndetails.card.*\ncontext.ip'} value={paths} onChange={(e) => setPaths(e.target.value)} />
        </div>
        {saved && <p role="status">Redacted paths saved.</p>}
        <button type="submit">Save paths</button>
      </form>
      <form onSubmit={compute}>
        <div className="field">
          <label htmlFor={`${id}-value`}>Value to look up</label>
          <input id={`${id}-value`} autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
        </div>
        <button type="submit">Compute HMAC</button>
        {hash && (
          <p role="status">
            <code className="mono">{hash}</code>{' '}
            <a href={`/?q=${encodeURIComponent(`details.password:"${hash}"`)}`}>Search details.password for it</a>
          </p>
        )}
      </form>
      {failure && <ErrorMessage error={failure} />}
    </section>
  );
}
