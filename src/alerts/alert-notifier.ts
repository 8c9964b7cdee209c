// Notifications of fired alerts, sent by a worker and never by ingest: one delivery record per
// alert (its pending entry is the queue, background/job-queue.ts), run under a lease named after
// the alert so one process sends it. Each action is tried until it is accepted, backing off
// (background/backoff.ts, honouring Retry-After) for up to MAX_ATTEMPTS; every attempt's outcome
// is kept on the delivery record, which the API shows with the alert.
//
// Webhooks are signed per Standard Webhooks (background/standard-webhooks.ts) with the rule's
// secret, under a `webhook-id` that is the alert's id, the same on a retry. Slack gets an
// incoming-webhook message a person can read; e-mail goes through the instance's mailer.

import { backoffDelay } from '../background/backoff.js';
import type { SecretBox } from '../background/secret-box.js';
import { signWebhook } from '../background/standard-webhooks.js';
import type { Mailer } from '../destinations/mailer.js';
import { post } from '../destinations/http-request.js';
import { actionContext, viewAction, type AlertRule, type StoredAction } from './alert-rule.js';
import type { AlertDelivery, AlertRecord, AlertRepository, DeliveryAttempt } from './alert-repository.js';

export const MAX_ATTEMPTS = 8;
const TIMEOUT_MS = 10_000;
/** A queue entry whose alert is still missing this long after it was queued is dropped. */
const ORPHAN_AFTER_MS = 60_000;

export interface AlertNotifierDeps {
  repository: AlertRepository;
  secrets: SecretBox;
  mailer: Mailer | undefined;
  now: () => number;
  /** Retry waits (tests shorten them). */
  backoff?: { baseMs: number; maxMs: number };
}

export function initialAttempts(rule: AlertRule): DeliveryAttempt[] {
  return rule.actions.map((action, index) => {
    const view = viewAction(action);
    return {
      action: index, type: action.type, to: view.type === 'email' ? view.to.join(',') : view.url,
      state: 'pending', attempts: 0, last_error: null, next_attempt_at: null, sent_at: null,
    };
  });
}

/** What every notification says, as plain text. */
export function alertText(alert: AlertRecord): string {
  const group = alert.group_key === '' ? 'all events' : alert.group_key;
  const lines = [
    `${alert.severity.toUpperCase()} alert: ${alert.rule_name}`,
    `Group: ${group}`,
    alert.window_minutes === null ? `Count: ${alert.count}` : `Count: ${alert.count} within ${alert.window_minutes} minutes`,
  ];
  if (alert.field) lines.push(`Field: ${alert.field.name}${alert.field.value !== undefined ? ` = ${alert.field.value} (first seen)` : ' (distinct values)'}`);
  lines.push(
    `First event: ${alert.first_event.id} at ${alert.first_event.occurred_at}`,
    `Last event: ${alert.last_event.id} at ${alert.last_event.occurred_at}`,
    `Search: ${alert.search}`,
    `Open in Stele: ${alert.link}`,
  );
  return lines.join('\n');
}

export const webhookPayload = (alert: AlertRecord) => ({
  type: 'alert.fired', timestamp: alert.fired_at,
  data: {
    alert_id: alert.id, tenant_id: alert.tenant_id, rule: { id: alert.rule_id, name: alert.rule_name }, severity: alert.severity,
    group_key: alert.group_key, group: alert.group, count: alert.count, window_minutes: alert.window_minutes, field: alert.field,
    first_event: alert.first_event, last_event: alert.last_event, search: alert.search, link: alert.link,
  },
});

const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackPayload(alert: AlertRecord) {
  const text = `${alert.severity.toUpperCase()} alert: ${alert.rule_name} (${alert.group_key || 'all events'})`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(text)}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(alertText(alert).split('\n').slice(1, -1).join('\n')) } },
      { type: 'section', text: { type: 'mrkdwn', text: `<${alert.link}|Open the matching events in Stele>` } },
    ],
  };
}

export function createAlertNotifier(deps: AlertNotifierDeps) {
  const iso = () => new Date(deps.now()).toISOString();

  async function attempt(alert: AlertRecord, action: StoredAction, index: number, signal: AbortSignal): Promise<{ ok: boolean; error?: string; retryAfterMs?: number }> {
    const context = actionContext(alert.tenant_id, alert.rule_id, index);
    switch (action.type) {
      case 'webhook': {
        const body = JSON.stringify(webhookPayload(alert));
        const secret = deps.secrets.open<string>(action.secret, context);
        const headers = { 'content-type': 'application/json', 'user-agent': 'Stele-Alerts', ...(await signWebhook(secret, alert.id, Math.floor(deps.now() / 1000), body)) };
        return post(action.url, { headers, body, signal, timeoutMs: TIMEOUT_MS });
      }
      case 'slack': {
        const url = deps.secrets.open<string>(action.url, context);
        return post(url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(slackPayload(alert)), signal, timeoutMs: TIMEOUT_MS });
      }
      case 'email': {
        if (!deps.mailer) return { ok: false, error: 'this server sends no e-mail (STELE_SMTP_HOST is not set)' };
        try {
          await deps.mailer.send({ to: action.to, subject: `[Stele ${alert.severity}] ${alert.rule_name}: ${alert.group_key || 'all events'}`, text: alertText(alert) });
          return { ok: true };
        } catch (error) {
          return { ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      }
    }
  }

  /** One pass over an alert's deliveries: sends what is due; finishes the job when nothing is left. */
  async function run(tenantId: string, id: string, signal: AbortSignal): Promise<void> {
    const alert = await deps.repository.getAlert(tenantId, id);
    if (!alert) {
      // Queued just before the alert is written: the evaluator may be writing it now, or it died
      // in between (then nothing fired and there is nothing to send).
      const queuedAt = await deps.repository.deliveries.queuedAt(id);
      if (queuedAt === undefined || deps.now() - Date.parse(queuedAt) > ORPHAN_AFTER_MS) await deps.repository.deliveries.finish(id);
      return;
    }
    // Until the worker's first pass, the deliveries are the alert's own (written with it).
    const delivery = await deps.repository.deliveries.get(tenantId, id)
      ?? (alert.deliveries && { id, tenant_id: tenantId, rule_id: alert.rule_id, attempts: alert.deliveries });
    const rule = await deps.repository.getRule(tenantId, alert.rule_id);
    if (!delivery || !rule) {
      // The rule was deleted: what was pending will not be sent, and the alert says so.
      if (delivery) {
        const attempts = delivery.attempts.map((a) => (a.state === 'pending' ? { ...a, state: 'failed' as const, last_error: 'the rule was deleted', next_attempt_at: null } : a));
        await deps.repository.deliveries.save({ ...delivery, attempts });
      }
      await deps.repository.deliveries.finish(id);
      return;
    }
    const attempts = delivery.attempts.map((a) => ({ ...a }));
    for (const entry of attempts) {
      if (signal.aborted) break;
      if (entry.state !== 'pending' || (entry.next_attempt_at !== null && Date.parse(entry.next_attempt_at) > deps.now())) continue;
      const action = rule.actions[entry.action];
      if (!action || action.type !== entry.type) {
        Object.assign(entry, { state: 'failed', last_error: 'the rule no longer has this action', next_attempt_at: null });
        continue;
      }
      const outcome = await attempt(alert, action, entry.action, signal);
      entry.attempts += 1;
      if (outcome.ok) {
        Object.assign(entry, { state: 'sent', sent_at: iso(), next_attempt_at: null, last_error: null });
      } else {
        entry.last_error = outcome.error ?? 'failed';
        if (entry.attempts >= MAX_ATTEMPTS) Object.assign(entry, { state: 'failed', next_attempt_at: null });
        else entry.next_attempt_at = new Date(deps.now() + backoffDelay(entry.attempts, deps.backoff ?? { baseMs: 2000, maxMs: 10 * 60_000 }, outcome.retryAfterMs)).toISOString();
      }
    }
    const updated: AlertDelivery = { ...delivery, attempts };
    await deps.repository.deliveries.save(updated);
    if (attempts.every((a) => a.state !== 'pending')) await deps.repository.deliveries.finish(id);
  }

  return { run };
}
