// Streams of the signed-in user's tenant: create one for any destination (each type with its own
// fields), test the connection and see the receiver's answer, pause, resume, replay, delete; the
// state, cursor, lag and last error of each. Refreshes every 10 seconds.

import { useEffect, useId, useState, type FormEvent } from 'react';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { localInputToIso, utcSeconds } from '../../lib/time';
import { useAction } from '../../lib/use-action';
import { useAsync } from '../../lib/use-async';
import { configFrom, DESTINATION_KINDS, kindOf, type DestinationField } from './destination-fields';
import type { Stream, TestAnswer } from './stream-types';

const CATEGORIES = ['authentication', 'authorization', 'team', 'resource', 'data', 'configuration', 'security', 'payment', 'device', 'job', 'custom'];
const REFRESH_MS = 10_000;

export default function StreamsPage() {
  const list = useAsync<{ streams: Stream[] }>('/v1/streams', (signal) => api('/v1/streams', { signal }));
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>();
  useEffect(() => {
    const timer = setInterval(list.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [list.reload]);

  return (
    <>
      <h1>Streams</h1>
      <p className="lead">Every event, pushed to the SIEM or store you already run, in order and at least once. The log is the buffer: while a destination is down nothing is lost, and delivery resumes from the stream&apos;s cursor.</p>
      <NewStream onCreated={(stream, made) => { if (made) setSecret({ name: stream.name, secret: made }); list.reload(); }} />
      {secret && (
        <div className="card secret" role="status">
          <h2>Signing secret of “{secret.name}”</h2>
          <p>Copy it now: it is shown only once. Your receiver verifies each request with it (Standard Webhooks).</p>
          <label htmlFor="stream-secret">Webhook signing secret</label>
          <input id="stream-secret" readOnly value={secret.secret} onFocus={(e) => e.target.select()} className="mono" />
          <button type="button" onClick={() => setSecret(undefined)}>I have copied it</button>
        </div>
      )}
      <h2>Streams</h2>
      {list.loading && !list.data && <Loading what="streams" />}
      {list.error && <ErrorMessage error={list.error} retry={list.reload} />}
      {list.data && list.data.streams.length === 0 && <Empty>No streams yet. Create one above to push events to your SIEM.</Empty>}
      {list.data?.streams.map((stream) => <StreamCard key={stream.id} stream={stream} changed={list.reload} />)}
    </>
  );
}

function FieldInput({ field, id, value, set }: { field: DestinationField; id: string; value: string | boolean | undefined; set: (v: string | boolean) => void }) {
  const common = { id, name: field.name, required: field.required, placeholder: field.placeholder, 'aria-describedby': field.help ? `${id}-help` : undefined };
  switch (field.kind) {
    case 'checkbox':
      return <input {...common} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} />;
    case 'select':
      return (
        <select {...common} value={String(value ?? '')} onChange={(e) => set(e.target.value)}>
          {!field.required && <option value="">(default)</option>}
          {field.options!.map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      );
    case 'pem':
      return <textarea {...common} rows={3} className="mono" value={String(value ?? '')} onChange={(e) => set(e.target.value)} />;
    default:
      return <input {...common} type={field.kind === 'secret' ? 'password' : field.kind === 'number' ? 'number' : 'text'} autoComplete="off" value={String(value ?? '')} onChange={(e) => set(e.target.value)} />;
  }
}

function NewStream({ onCreated }: { onCreated: (stream: Stream, secret?: string) => void }) {
  const id = useId();
  const [type, setType] = useState('webhook');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [format, setFormat] = useState('json');
  const [actions, setActions] = useState('');
  const [categories, setCategories] = useState<string[]>([]);
  const [q, setQ] = useState('');
  const [start, setStart] = useState('now');
  const [startTime, setStartTime] = useState('');
  const [failure, setFailure] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const kind = kindOf(type);

  const chooseType = (next: string) => {
    setType(next);
    const defaults = Object.fromEntries(kindOf(next).fields.filter((f) => f.kind === 'select' && f.required).map((f) => [f.name, f.options![0]!]));
    setValues(defaults);
    setFormat(kindOf(next).formats[0]!);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setBusy(true);
    const filter = {
      ...(actions.trim() && { actions: actions.split(',').map((a) => a.trim()).filter(Boolean) }),
      ...(categories.length > 0 && { categories }),
      ...(q.trim() && { q: q.trim() }),
    };
    const startValue = start === 'now' ? 'now' : start === 'beginning' ? 1 : localInputToIso(startTime);
    try {
      const created = await api<Stream & { secret?: string }>('/v1/streams', { method: 'POST', body: { name, type, config: configFrom(kind, values), filter, format, start: startValue } });
      setName('');
      setValues({});
      onCreated(created, created.secret);
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>New stream</h2>
      <div className="row-fields">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Destination</label>
          <select id={`${id}-type`} value={type} onChange={(e) => chooseType(e.target.value)}>
            {DESTINATION_KINDS.map((k) => <option key={k.type} value={k.type}>{k.label}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-format`}>Format</label>
          <select id={`${id}-format`} value={format} onChange={(e) => setFormat(e.target.value)}>
            {kind.formats.map((f) => <option key={f} value={f}>{f.toUpperCase()}</option>)}
          </select>
        </div>
      </div>
      <fieldset>
        <legend>{kind.label}</legend>
        <div className="row-fields">
          {kind.fields.map((field) => (
            <div className={field.kind === 'checkbox' ? 'field check' : 'field'} key={`${type}-${field.name}`}>
              {field.kind === 'checkbox' && <FieldInput field={field} id={`${id}-${field.name}`} value={values[field.name]} set={(v) => setValues((s) => ({ ...s, [field.name]: v }))} />}
              <label htmlFor={`${id}-${field.name}`}>{field.label}{field.required ? '' : ' (optional)'}</label>
              {field.kind !== 'checkbox' && <FieldInput field={field} id={`${id}-${field.name}`} value={values[field.name]} set={(v) => setValues((s) => ({ ...s, [field.name]: v }))} />}
              {field.help && <p className="help" id={`${id}-${field.name}-help`}>{field.help}</p>}
            </div>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Which events (all by default)</legend>
        <div className="row-fields">
          <div className="field">
            <label htmlFor={`${id}-actions`}>Actions</label>
            <input id={`${id}-actions`} placeholder="login.*, member.role_changed" value={actions} onChange={(e) => setActions(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-q`}>Search query</label>
            <input id={`${id}-q`} placeholder="success:false" value={q} onChange={(e) => setQ(e.target.value)} />
          </div>
        </div>
        <div className="checks" role="group" aria-label="Categories">
          {CATEGORIES.map((c) => (
            <label key={c} className="check">
              <input type="checkbox" checked={categories.includes(c)} onChange={(e) => setCategories((s) => (e.target.checked ? [...s, c] : s.filter((x) => x !== c)))} />
              {c}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="row-fields">
        <div className="field">
          <label htmlFor={`${id}-start`}>Start</label>
          <select id={`${id}-start`} value={start} onChange={(e) => setStart(e.target.value)}>
            <option value="now">New events only</option>
            <option value="beginning">The whole log (backfill)</option>
            <option value="time">Events received since…</option>
          </select>
        </div>
        {start === 'time' && (
          <div className="field">
            <label htmlFor={`${id}-since`}>Since (UTC)</label>
            <input id={`${id}-since`} type="datetime-local" required value={startTime} onChange={(e) => setStartTime(e.target.value)} />
          </div>
        )}
      </div>
      {failure && <ErrorMessage error={failure} />}
      <button type="submit" className="primary" disabled={busy}>Create stream</button>
    </form>
  );
}

const STATE_BADGE: Record<Stream['state'], string> = { active: 'ok', paused: 'muted-badge', failing: 'fail', disabled: 'fail' };

function StreamCard({ stream, changed }: { stream: Stream; changed: () => void }) {
  const id = useId();
  const [test, setTest] = useState<TestAnswer | 'sending' | undefined>();
  const { failure, setFailure, run: act } = useAction(changed);
  const [replaying, setReplaying] = useState(false);
  const [fromSeq, setFromSeq] = useState('');
  const path = `/v1/streams/${encodeURIComponent(stream.id)}`;

  const runTest = async () => {
    setTest('sending');
    try {
      setTest(await api<TestAnswer>(`${path}/test`, { method: 'POST' }));
    } catch (error) {
      setTest(undefined);
      setFailure(error as Error);
    }
  };
  const replay = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      await api(`${path}/replay`, { method: 'POST', body: { from_seq: Number(fromSeq) } });
      setReplaying(false);
    });
  };
  const remove = () => {
    if (window.confirm(`Delete the stream "${stream.name}"? Delivery stops; the log keeps every event.`)) void act(() => api(path, { method: 'DELETE' }));
  };

  return (
    <article className="card stream" aria-labelledby={`${id}-name`}>
      <div className="toolbar">
        <h3 id={`${id}-name`}>{stream.name} <span className={`badge ${STATE_BADGE[stream.state]}`}>{stream.state}</span></h3>
        <div className="toolbar-actions">
          <button type="button" onClick={runTest} disabled={test === 'sending'}>Test connection</button>
          {stream.state === 'paused' || stream.state === 'disabled'
            ? <button type="button" onClick={() => act(() => api(`${path}/resume`, { method: 'POST' }))}>Resume</button>
            : <button type="button" onClick={() => act(() => api(`${path}/pause`, { method: 'POST' }))}>Pause</button>}
          <button type="button" onClick={() => setReplaying((r) => !r)} aria-expanded={replaying}>Replay…</button>
          <button type="button" className="danger" onClick={remove}>Delete</button>
        </div>
      </div>
      <dl className="facts">
        <dt>Destination</dt><dd className="mono">{stream.type} · {stream.destination}</dd>
        <dt>Format</dt><dd>{stream.format.toUpperCase()}</dd>
        <dt>Cursor</dt><dd>seq {stream.cursor.toLocaleString('en')} of {stream.head.toLocaleString('en')}</dd>
        <dt>Lag</dt><dd>{stream.lag.events.toLocaleString('en')} event{stream.lag.events === 1 ? '' : 's'}{stream.lag.approximate ? ' (at most)' : ''}{stream.lag.events > 0 ? `, oldest ${stream.lag.seconds} s ago` : ''}</dd>
        <dt>Delivered</dt><dd>{stream.delivered.toLocaleString('en')}</dd>
        <dt>Last success</dt><dd>{stream.last_success_at ? utcSeconds(stream.last_success_at) : 'never'}</dd>
        {stream.last_error && (<>
          <dt>Last error</dt>
          <dd className="stream-error">{utcSeconds(stream.last_error.at)}: {stream.last_error.message}</dd>
        </>)}
        {stream.failures > 0 && (<><dt>Failures in a row</dt><dd>{stream.failures}{stream.next_attempt_at ? `, next try ${utcSeconds(stream.next_attempt_at)}` : ''}</dd></>)}
        {stream.disabled && (<><dt>Disabled</dt><dd className="stream-error">{stream.disabled.reason}</dd></>)}
      </dl>
      {replaying && (
        <form className="inline-form" onSubmit={replay}>
          <label htmlFor={`${id}-seq`}>Send again from seq</label>
          <input id={`${id}-seq`} type="number" min={1} required value={fromSeq} onChange={(e) => setFromSeq(e.target.value)} />
          <button type="submit">Replay</button>
        </form>
      )}
      {test === 'sending' && <p className="status" role="status">Sending a test event…</p>}
      {test && test !== 'sending' && (
        <div className={`result ${test.ok ? 'ok' : 'fail'}`} role="status">
          {test.ok ? 'The receiver accepted the test event' : 'The test event was not accepted'}
          {test.status !== undefined && ` (HTTP ${test.status})`} in {test.latency_ms} ms.
          {test.error && <p className="mono">{test.error}</p>}
          {test.body && <pre className="json">{test.body}</pre>}
        </div>
      )}
      {failure && <ErrorMessage error={failure} />}
    </article>
  );
}
