// The built-in action registry: maps an event's action to its category. Exact names from the
// seed taxonomies (seed-taxonomy.ts) and Stele's own actions first, then word rules, so
// `login_success`, `login.failed`, `RuleCreated` and `permission_change` all land where an
// analyst would look for them.

import { SEED_ACTION_CATEGORIES } from './seed-taxonomy.js';

export const CATEGORIES = [
  'authentication', 'authorization', 'team', 'resource', 'data', 'configuration',
  'security', 'payment', 'device', 'job', 'custom',
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * The actions Stele records about itself (src/audit-trail/README.md lists each with its fields).
 * The audit trail accepts only these, so a feature that audits a new change registers it here.
 */
export const SELF_AUDIT_ACTIONS = {
  'tenant.created': 'configuration',
  'api_key.created': 'security',
  'api_key.revoked': 'security',
  'user.created': 'team',
  'user.updated': 'team',
  'user.login_succeeded': 'authentication',
  'user.login_failed': 'authentication',
  'user.logged_out': 'authentication',
  'authentication.failed': 'authentication',
  'saved_search.created': 'configuration',
  'saved_search.updated': 'configuration',
  'saved_search.deleted': 'configuration',
  'export_schedule.created': 'configuration',
  'export_schedule.deleted': 'configuration',
  'export_job.created': 'data',
  'viewer_token.created': 'security',
  'viewer_token.revoked': 'security',
  'settings.changed': 'configuration',
  'data.accessed': 'data',
  access_denied: 'security',
  rate_limit_exceeded: 'security',
  'brute_force.detected': 'security',
  'integrity.alarm': 'security',
  'audit.exported': 'data',
  'audit.export_deleted': 'data',
  'audit.deleted': 'data',
  'audit.erased': 'data',
  'retention.changed': 'configuration',
  'retention.purged': 'data',
  'legal_hold.set': 'configuration',
  'legal_hold.lifted': 'configuration',
  'redaction.changed': 'configuration',
  'report.requested': 'data',
  'report.generated': 'data',
  'report_schedule.created': 'configuration',
  'report_schedule.deleted': 'configuration',
  'event_type.created': 'configuration',
  'event_type.updated': 'configuration',
  'event_type.deleted': 'configuration',
  'event_type.policy_changed': 'configuration',
  'stream.created': 'configuration',
  'stream.updated': 'configuration',
  'stream.deleted': 'configuration',
  'stream.paused': 'configuration',
  'stream.resumed': 'configuration',
  'stream.replayed': 'configuration',
  'stream.failing': 'security',
  'stream.recovered': 'security',
  'stream.disabled': 'security',
  'alert_rule.created': 'configuration',
  'alert_rule.updated': 'configuration',
  'alert_rule.deleted': 'configuration',
  'alert.fired': 'security',
  'alert.acknowledged': 'security',
  'alert.resolved': 'security',
} as const satisfies Record<string, Category>;

export type SelfAuditAction = keyof typeof SELF_AUDIT_ACTIONS;

const EXACT: Record<string, Category> = {
  ...SEED_ACTION_CATEGORIES,
  ...SELF_AUDIT_ACTIONS,
  'audit.read': 'data',
};

/** True for an action the registry names (a seed action or Stele's own), as opposed to one matched by a word rule. */
export const isRegisteredAction = (action: string): boolean => Object.hasOwn(EXACT, action);

// Checked in order against the action split into lower-case words (camelCase, `.`, `_`, `-`, `:`, `/`).
const WORD_RULES: readonly [RegExp, Category][] = [
  [/^(login|logout|signin|signout|sign_in|sign_out|auth|authentication|session|mfa|2fa|otp|sso|password|passkey)$/, 'authentication'],
  [/^(permission|permissions|role|roles|authorization|grant|revoke|privilege|acl|policy)$/, 'authorization'],
  [/^(member|members|team|teams|invite|invitation|organization|org|group|user)$/, 'team'],
  [/^(payment|invoice|billing|subscription|charge|refund|card|plan)$/, 'payment'],
  [/^(device|devices|mobile)$/, 'device'],
  [/^(job|jobs|cron|task|schedule|workflow)$/, 'job'],
  [/^(security|threat|alert|firewall|key|apikey|api_key|token|secret|certificate)$/, 'security'],
  [/^(export|exported|download|downloaded|data|read|viewed|query|report|file)$/, 'data'],
  [/^(setting|settings|config|configuration|feature|flag|integration|webhook|rule)$/, 'configuration'],
  [/^(created|updated|deleted|create|update|delete|archived|restored|resource|record)$/, 'resource'],
];

function words(action: string): string[] {
  return action
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s._:\-/]+/)
    .filter(Boolean);
}

// Actions repeat: each one's category is worked out once. A client sending ever new actions only
// refills the cache, whose bound keeps it small.
const categories = new Map<string, Category>();
const CATEGORIES_KEPT = 10_000;

export function categoryOf(action: string): Category {
  let category = categories.get(action);
  if (category === undefined) {
    category = categoryByRules(action);
    if (categories.size >= CATEGORIES_KEPT) categories.clear();
    categories.set(action, category);
  }
  return category;
}

function categoryByRules(action: string): Category {
  // Own members only: `constructor` or `toString` is an action like any other, not Object's.
  if (Object.hasOwn(EXACT, action)) return EXACT[action]!;
  const parts = words(action);
  for (const [pattern, category] of WORD_RULES) {
    if (parts.some((w) => pattern.test(w))) return category;
  }
  return 'custom';
}
