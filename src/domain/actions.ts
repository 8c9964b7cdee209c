// The built-in action registry: maps an event's action to its category. Exact names from the
// seed taxonomies first, then word rules, so `login_success`, `login.failed`, `RuleCreated` and
// `permission_change` all land where an analyst would look for them.

export const CATEGORIES = [
  'authentication', 'authorization', 'team', 'resource', 'data', 'configuration',
  'security', 'payment', 'device', 'job', 'custom',
] as const;
export type Category = (typeof CATEGORIES)[number];

const EXACT: Record<string, Category> = {
  access_denied: 'security',
  rate_limit_exceeded: 'security',
  'brute_force.detected': 'security',
  'audit.read': 'data',
  'audit.exported': 'data',
  'audit.deleted': 'data',
};

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

export function categoryOf(action: string): Category {
  const exact = EXACT[action];
  if (exact) return exact;
  const parts = words(action);
  for (const [pattern, category] of WORD_RULES) {
    if (parts.some((w) => pattern.test(w))) return category;
  }
  return 'custom';
}
