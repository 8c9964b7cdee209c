// The shapes /v1/alert-rules and /v1/alerts answer with (src/alerts/alert-routes.ts).

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface Condition {
  type: 'threshold' | 'distinct' | 'first_seen' | 'any';
  count?: number;
  window_minutes?: number;
  group_by?: string[];
  field?: string;
  lookback_days?: number;
}

export interface Action {
  type: 'webhook' | 'slack' | 'email';
  url?: string;
  to?: string[];
}

export interface AlertRule {
  id: string;
  name: string;
  query: string;
  condition: Condition;
  schedule: { timezone: string; days?: string[]; from: string; to: string; outside?: boolean } | null;
  severity: Severity;
  cooldown_minutes: number;
  enabled: boolean;
  actions: Action[];
  source: { template?: string; sigma?: { title: string; id?: string } } | null;
  webhook_secrets?: string[];
}

export interface Template {
  name: string;
  title: string;
  description: string;
}

export interface Delivery {
  type: 'webhook' | 'slack' | 'email';
  to: string;
  state: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
}

export interface Alert {
  id: string;
  rule_id: string;
  rule_name: string;
  severity: Severity;
  state: 'open' | 'acknowledged' | 'resolved';
  group_key: string;
  count: number;
  window_minutes: number | null;
  field: { name: string; value?: string } | null;
  first_event: { id: string; occurred_at: string };
  last_event: { id: string; occurred_at: string };
  search: string;
  fired_at: string;
  deliveries: Delivery[];
}

export interface AlertList {
  alerts: Alert[];
  counts: { open: number; acknowledged: number; resolved: number };
}

/** The dashboard's audit log with an alert's search: the matching events. */
export const eventsLink = (search: string) => `/?${new URLSearchParams({ q: search, range: 'custom' }).toString()}`;

/** What a condition means, in words. */
export function describeCondition(c: Condition): string {
  const per = c.group_by && c.group_by.length > 0 ? ` per ${c.group_by.join(' + ')}` : '';
  switch (c.type) {
    case 'threshold': return `${c.count} or more within ${c.window_minutes} min${per}`;
    case 'distinct': return `${c.count} distinct ${c.field} within ${c.window_minutes} min${per}`;
    case 'first_seen': return `a new ${c.field}${per} (not seen in ${c.lookback_days} days)`;
    case 'any': return `every match${per}`;
  }
}
