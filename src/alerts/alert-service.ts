// What the alert routes do: rules (create, from a template or Sigma, read, replace, delete), the
// cache of each tenant's compiled enabled rules the evaluator reads, firing (the alert, its
// cooldown, its notifications and the `alert.fired` event, which a worker writes after a crash),
// and the history with acknowledge and resolve. Every change is an event in the tenant's log;
// secrets never are.

import type { AuditEntry, AuditTrail } from '../audit-trail/audit-trail.js';
import { SYSTEM_REQUESTER, type Requester } from '../audit-trail/requester.js';
import { changesBetween } from '../audit-trail/changes.js';
import { isSteleError, SteleError } from '../domain/errors.js';
import type { JsonObject } from '../domain/event.js';
import { uuidv7 } from '../domain/ids.js';
import { inList } from '../sql/fragments.js';
import type { Store } from '../store/port.js';
import { compileRule, cooldownIdOf, withinCooldown, type CompiledRule, type Firing } from './alert-evaluator.js';
import { initialAttempts } from './alert-notifier.js';
import { alertDetails, ALERT_STATES, type AlertRecord, type AlertRepository, type AlertState, type CooldownClaim, type EventRef } from './alert-repository.js';
import { invalid, readActions, readRuleFields, SEVERITIES, viewAction, type ActionDeps, type AlertRule, type Severity } from './alert-rule.js';
import { templatesFor } from './alert-templates.js';
import { compileSigma } from './sigma.js';

export interface AlertServiceDeps extends ActionDeps {
  store: Store;
  repository: AlertRepository;
  /** Records rule changes and firings (the alerts thread's records through the serving thread). */
  trail: Pick<AuditTrail, 'record' | 'recordAll'>;
  now: () => number;
  /** The dashboard's address, for links in notifications. */
  publicUrl: string;
  /** How long another process's rule changes may take to apply here (default 5 s). */
  ruleCacheMs?: number;
  /** A new alert has notifications to send. */
  kick(): void;
  /** A tenant's rules changed here (the alerts thread is told, so its next pass reads them again). */
  rulesChanged?(tenantId: string): void;
  /** The instance has a GeoIP database: events carry geo.country, and "new location" is by country. */
  countries?: boolean;
}

/** A rule as the API shows it: actions without secrets. */
export const viewRule = (rule: AlertRule) => ({ ...rule, actions: rule.actions.map(viewAction) });
export type RuleView = ReturnType<typeof viewRule>;

const ruleTarget = (rule: AlertRule) => ({ type: 'alert_rule', id: rule.id, name: rule.name });

function describeRule(rule: AlertRule): JsonObject {
  return {
    name: rule.name, query: rule.query, condition: rule.condition as unknown as JsonObject, schedule: rule.schedule as unknown as JsonObject,
    severity: rule.severity, cooldown_minutes: rule.cooldown_minutes, enabled: rule.enabled,
    actions: rule.actions.map((a) => a.type === 'email' ? `email ${a.to.join(',')}` : a.type === 'webhook' ? `webhook ${a.url}` : `slack ${a.url_masked}`),
  };
}

/**
 * How long a cooldown claim without its alert holds: a live process writes the alert milliseconds
 * after its claim, and a dead one's events are evaluated again only once its evaluation mark has
 * stopped beating for 30 s (evaluation-marks.ts).
 */
const CLAIM_GRACE_MS = 10_000;

/** A value as one unquoted search-language literal. */
const literal = (value: string) => (value === '' ? '""' : value.replace(/[^A-Za-z0-9_.@/]/g, (ch) => `\\${ch}`));

export function createAlertService(deps: AlertServiceDeps) {
  const { repository } = deps;
  const iso = () => new Date(deps.now()).toISOString();
  const cache = new Map<string, { at: number; rules: CompiledRule[] }>();
  const ruleCacheMs = deps.ruleCacheMs ?? 5000;
  const templates = templatesFor({ countries: deps.countries ?? false });

  // Rule changes made here, per tenant: a read begun before one must not put the old rules back
  // into the cache (an evaluation pass reading while a rule is created would hide it for 5 s).
  const changes = new Map<string, number>();
  function changed(tenantId: string): void {
    cache.delete(tenantId);
    changes.set(tenantId, (changes.get(tenantId) ?? 0) + 1);
    deps.rulesChanged?.(tenantId);
  }

  async function rules(tenantId: string): Promise<CompiledRule[]> {
    const cached = cache.get(tenantId);
    if (cached && Date.now() - cached.at < ruleCacheMs) return cached.rules;
    const before = changes.get(tenantId);
    const compiled = (await repository.listRules(tenantId)).filter((r) => r.enabled).map(compileRule);
    if (changes.get(tenantId) === before) cache.set(tenantId, { at: Date.now(), rules: compiled });
    return compiled;
  }

  function hasNoRules(tenantId: string): boolean {
    const cached = cache.get(tenantId);
    if (!cached) return false;
    // Stale: read again on a later batch, and meanwhile look at this one.
    if (Date.now() - cached.at >= ruleCacheMs) return false;
    return cached.rules.length === 0;
  }

  async function find(tenantId: string, id: string): Promise<AlertRule> {
    const rule = await repository.getRule(tenantId, id);
    if (!rule) throw new SteleError('not_found', `No alert rule with id ${id}.`);
    return rule;
  }

  async function createFrom(tenantId: string, body: Record<string, unknown>, by: Requester, source: AlertRule['source']): Promise<{ rule: RuleView; secrets: string[] }> {
    const id = uuidv7(deps.now());
    const { actions: rawActions, ...rest } = body;
    const fields = readRuleFields(rest);
    const { actions, shown } = readActions(rawActions, deps, tenantId, id);
    const now = iso();
    const rule: AlertRule = { id, tenant_id: tenantId, ...fields, actions, source, created_at: now, updated_at: now, created_by: by.actor };
    await repository.insertRule(rule);
    changed(tenantId);
    await deps.trail.record(tenantId, { action: 'alert_rule.created', ...by, target: ruleTarget(rule), details: { ...describeRule(rule), ...(source && { source: source as JsonObject }) } });
    return { rule: viewRule(rule), secrets: shown };
  }

  async function create(tenantId: string, body: Record<string, unknown>, by: Requester) {
    const { template, ...overrides } = body;
    if (template === undefined) return createFrom(tenantId, overrides, by, null);
    const found = typeof template === 'string' ? templates.find((t) => t.name === template) : undefined;
    if (!found) throw invalid('template', `must be one of ${templates.map((t) => t.name).join(', ')}`);
    return createFrom(tenantId, { ...found.rule, ...overrides }, by, { template: found.name });
  }

  async function importSigma(tenantId: string, body: Record<string, unknown>, by: Requester) {
    const extra = Object.keys(body).find((k) => !['sigma', 'actions', 'cooldown_minutes', 'enabled'].includes(k));
    if (extra) throw invalid(extra, 'is not a member of a Sigma import (sigma, actions, cooldown_minutes, enabled)');
    const compiled = compileSigma(body.sigma);
    return createFrom(tenantId, {
      name: compiled.name, query: compiled.query, condition: compiled.condition, severity: compiled.severity,
      ...(body.cooldown_minutes !== undefined && { cooldown_minutes: body.cooldown_minutes }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
      ...(body.actions !== undefined && { actions: body.actions }),
    }, by, compiled.source);
  }

  async function update(tenantId: string, id: string, body: Record<string, unknown>, by: Requester): Promise<{ rule: RuleView; secrets: string[] }> {
    const previous = await find(tenantId, id);
    const { actions: rawActions, ...rest } = body;
    const fields = readRuleFields(rest);
    const { actions, shown } = readActions(rawActions, deps, tenantId, id, previous.actions);
    const rule: AlertRule = { ...previous, ...fields, actions, updated_at: iso() };
    if (!(await repository.updateRule(rule))) throw new SteleError('not_found', `No alert rule with id ${id}.`);
    changed(tenantId);
    await deps.trail.record(tenantId, { action: 'alert_rule.updated', ...by, target: ruleTarget(rule), details: { changes: changesBetween(describeRule(previous), describeRule(rule)) } });
    return { rule: viewRule(rule), secrets: shown };
  }

  async function remove(tenantId: string, id: string, by: Requester): Promise<void> {
    const rule = await find(tenantId, id);
    if (!(await repository.deleteRule(tenantId, id))) throw new SteleError('not_found', `No alert rule with id ${id}.`);
    changed(tenantId);
    await deps.trail.record(tenantId, { action: 'alert_rule.deleted', ...by, target: ruleTarget(rule), details: describeRule(rule) });
  }

  /**
   * Creates the alert of a firing, once: its queue entries first (notifications, and the
   * `alert.fired` event), then the alert with its pending deliveries in one write, so a process
   * killed in between leaves entries the worker drops, never an alert without notifications.
   * Resolves with the alert whose event recordFired must write, or undefined when it had fired
   * already (here or in another process).
   */
  async function fire(tenantId: string, firing: Firing): Promise<AlertRecord | undefined> {
    const { rule } = firing;
    const rows = await deps.store.findEvents(tenantId, { where: inList('seq', [firing.firstSeq, firing.lastSeq]), order: { key: 'seq', direction: 'asc' }, limit: 2 });
    const ref = (seq: number): EventRef => {
      const event = rows.find((e) => e.seq === seq) ?? rows[0]!;
      return { id: event.id, seq: event.seq, occurred_at: event.occurred_at };
    };
    if (rows.length === 0) return undefined;
    const first = ref(firing.firstSeq);
    const last = ref(firing.lastSeq);
    const terms = Object.entries(firing.group).map(([field, value]) => `${field}:${literal(value)}`);
    if (firing.field?.value !== undefined) terms.push(`${firing.field.name}:${literal(firing.field.value)}`);
    const search = [`(${rule.query.trim() || 'time:*'})`, ...terms, `time:>=${first.occurred_at}`, `time:<=${last.occurred_at}`].join(' ');
    const alert: AlertRecord = {
      id: firing.alertId, tenant_id: tenantId, rule_id: rule.id, rule_name: rule.name, severity: rule.severity, state: 'open',
      condition_type: rule.condition.type, group: firing.group, group_key: firing.groupKey, count: firing.count, window_minutes: firing.windowMinutes,
      field: firing.field, first_event: first, last_event: last, search,
      link: `${deps.publicUrl}/?${new URLSearchParams({ q: search, range: 'custom' }).toString()}`,
      fired_at: iso(), deliveries: initialAttempts(rule), acknowledged: null, resolved: null,
    };
    if (rule.cooldown_minutes > 0 && !(await claimCooldown(tenantId, firing))) return undefined; // fired within the cooldown, here or by another process
    if (rule.actions.length > 0) await repository.deliveries.enqueue(tenantId, alert.id);
    await repository.firedEvents.enqueue(tenantId, alert.id);
    if (!(await repository.insertAlert(alert))) return undefined; // fired already, here or by another process
    if (rule.actions.length > 0) deps.kick();
    return alert;
  }

  /**
   * Claims the rule group's cooldown for a firing, by compare-and-set, so that two processes whose
   * firings fall in different periods (different alert ids) within one cooldown fire once: false
   * when another firing holds it within the cooldown of this one. The same alert claims it again
   * (a pass run again after a crash), and a claim whose alert was never written (its process died
   * between the two writes) stops holding once it is CLAIM_GRACE_MS old. An earlier firing outside
   * the cooldown (an old event delivered late) fires without moving the cooldown back.
   */
  async function claimCooldown(tenantId: string, firing: Firing): Promise<boolean> {
    const id = cooldownIdOf(firing.rule.id, firing.groupKey);
    const claim: CooldownClaim = { at: firing.at, alert_id: firing.alertId, claimed_at: deps.now() };
    for (;;) {
      const held = await repository.cooldown(tenantId, id);
      if (held) {
        if (held.alert_id === firing.alertId) return true;
        const within = withinCooldown(firing.at, held.at, firing.rule.cooldown_minutes * 60_000);
        if (within && !(await abandoned(tenantId, held))) return false;
        if (!within && held.at >= firing.at) return true;
      }
      if (await repository.replaceCooldown(tenantId, id, held, claim)) return true;
    }
  }

  const abandoned = async (tenantId: string, held: CooldownClaim) =>
    held.alert_id !== undefined && deps.now() - (held.claimed_at ?? 0) > CLAIM_GRACE_MS && !(await repository.getAlert(tenantId, held.alert_id));

  /** The `alert.fired` event of an alert: its id is the alert's, its content the alert's alone, so writing it again is a no-op. */
  const firedEntry = (alert: AlertRecord, id: string | undefined): AuditEntry => ({
    action: 'alert.fired', ...SYSTEM_REQUESTER, target: { type: 'alert_rule', id: alert.rule_id, name: alert.rule_name }, details: alertDetails(alert),
    at: Date.parse(alert.fired_at), ...(id !== undefined && { id }),
  });

  /**
   * Writes the `alert.fired` events of alerts (one pass's, in one append), then takes them off the
   * queue. An event written before (a crash before its entry was removed) is kept once. Should a
   * client's event hold an alert's id already, that alert's event is written under an id of its own.
   */
  async function recordFired(tenantId: string, alerts: readonly AlertRecord[]): Promise<void> {
    if (alerts.length === 0) return;
    try {
      await deps.trail.recordAll(tenantId, alerts.map((a) => firedEntry(a, a.id)));
    } catch (error) {
      if (!isSteleError(error) || error.code !== 'idempotency_conflict') throw error;
      for (const alert of alerts) {
        try {
          await deps.trail.record(tenantId, firedEntry(alert, alert.id));
        } catch (each) {
          if (!isSteleError(each) || each.code !== 'idempotency_conflict') throw each;
          await deps.trail.record(tenantId, { ...firedEntry(alert, undefined), details: { ...alertDetails(alert), event_id_taken: true } });
        }
      }
    }
    for (const alert of alerts) await repository.firedEvents.finish(alert.id);
  }

  /** Queue entries this old are a process's that died before writing the event (a live one takes milliseconds). */
  const UNRECORDED_AFTER_MS = 30_000;
  /** An entry whose alert is still missing this long after it was queued is dropped: its process died before writing the alert. */
  const ORPHAN_AFTER_MS = 60_000;

  /** Alerts whose `alert.fired` event a process may have left unwritten: the worker's queue. */
  async function unrecordedEvents(): Promise<{ tenantId: string; id: string }[]> {
    const before = deps.now() - UNRECORDED_AFTER_MS;
    return (await repository.firedEvents.pending()).filter((entry) => Date.parse(entry.queuedAt) <= before);
  }

  /** The worker's job for one entry (under its lease): the event written if it is missing, the entry removed. */
  async function recordMissingEvent(tenantId: string, id: string): Promise<void> {
    const alert = await repository.getAlert(tenantId, id);
    if (alert) return recordFired(tenantId, [alert]);
    const queuedAt = await repository.firedEvents.queuedAt(id);
    if (queuedAt !== undefined && deps.now() - Date.parse(queuedAt) >= ORPHAN_AFTER_MS) await repository.firedEvents.finish(id);
  }

  async function view(alert: AlertRecord) {
    const delivery = await repository.deliveries.get(alert.tenant_id, alert.id);
    return { ...alert, deliveries: delivery?.attempts ?? alert.deliveries ?? [] };
  }

  async function list(tenantId: string, filter: { state?: string; severity?: string; rule_id?: string; limit?: number }) {
    if (filter.state !== undefined && !(ALERT_STATES as readonly string[]).includes(filter.state)) throw invalid('state', `must be one of ${ALERT_STATES.join(', ')}`);
    if (filter.severity !== undefined && !(SEVERITIES as readonly string[]).includes(filter.severity)) throw invalid('severity', `must be one of ${SEVERITIES.join(', ')}`);
    const all = await repository.listAlerts(tenantId);
    const counts: Record<AlertState, number> = { open: 0, acknowledged: 0, resolved: 0 };
    for (const alert of all) counts[alert.state] += 1;
    const chosen = all.filter((a) => (filter.state === undefined || a.state === filter.state)
      && (filter.severity === undefined || a.severity === (filter.severity as Severity))
      && (filter.rule_id === undefined || a.rule_id === filter.rule_id)).slice(0, filter.limit ?? 100);
    return { alerts: await Promise.all(chosen.map(view)), counts };
  }

  async function get(tenantId: string, id: string) {
    const alert = await repository.getAlert(tenantId, id);
    if (!alert) throw new SteleError('not_found', `No alert with id ${id}.`);
    return view(alert);
  }

  async function setState(tenantId: string, id: string, state: 'acknowledged' | 'resolved', by: Requester) {
    const alert = await repository.getAlert(tenantId, id);
    if (!alert) throw new SteleError('not_found', `No alert with id ${id}.`);
    if (alert.state === 'resolved' && state === 'acknowledged') throw new SteleError('conflict', 'This alert is resolved already.');
    if (alert.state === state) return view(alert);
    const mark = { at: iso(), by: by.actor };
    const updated: AlertRecord = { ...alert, state, ...(state === 'acknowledged' ? { acknowledged: mark } : { resolved: mark }) };
    await repository.updateAlert(updated);
    await deps.trail.record(tenantId, {
      action: state === 'acknowledged' ? 'alert.acknowledged' : 'alert.resolved', ...by,
      target: { type: 'alert', id: alert.id, name: alert.rule_name }, details: alertDetails(updated),
    });
    return view(updated);
  }

  return {
    templates,
    rules, hasNoRules, forgetRules: changed, fire, recordFired, unrecordedEvents, recordMissingEvent,
    create, importSigma, update, remove,
    getRule: async (tenantId: string, id: string) => viewRule(await find(tenantId, id)),
    listRules: async (tenantId: string) => (await repository.listRules(tenantId)).map(viewRule),
    list, get,
    acknowledge: (tenantId: string, id: string, by: Requester) => setState(tenantId, id, 'acknowledged', by),
    resolve: (tenantId: string, id: string, by: Requester) => setState(tenantId, id, 'resolved', by),
    lastFired: repository.lastFired,
  };
}

export type AlertService = ReturnType<typeof createAlertService>;
