// Alerts as records (store/port.ts), each with one writer, as streams do:
// - `alert_rule`: what the tenant asked for. Written by the API.
// - `alert`: one fired alert. Created by the evaluator with an id derived from rule, group and
//   period, so `insertRecord` returning false is "another process fired it" (exactly once);
//   afterwards written by the API only (acknowledge, resolve).
// - `alert_delivery_pending`: the worker's queue (background/job-queue.ts), one instance-wide entry
//   per alert with actions, written by the evaluator just BEFORE the alert, which holds its
//   deliveries as pending: the alert and its notifications are one write, so a process killed in
//   between leaves at worst a queue entry without an alert (the worker drops it), never an alert
//   whose notifications nobody sends.
// - `alert_delivery`: where each notification stands once the worker has tried it (until then the
//   alert's own `deliveries`). Written by the worker holding the alert's lease.
// - `alert_cooldown`: when a rule last fired for a group, and which alert claimed it. Written by the
//   evaluator, by compare-and-set, before the alert (alert-service.ts, claimCooldown).
// - `alert_event_pending`: an instance-wide entry per alert whose `alert.fired` event may not be in
//   the log yet, written by the evaluator just BEFORE the alert and removed once the event is
//   committed. The event's id is the alert's id and its content comes from the alert alone, so
//   writing it again is a no-op (ingest's idempotent resend): the worker writes the events of
//   entries a process left behind (alert-service.ts, recordMissingEvents), and none is lost or doubled.

import { createJobQueue } from '../background/job-queue.js';
import type { Actor, JsonObject } from '../domain/event.js';
import type { Store } from '../store/port.js';
import type { AlertRule, Severity } from './alert-rule.js';

export type AlertState = 'open' | 'acknowledged' | 'resolved';
export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;

/** A rule group's cooldown: the firing that holds it (records written before claims have only `at`). */
export interface CooldownClaim {
  /** The firing's time (ms): the cooldown counts from it. */
  at: number;
  alert_id?: string;
  /** When the claim was made (ms, wall clock). */
  claimed_at?: number;
}

export interface EventRef {
  id: string;
  seq: number;
  occurred_at: string;
}

export interface AlertRecord {
  id: string;
  tenant_id: string;
  rule_id: string;
  rule_name: string;
  severity: Severity;
  state: AlertState;
  condition_type: AlertRule['condition']['type'];
  /** The group's values by field (`{"actor.id": "u_1"}`); empty for a rule without group_by. */
  group: Record<string, string>;
  /** The same as one text: `actor.id=u_1`. */
  group_key: string;
  count: number;
  window_minutes: number | null;
  /** For distinct and first_seen: the field and (first_seen) its new value. */
  field: { name: string; value?: string } | null;
  first_event: EventRef;
  last_event: EventRef;
  /** The search (GET /v1/events?q=) that shows the matching events. */
  search: string;
  /** The dashboard's audit log with that search. */
  link: string;
  fired_at: string;
  /** The deliveries as they were when the alert fired (all pending); progress is on `alert_delivery`. */
  deliveries?: DeliveryAttempt[];
  acknowledged: { at: string; by: Actor } | null;
  resolved: { at: string; by: Actor } | null;
}

export interface DeliveryAttempt {
  /** The action's place in the rule's actions. */
  action: number;
  type: 'webhook' | 'slack' | 'email';
  /** Where it goes, as shown (a Slack URL masked). */
  to: string;
  state: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  sent_at: string | null;
}

export interface AlertDelivery {
  id: string;
  tenant_id: string;
  rule_id: string;
  attempts: DeliveryAttempt[];
}

export function createAlertRepository(store: Store, now: () => number) {
  const stamp = () => new Date(now()).toISOString();
  const ruleKey = (tenantId: string, id: string) => ({ kind: 'alert_rule', tenantId, id });
  const alertKey = (tenantId: string, id: string) => ({ kind: 'alert', tenantId, id });
  const cooldownKey = (tenantId: string, id: string) => ({ kind: 'alert_cooldown', tenantId, id });
  const cooldown = async (tenantId: string, id: string) => (await store.getRecord<CooldownClaim>(cooldownKey(tenantId, id)))?.body;
  const deliveries = createJobQueue<AlertDelivery>(store, now, { job: 'alert_delivery', pending: 'alert_delivery_pending' });
  // Only the queue of this one is used (enqueue, pending, queuedAt, finish): its "job" is the alert.
  const firedEvents = createJobQueue<AlertRecord>(store, now, { job: 'alert', pending: 'alert_event_pending' });
  return {
    insertRule: (rule: AlertRule) => store.insertRecord(ruleKey(rule.tenant_id, rule.id), rule, stamp()),
    updateRule: (rule: AlertRule) => store.updateRecord(ruleKey(rule.tenant_id, rule.id), rule, stamp()),
    getRule: async (tenantId: string, id: string) => (await store.getRecord<AlertRule>(ruleKey(tenantId, id)))?.body,
    listRules: async (tenantId: string) => (await store.listRecords<AlertRule>('alert_rule', tenantId, 10_000)).map((r) => r.body),
    deleteRule: (tenantId: string, id: string) => store.deleteRecord(ruleKey(tenantId, id)),

    /** False when the alert exists already: another process (or an earlier pass) fired it. */
    insertAlert: (alert: AlertRecord) => store.insertRecord(alertKey(alert.tenant_id, alert.id), alert, alert.fired_at),
    updateAlert: (alert: AlertRecord) => store.updateRecord(alertKey(alert.tenant_id, alert.id), alert, stamp()),
    getAlert: async (tenantId: string, id: string) => (await store.getRecord<AlertRecord>(alertKey(tenantId, id)))?.body,
    /** The tenant's latest 10,000, newest first. */
    listAlerts: async (tenantId: string) => (await store.listRecords<AlertRecord>('alert', tenantId, 10_000, 'newest')).map((r) => r.body),

    cooldown,
    lastFired: async (tenantId: string, id: string): Promise<number | undefined> => (await cooldown(tenantId, id))?.at,
    /** Writes a group's cooldown if it still holds `expected` (none: if there is none); false when another process wrote first. */
    replaceCooldown: (tenantId: string, id: string, expected: CooldownClaim | undefined, claim: CooldownClaim): Promise<boolean> =>
      expected ? store.updateRecordIf(cooldownKey(tenantId, id), claim, stamp(), expected) : store.insertRecord(cooldownKey(tenantId, id), claim, stamp()),
    deliveries,
    firedEvents,
  };
}

export type AlertRepository = ReturnType<typeof createAlertRepository>;

/** What alert.* events say about an alert. */
export const alertDetails = (alert: AlertRecord): JsonObject => ({
  alert_id: alert.id, rule_id: alert.rule_id, rule_name: alert.rule_name, severity: alert.severity, group: alert.group,
  count: alert.count, window_minutes: alert.window_minutes, first_event_id: alert.first_event.id, last_event_id: alert.last_event.id,
  ...(alert.field && { field: alert.field }),
});
