// An alert rule as a tenant writes it and as Stele keeps it: a search query, a condition
// (threshold, distinct, first_seen, any), an optional business-hours schedule, severity, cooldown
// and actions. `readRule` checks a request member by member (a 400 naming the field), so a rule
// that is stored always compiles.

import type { SealedSecret, SecretBox } from '../background/secret-box.js';
import { generateWebhookSecret } from '../background/standard-webhooks.js';
import type { SmtpConfig } from '../config.js';
import { SteleError } from '../domain/errors.js';
import type { Actor } from '../domain/event.js';
import { recipientsFrom, requireMail } from '../destinations/mailer.js';
import { parseQuery } from '../query/search/index.js';
import { invalid, isGroupField } from './alert-fields.js';
import { readSchedule, type Schedule } from './alert-schedule.js';

export { invalid };

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Condition =
  | { type: 'threshold'; count: number; window_minutes: number; group_by: string[] }
  | { type: 'distinct'; field: string; count: number; window_minutes: number; group_by: string[] }
  | { type: 'first_seen'; field: string; group_by: string[]; lookback_days: number }
  | { type: 'any'; group_by: string[] };

export const CONDITION_TYPES = ['threshold', 'distinct', 'first_seen', 'any'] as const;

/** As stored: webhook secrets and Slack URLs (which hold their token) sealed. */
export type StoredAction =
  | { type: 'webhook'; url: string; secret: SealedSecret }
  | { type: 'slack'; url_masked: string; url: SealedSecret }
  | { type: 'email'; to: string[] };

/** As shown: never a secret. */
export type ActionView = { type: 'webhook'; url: string } | { type: 'slack'; url: string } | { type: 'email'; to: string[] };

export interface AlertRule extends RuleFields {
  id: string;
  tenant_id: string;
  actions: StoredAction[];
  /** Where the rule came from: a template's name, or a Sigma rule's title and id. */
  source: { template?: string; sigma?: { title: string; id?: string } } | null;
  created_at: string;
  updated_at: string;
  created_by: Actor;
}

const MAX_WINDOW_MINUTES = 7 * 24 * 60;
const MAX_LOOKBACK_DAYS = 365;

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(field, `must be a whole number from ${min} to ${max}`);
  return value;
}

function groupBy(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 4 || !value.every((v) => typeof v === 'string' && isGroupField(v))) {
    throw invalid(field, 'must be up to 4 fields such as actor.id, ip, location, user_agent, target.id or details.<path>');
  }
  return [...new Set(value as string[])];
}

function fieldName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isGroupField(value)) throw invalid(field, 'must be a field such as actor.id, ip, location, user_agent or details.<path>');
  return value;
}

const ALLOWED: Record<Condition['type'], string[]> = {
  threshold: ['type', 'count', 'window_minutes', 'group_by'],
  distinct: ['type', 'field', 'count', 'window_minutes', 'group_by'],
  first_seen: ['type', 'field', 'group_by', 'lookback_days'],
  any: ['type', 'group_by'],
};

export function readCondition(value: unknown): Condition {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('condition', `must be an object with type ${CONDITION_TYPES.join(', ')}`);
  const c = value as Record<string, unknown>;
  if (typeof c.type !== 'string' || !(CONDITION_TYPES as readonly string[]).includes(c.type)) throw invalid('condition.type', `must be one of ${CONDITION_TYPES.join(', ')}`);
  const type = c.type as Condition['type'];
  const extra = Object.keys(c).find((key) => !ALLOWED[type].includes(key));
  if (extra) throw invalid(`condition.${extra}`, `is not a member of a ${type} condition`);
  const group_by = groupBy(c.group_by, 'condition.group_by');
  switch (type) {
    case 'threshold':
      return { type, count: integerIn(c.count, 'condition.count', 1, 1_000_000), window_minutes: integerIn(c.window_minutes, 'condition.window_minutes', 1, MAX_WINDOW_MINUTES), group_by };
    case 'distinct':
      return {
        type, field: fieldName(c.field, 'condition.field'), count: integerIn(c.count, 'condition.count', 1, 100_000),
        window_minutes: integerIn(c.window_minutes, 'condition.window_minutes', 1, MAX_WINDOW_MINUTES), group_by,
      };
    case 'first_seen':
      return { type, field: fieldName(c.field, 'condition.field'), group_by, lookback_days: integerIn(c.lookback_days ?? 30, 'condition.lookback_days', 1, MAX_LOOKBACK_DAYS) };
    case 'any':
      return { type, group_by };
  }
}

function readQuery(value: unknown): string {
  if (typeof value !== 'string') throw invalid('query', 'must be a search-language query (see GET /v1/events/filters)');
  try {
    parseQuery(value);
  } catch (error) {
    if (error instanceof SteleError) throw new SteleError('invalid_query', `query: ${error.message}`, [{ field: 'query', message: error.message }], error.extra);
    throw error;
  }
  return value;
}

const URL_PATTERN = /^https?:\/\/[^\s/?#]+([/?#]\S*)?$/i;

export interface ActionDeps {
  secrets: SecretBox;
  smtp: SmtpConfig | undefined;
}

/** Context a rule's sealed secrets are bound to. */
export const actionContext = (tenantId: string, ruleId: string, index: number) => `alert-rule:${tenantId}:${ruleId}:${index}`;

/**
 * Checks and seals the actions. A webhook without a secret gets one, returned in `shown` once.
 * `previous`: the stored actions, so a webhook whose URL stays keeps its secret and a Slack URL sent
 * back masked keeps its value.
 */
export function readActions(value: unknown, deps: ActionDeps, tenantId: string, ruleId: string, previous: StoredAction[] = []): { actions: StoredAction[]; shown: string[] } {
  if (value === undefined) return { actions: [], shown: [] };
  if (!Array.isArray(value) || value.length > 10) throw invalid('actions', 'must be a list of up to 10 actions: {type: webhook|slack|email, ...}');
  const shown: string[] = [];
  const actions = value.map((raw, index): StoredAction => {
    const field = `actions[${index}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(field, 'must be an object');
    const action = raw as Record<string, unknown>;
    const context = actionContext(tenantId, ruleId, index);
    switch (action.type) {
      case 'webhook': {
        if (typeof action.url !== 'string' || action.url.length > 2048 || !URL_PATTERN.test(action.url)) throw invalid(`${field}.url`, 'must be an http(s) URL');
        const kept = previous.find((p): p is Extract<StoredAction, { type: 'webhook' }> => p.type === 'webhook' && p.url === action.url);
        let secret: string;
        if (typeof action.secret === 'string') {
          if (!/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/.test(action.secret)) throw invalid(`${field}.secret`, 'must be a whsec_ secret (24 to 64 bytes in base64)');
          secret = action.secret;
        } else if (kept) {
          secret = deps.secrets.open<string>(kept.secret, actionContext(tenantId, ruleId, previous.indexOf(kept)));
        } else {
          secret = generateWebhookSecret();
          shown.push(secret);
        }
        return { type: 'webhook', url: action.url, secret: deps.secrets.seal(secret, context) };
      }
      case 'slack': {
        if (typeof action.url !== 'string') throw invalid(`${field}.url`, 'must be a Slack incoming-webhook URL');
        const kept = previous.find((p): p is Extract<StoredAction, { type: 'slack' }> => p.type === 'slack' && p.url_masked === action.url);
        const url = kept ? deps.secrets.open<string>(kept.url, actionContext(tenantId, ruleId, previous.indexOf(kept))) : action.url;
        if (url.length > 2048 || !URL_PATTERN.test(url)) throw invalid(`${field}.url`, 'must be an http(s) URL (a Slack incoming webhook)');
        return { type: 'slack', url_masked: maskUrl(url), url: deps.secrets.seal(url, context) };
      }
      case 'email': {
        requireMail(deps.smtp, `${field}.to`);
        return { type: 'email', to: recipientsFrom(action.to, `${field}.to`) };
      }
      default:
        throw invalid(`${field}.type`, 'must be webhook, slack or email');
    }
  });
  return { actions, shown };
}

/** A Slack URL holds its token in the path: show the host and the last four characters. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/••••${url.slice(-4)}`;
  } catch {
    return `••••${url.slice(-4)}`;
  }
}

export const viewAction = (action: StoredAction): ActionView =>
  action.type === 'webhook' ? { type: 'webhook', url: action.url } : action.type === 'slack' ? { type: 'slack', url: action.url_masked } : { type: 'email', to: action.to };

export interface RuleFields {
  name: string;
  query: string;
  condition: Condition;
  schedule: Schedule | null;
  severity: Severity;
  cooldown_minutes: number;
  enabled: boolean;
}

const RULE_MEMBERS = ['name', 'query', 'condition', 'schedule', 'severity', 'cooldown_minutes', 'enabled', 'actions'];

/** Everything but the actions, checked. */
export function readRuleFields(body: Record<string, unknown>): RuleFields {
  const extra = Object.keys(body).find((key) => !RULE_MEMBERS.includes(key));
  if (extra) throw invalid(extra, 'is not a member of an alert rule');
  const { name } = body;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) throw invalid('name', 'must be 1 to 200 printable characters');
  if (typeof body.severity !== 'string' || !(SEVERITIES as readonly string[]).includes(body.severity)) throw invalid('severity', `must be one of ${SEVERITIES.join(', ')}`);
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw invalid('enabled', 'must be true or false');
  return {
    name: name.trim(),
    query: readQuery(body.query),
    condition: readCondition(body.condition),
    schedule: body.schedule === undefined || body.schedule === null ? null : readSchedule(body.schedule),
    severity: body.severity as Severity,
    cooldown_minutes: body.cooldown_minutes === undefined ? 60 : integerIn(body.cooldown_minutes, 'cooldown_minutes', 0, 30 * 24 * 60),
    enabled: body.enabled ?? true,
  };
}
