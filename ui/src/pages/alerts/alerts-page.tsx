// Alerts of the signed-in user's tenant: the fired alerts (open by default) with acknowledge,
// resolve, the state of their notifications and a link to the matching events; the rules, with
// enable/disable, edit and delete; and a new rule from a template, from a search (the audit log's
// "Alert on this search" opens this page with ?q=), written by hand, or pasted as Sigma.

import { useEffect, useId, useState, type FormEvent } from 'react';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { api } from '../../lib/api';
import { followLink, useLocation } from '../../lib/router';
import { utcSeconds } from '../../lib/time';
import { useAction } from '../../lib/use-action';
import { useAsync } from '../../lib/use-async';
import { describeCondition, eventsLink, SEVERITIES, type Action, type Alert, type AlertList, type AlertRule, type Condition, type Severity, type Template } from './alert-types';
import { ALERTS_CHANGED } from './open-alerts-count';

const REFRESH_MS = 10_000;
const STATES = ['open', 'acknowledged', 'resolved'] as const;
const SEVERITY_BADGE: Record<Severity, string> = { low: 'muted-badge', medium: 'muted-badge', high: 'fail', critical: 'fail' };

const changed = () => window.dispatchEvent(new Event(ALERTS_CHANGED));

export default function AlertsPage() {
  const { search } = useLocation();
  const fromSearch = new URLSearchParams(search).get('q') ?? undefined;
  const [state, setState] = useState<(typeof STATES)[number]>('open');
  const alerts = useAsync<AlertList>(`/v1/alerts?${state}`, (signal) => api(`/v1/alerts?state=${state}`, { signal }));
  const rules = useAsync<{ rules: AlertRule[] }>('/v1/alert-rules', (signal) => api('/v1/alert-rules', { signal }));
  const [secrets, setSecrets] = useState<{ name: string; secrets: string[] } | undefined>();
  const [editing, setEditing] = useState<AlertRule | undefined>();
  useEffect(() => {
    const timer = setInterval(alerts.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [alerts.reload]);
  const ruleSaved = (rule: AlertRule) => {
    if (rule.webhook_secrets?.length) setSecrets({ name: rule.name, secrets: rule.webhook_secrets });
    setEditing(undefined);
    rules.reload();
  };

  return (
    <>
      <h1>Alerts</h1>
      <p className="lead">Rules are evaluated as events arrive. A rule fires once per group and period, even with several Stele processes, and tells a webhook (signed), Slack or e-mail.</p>
      <section aria-labelledby="fired-title">
        <div className="toolbar">
          <h2 id="fired-title">Fired alerts</h2>
          <div className="toolbar-actions" role="group" aria-label="Alert state">
            {STATES.map((s) => (
              <button key={s} type="button" aria-pressed={state === s} onClick={() => setState(s)}>
                {s}{alerts.data ? ` (${alerts.data.counts[s]})` : ''}
              </button>
            ))}
          </div>
        </div>
        {alerts.loading && !alerts.data && <Loading what="alerts" />}
        {alerts.error && <ErrorMessage error={alerts.error} retry={alerts.reload} />}
        {alerts.data && alerts.data.alerts.length === 0 && <Empty>No {state} alerts.</Empty>}
        {alerts.data?.alerts.map((alert) => <AlertCard key={alert.id} alert={alert} changed={() => { alerts.reload(); changed(); }} />)}
      </section>
      <section aria-labelledby="rules-title">
        <h2 id="rules-title">Rules</h2>
        {rules.loading && !rules.data && <Loading what="rules" />}
        {rules.error && <ErrorMessage error={rules.error} retry={rules.reload} />}
        {rules.data && rules.data.rules.length === 0 && <Empty>No rules yet. Start from a template below.</Empty>}
        {rules.data && rules.data.rules.length > 0 && (
          <div className="table-scroll">
            <table className="rules">
              <caption className="visually-hidden">Alert rules</caption>
              <thead><tr><th scope="col">Rule</th><th scope="col">Query</th><th scope="col">Fires on</th><th scope="col">Severity</th><th scope="col">Actions</th><th scope="col"><span className="visually-hidden">Change</span></th></tr></thead>
              <tbody>
                {rules.data.rules.map((rule) => <RuleRow key={rule.id} rule={rule} edit={() => setEditing(rule)} changed={rules.reload} />)}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {secrets && (
        <div className="card secret" role="status">
          <h2>Webhook signing secret of “{secrets.name}”</h2>
          <p>Copy it now: it is shown only once. Your receiver verifies each notification with it (Standard Webhooks).</p>
          <label htmlFor="alert-secret">Signing secret</label>
          <input id="alert-secret" readOnly value={secrets.secrets.join(' ')} onFocus={(e) => e.target.select()} className="mono" />
          <button type="button" onClick={() => setSecrets(undefined)}>I have copied it</button>
        </div>
      )}
      {editing
        ? <RuleForm key={editing.id} rule={editing} saved={ruleSaved} cancel={() => setEditing(undefined)} />
        : <NewRule query={fromSearch} saved={ruleSaved} />}
    </>
  );
}

function AlertCard({ alert, changed }: { alert: Alert; changed: () => void }) {
  const id = useId();
  const [failure, setFailure] = useState<Error | undefined>();
  const act = async (verb: 'acknowledge' | 'resolve') => {
    setFailure(undefined);
    try {
      await api(`/v1/alerts/${encodeURIComponent(alert.id)}/${verb}`, { method: 'POST' });
      changed();
    } catch (error) {
      setFailure(error as Error);
    }
  };
  return (
    <article className="card alert" aria-labelledby={`${id}-name`}>
      <div className="toolbar">
        <h3 id={`${id}-name`}>
          {alert.rule_name} <span className={`badge ${SEVERITY_BADGE[alert.severity]}`}>{alert.severity}</span>{' '}
          <span className="badge muted-badge">{alert.state}</span>
        </h3>
        <div className="toolbar-actions">
          <a href={eventsLink(alert.search)} onClick={followLink}>Show the events</a>
          {alert.state === 'open' && <button type="button" onClick={() => act('acknowledge')}>Acknowledge</button>}
          {alert.state !== 'resolved' && <button type="button" onClick={() => act('resolve')}>Resolve</button>}
        </div>
      </div>
      <dl className="facts">
        <dt>Group</dt><dd className="mono">{alert.group_key || 'all events'}</dd>
        <dt>Count</dt><dd>{alert.count}{alert.window_minutes !== null ? ` within ${alert.window_minutes} min` : ''}{alert.field?.value !== undefined ? ` · new ${alert.field.name}: ${alert.field.value}` : ''}</dd>
        <dt>Events</dt><dd>{utcSeconds(alert.first_event.occurred_at)} – {utcSeconds(alert.last_event.occurred_at)}</dd>
        <dt>Fired</dt><dd>{utcSeconds(alert.fired_at)}</dd>
        {alert.deliveries.length > 0 && (<>
          <dt>Notifications</dt>
          <dd>
            <ul className="deliveries">
              {alert.deliveries.map((d, i) => (
                <li key={i}>
                  {d.type} {d.to}: <span className={`badge ${d.state === 'sent' ? 'ok' : d.state === 'failed' ? 'fail' : 'muted-badge'}`}>{d.state}</span>
                  {d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}
                  {d.last_error && d.state !== 'sent' ? ` — ${d.last_error}` : ''}
                  {d.next_attempt_at ? `, next try ${utcSeconds(d.next_attempt_at)}` : ''}
                </li>
              ))}
            </ul>
          </dd>
        </>)}
      </dl>
      {failure && <ErrorMessage error={failure} />}
    </article>
  );
}

const bodyOf = (rule: AlertRule, changes: Partial<AlertRule> = {}) => {
  const next = { ...rule, ...changes };
  return {
    name: next.name, query: next.query, condition: next.condition, schedule: next.schedule, severity: next.severity,
    cooldown_minutes: next.cooldown_minutes, enabled: next.enabled,
    // Webhooks keep their secret when the URL stays; Slack URLs come back masked and keep their value.
    actions: next.actions.map((a) => (a.type === 'email' ? { type: a.type, to: a.to } : { type: a.type, url: a.url })),
  };
};

function RuleRow({ rule, edit, changed }: { rule: AlertRule; edit: () => void; changed: () => void }) {
  const { failure, run: act } = useAction(changed);
  const path = `/v1/alert-rules/${encodeURIComponent(rule.id)}`;
  const remove = () => {
    if (window.confirm(`Delete the rule "${rule.name}"? Its alerts stay in the history.`)) void act(() => api(path, { method: 'DELETE' }));
  };
  return (
    <tr className={rule.enabled ? undefined : 'muted'}>
      <th scope="row">{rule.name}{rule.source?.sigma ? ' (Sigma)' : rule.source?.template ? ` (${rule.source.template})` : ''}{rule.enabled ? '' : ' — disabled'}</th>
      <td className="mono">{rule.query || '(every event)'}</td>
      <td>{describeCondition(rule.condition)}{rule.schedule ? `, ${rule.schedule.outside ? 'outside' : 'within'} ${rule.schedule.from}–${rule.schedule.to} ${rule.schedule.timezone}` : ''}</td>
      <td><span className={`badge ${SEVERITY_BADGE[rule.severity]}`}>{rule.severity}</span></td>
      <td>{rule.actions.map((a) => a.type).join(', ') || 'none'}</td>
      <td>
        <button type="button" onClick={() => act(() => api(path, { method: 'PUT', body: bodyOf(rule, { enabled: !rule.enabled }) }))}>{rule.enabled ? 'Disable' : 'Enable'}</button>{' '}
        <button type="button" onClick={edit}>Edit</button>{' '}
        <button type="button" className="danger" onClick={remove}>Delete</button>
        {failure && <ErrorMessage error={failure} />}
      </td>
    </tr>
  );
}

function NewRule({ query, saved }: { query: string | undefined; saved: (rule: AlertRule) => void }) {
  const [mode, setMode] = useState<'template' | 'custom' | 'sigma'>(query ? 'custom' : 'template');
  useEffect(() => { if (query) setMode('custom'); }, [query]);
  return (
    <section className="card" aria-labelledby="new-rule-title">
      <h2 id="new-rule-title">New rule</h2>
      <div className="toolbar-actions" role="group" aria-label="Start from">
        <button type="button" aria-pressed={mode === 'template'} onClick={() => setMode('template')}>From a template</button>
        <button type="button" aria-pressed={mode === 'custom'} onClick={() => setMode('custom')}>From a search</button>
        <button type="button" aria-pressed={mode === 'sigma'} onClick={() => setMode('sigma')}>Paste a Sigma rule</button>
      </div>
      {mode === 'template' && <FromTemplate saved={saved} />}
      {mode === 'custom' && <RuleForm key={query ?? ''} query={query} saved={saved} />}
      {mode === 'sigma' && <FromSigma saved={saved} />}
    </section>
  );
}

/** Actions as the forms collect them: one webhook URL, one Slack URL, e-mail addresses. */
function ActionFields({ values, set }: { values: ActionInputs; set: (v: ActionInputs) => void }) {
  const id = useId();
  return (
    <fieldset>
      <legend>Notify (optional)</legend>
      <div className="row-fields">
        <div className="field">
          <label htmlFor={`${id}-webhook`}>Webhook URL</label>
          <input id={`${id}-webhook`} type="url" placeholder="https://soc.example.com/hooks/stele" value={values.webhook} onChange={(e) => set({ ...values, webhook: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-slack`}>Slack incoming webhook</label>
          <input id={`${id}-slack`} placeholder="https://hooks.slack.com/services/…" value={values.slack} onChange={(e) => set({ ...values, slack: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-email`}>E-mail</label>
          <input id={`${id}-email`} placeholder="soc@example.com, oncall@example.com" value={values.email} onChange={(e) => set({ ...values, email: e.target.value })} />
        </div>
      </div>
    </fieldset>
  );
}

interface ActionInputs { webhook: string; slack: string; email: string }

const actionInputsOf = (actions: Action[] = []): ActionInputs => ({
  webhook: actions.find((a) => a.type === 'webhook')?.url ?? '',
  slack: actions.find((a) => a.type === 'slack')?.url ?? '',
  email: actions.find((a) => a.type === 'email')?.to?.join(', ') ?? '',
});

const actionsOf = (inputs: ActionInputs): Action[] => [
  ...(inputs.webhook.trim() ? [{ type: 'webhook' as const, url: inputs.webhook.trim() }] : []),
  ...(inputs.slack.trim() ? [{ type: 'slack' as const, url: inputs.slack.trim() }] : []),
  ...(inputs.email.trim() ? [{ type: 'email' as const, to: inputs.email.split(',').map((a) => a.trim()).filter(Boolean) }] : []),
];

function useSubmit(send: () => Promise<AlertRule>, saved: (rule: AlertRule) => void) {
  const [failure, setFailure] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setBusy(true);
    try {
      saved(await send());
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };
  return { submit, failure, busy };
}

function FromTemplate({ saved }: { saved: (rule: AlertRule) => void }) {
  const id = useId();
  const templates = useAsync<{ templates: Template[] }>('/v1/alert-templates', (signal) => api('/v1/alert-templates', { signal }));
  const [name, setName] = useState('brute_force');
  const [actions, setActions] = useState<ActionInputs>(actionInputsOf());
  const { submit, failure, busy } = useSubmit(() => api<AlertRule>('/v1/alert-rules', { method: 'POST', body: { template: name, actions: actionsOf(actions) } }), saved);
  const chosen = templates.data?.templates.find((t) => t.name === name);
  return (
    <form onSubmit={submit}>
      {templates.error && <ErrorMessage error={templates.error} retry={templates.reload} />}
      <div className="field">
        <label htmlFor={`${id}-template`}>Template</label>
        <select id={`${id}-template`} value={name} onChange={(e) => setName(e.target.value)}>
          {templates.data?.templates.map((t) => <option key={t.name} value={t.name}>{t.title}</option>)}
        </select>
        {chosen && <p className="help">{chosen.description}</p>}
      </div>
      <ActionFields values={actions} set={setActions} />
      {failure && <ErrorMessage error={failure} />}
      <button type="submit" className="primary" disabled={busy}>Create rule</button>
    </form>
  );
}

function FromSigma({ saved }: { saved: (rule: AlertRule) => void }) {
  const id = useId();
  const [sigma, setSigma] = useState('');
  const [actions, setActions] = useState<ActionInputs>(actionInputsOf());
  const { submit, failure, busy } = useSubmit(() => api<AlertRule>('/v1/alert-rules/sigma', { method: 'POST', body: { sigma, actions: actionsOf(actions) } }), saved);
  return (
    <form onSubmit={submit}>
      <div className="field">
        <label htmlFor={`${id}-sigma`}>Sigma rule (YAML; base rules and a correlation separated by ---)</label>
        <textarea id={`${id}-sigma`} className="mono" rows={12} required value={sigma} onChange={(e) => setSigma(e.target.value)}
          placeholder={'title: Failed logins\nlevel: high\nlogsource: {product: stele}\ndetection:\n  sel:\n    action: user.login_failed\n  condition: sel'} />
      </div>
      <ActionFields values={actions} set={setActions} />
      {failure && <ErrorMessage error={failure} />}
      <button type="submit" className="primary" disabled={busy}>Import rule</button>
    </form>
  );
}

/** A rule written by hand, or an existing one edited. */
function RuleForm({ rule, query, saved, cancel }: { rule?: AlertRule; query?: string; saved: (rule: AlertRule) => void; cancel?: () => void }) {
  const id = useId();
  const [name, setName] = useState(rule?.name ?? '');
  const [text, setText] = useState(rule?.query ?? query ?? '');
  const [type, setType] = useState<Condition['type']>(rule?.condition.type ?? 'threshold');
  const [count, setCount] = useState(String(rule?.condition.count ?? 5));
  const [windowMinutes, setWindowMinutes] = useState(String(rule?.condition.window_minutes ?? 10));
  const [groupBy, setGroupBy] = useState(rule?.condition.group_by?.join(', ') ?? 'actor.id');
  const [field, setField] = useState(rule?.condition.field ?? 'ip');
  const [lookback, setLookback] = useState(String(rule?.condition.lookback_days ?? 30));
  const [severity, setSeverity] = useState<Severity>(rule?.severity ?? 'high');
  const [cooldown, setCooldown] = useState(String(rule?.cooldown_minutes ?? 60));
  const [actions, setActions] = useState<ActionInputs>(actionInputsOf(rule?.actions));
  const condition = (): Condition => {
    const group_by = groupBy.split(',').map((g) => g.trim()).filter(Boolean);
    switch (type) {
      case 'threshold': return { type, count: Number(count), window_minutes: Number(windowMinutes), group_by };
      case 'distinct': return { type, field, count: Number(count), window_minutes: Number(windowMinutes), group_by };
      case 'first_seen': return { type, field, group_by, lookback_days: Number(lookback) };
      case 'any': return { type, group_by };
    }
  };
  const { submit, failure, busy } = useSubmit(() => {
    const body = { name, query: text, condition: condition(), severity, cooldown_minutes: Number(cooldown), actions: actionsOf(actions), ...(rule && { schedule: rule.schedule, enabled: rule.enabled }) };
    return rule
      ? api<AlertRule>(`/v1/alert-rules/${encodeURIComponent(rule.id)}`, { method: 'PUT', body })
      : api<AlertRule>('/v1/alert-rules', { method: 'POST', body });
  }, saved);
  return (
    <form onSubmit={submit} className={rule ? 'card' : undefined} aria-label={rule ? `Edit ${rule.name}` : 'New rule from a search'}>
      {rule && <h2>Edit “{rule.name}”</h2>}
      <div className="row-fields">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field wide">
          <label htmlFor={`${id}-query`}>Search query</label>
          <input id={`${id}-query`} className="mono" placeholder="action:user.login_failed" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
      </div>
      <div className="row-fields">
        <div className="field">
          <label htmlFor={`${id}-type`}>Fires on</label>
          <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as Condition['type'])}>
            <option value="threshold">At least N matches within a window</option>
            <option value="distinct">N distinct values within a window</option>
            <option value="first_seen">A value not seen before</option>
            <option value="any">Every match</option>
          </select>
        </div>
        {(type === 'threshold' || type === 'distinct') && (<>
          <div className="field"><label htmlFor={`${id}-count`}>N</label><input id={`${id}-count`} type="number" min={1} required value={count} onChange={(e) => setCount(e.target.value)} /></div>
          <div className="field"><label htmlFor={`${id}-window`}>Window (minutes)</label><input id={`${id}-window`} type="number" min={1} required value={windowMinutes} onChange={(e) => setWindowMinutes(e.target.value)} /></div>
        </>)}
        {(type === 'distinct' || type === 'first_seen') && (
          <div className="field"><label htmlFor={`${id}-field`}>Field</label><input id={`${id}-field`} required value={field} onChange={(e) => setField(e.target.value)} /></div>
        )}
        {type === 'first_seen' && (
          <div className="field"><label htmlFor={`${id}-lookback`}>Lookback (days)</label><input id={`${id}-lookback`} type="number" min={1} required value={lookback} onChange={(e) => setLookback(e.target.value)} /></div>
        )}
        <div className="field"><label htmlFor={`${id}-group`}>Group by</label><input id={`${id}-group`} placeholder="actor.id, ip" value={groupBy} onChange={(e) => setGroupBy(e.target.value)} /></div>
      </div>
      <div className="row-fields">
        <div className="field">
          <label htmlFor={`${id}-severity`}>Severity</label>
          <select id={`${id}-severity`} value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
            {SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <div className="field"><label htmlFor={`${id}-cooldown`}>Cooldown (minutes)</label><input id={`${id}-cooldown`} type="number" min={0} required value={cooldown} onChange={(e) => setCooldown(e.target.value)} /></div>
      </div>
      <ActionFields values={actions} set={setActions} />
      {failure && <ErrorMessage error={failure} />}
      <button type="submit" className="primary" disabled={busy}>{rule ? 'Save rule' : 'Create rule'}</button>
      {cancel && <button type="button" onClick={cancel}>Cancel</button>}
    </form>
  );
}
