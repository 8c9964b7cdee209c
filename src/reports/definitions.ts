// What each report says, as data: sections of figures, top-N tables and event listings, each
// selecting its events with the search language (src/query/search/). One definition, two
// evaluators: report-figures.ts compiles it to SQL and the database computes it; offline-figures.ts
// reads it over a package's events in JavaScript, so `stele verify --package` recomputes every
// figure a SOC 2 summary states. Selections never use time terms: the period is applied apart.

import type { EventFieldName } from '../query/aggregation.js';

/** A field to group or count by: a named event field, or `details.<path>` (a scalar in details). */
export type FieldRef = EventFieldName | `details.${string}`;

/** count: matching events; failures: those with success = false; distinct: different values; sum: of an integer in details. */
export type Measure = 'count' | 'failures' | { distinct: FieldRef } | { sum: string };

export interface FigureSpec {
  id: string;
  label: string;
  match: string;
  measure?: Measure;
}

/** A percentage of two figures of the same section (0 when the second is 0). */
export interface RatioSpec {
  id: string;
  label: string;
  numerator: string;
  denominator: string;
}

export interface TableSpec {
  id: string;
  title: string;
  match: string;
  by: FieldRef;
  byLabel: string;
  columns: { label: string; measure: Measure }[];
  limit: number;
}

/** The latest value per group as of the end of the period, over all history (current roles). */
export interface LatestSpec {
  id: string;
  title: string;
  match: string;
  by: FieldRef;
  byLabel: string;
  /** The first of these present is the value. */
  value: FieldRef[];
  valueLabel: string;
  limit: number;
}

export interface ListingSpec {
  title: string;
  match: string;
  limit: number;
}

export interface SectionSpec {
  id: string;
  title: string;
  description: string;
  /** The section's events (a SOC 2 package lists them in the section's CSV). */
  match: string;
  figures: FigureSpec[];
  ratios?: RatioSpec[];
  tables?: TableSpec[];
  latest?: LatestSpec;
  listing?: ListingSpec;
}

export const REPORT_TYPES = ['user_access', 'login_activity', 'permission_changes', 'data_access', 'admin_actions', 'security_events'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];
export type PackageType = 'soc2';

export interface ReportSpec {
  type: ReportType | PackageType;
  title: string;
  description: string;
  sections: SectionSpec[];
}

const all = (...parts: string[]) => parts.map((p) => `(${p})`).join(' AND ');
const any = (...parts: string[]) => parts.map((p) => `(${p})`).join(' OR ');

// The seed taxonomies' names for the same things (login_success, login.failed, user.login_succeeded, SignIn ...).
export const LOGINS = all('category:authentication', any('action:*login*', 'action:*Login*', 'action:*signin*', 'action:*SignIn*', 'action:*sign_in*'), 'success:*');
export const MFA = all('category:authentication', any('action:*mfa*', 'action:*MFA*', 'action:*2fa*', 'action:*otp*', 'details.mfa:true'));
export const ACCESS_CHANGES = any('category:authorization', 'action:member.*', 'action:user.created', 'action:user.updated', 'action:user.deleted');
// A refused change gave nobody a role.
export const ROLE_HOLDERS = all(ACCESS_CHANGES, any('details.to_role:*', 'details.role:*'), 'NOT success:false');
export const ADMIN_GRANTS = any('details.to_role:admin', 'details.to_role:owner', 'details.to_role:org_admin', 'details.to_role:super_admin', 'details.to_role:administrator');
export const DENIED = any('action:access_denied', 'action:*denied*', 'action:*Denied*');
export const READS = all('category:data', any('action:data.accessed', 'action:audit.read', 'action:*read*', 'action:*viewed*', 'action:*download*'));
export const EXPORTS = all('category:data', any('action:audit.exported', 'action:*export*', 'action:*Export*'));
export const ADMINS = any('actor.type:admin', 'actor.role:admin', 'actor.role:org_admin', 'actor.role:super_admin', 'actor.role:owner', 'actor.role:administrator');
export const SECURITY = 'category:security';
export const CHANGES = any('category:configuration', 'category:authorization', 'action:*.created', 'action:*.updated', 'action:*.deleted', 'action:*Created', 'action:*Updated', 'action:*Deleted');
export const EVERYTHING = '';

const count = (id: string, label: string, match: string, measure: Measure = 'count'): FigureSpec => ({ id, label, match, measure });
const byCount = (id: string, title: string, match: string, by: FieldRef, byLabel: string, limit = 10, extra: TableSpec['columns'] = []): TableSpec =>
  ({ id, title, match, by, byLabel, limit, columns: [{ label: 'Events', measure: 'count' }, { label: 'Failures', measure: 'failures' }, ...extra] });

const loginSection: SectionSpec = {
  id: 'logins', title: 'Logins', description: 'Sign-in attempts and their outcome, multi-factor use, and where failures came from.',
  match: LOGINS,
  figures: [
    count('attempts', 'Login attempts', LOGINS),
    count('succeeded', 'Successful logins', all(LOGINS, 'success:true')),
    count('failed', 'Failed logins', all(LOGINS, 'success:false')),
    count('users', 'Users who signed in', all(LOGINS, 'success:true'), { distinct: 'actor' }),
    count('mfa', 'Multi-factor events', MFA),
  ],
  ratios: [{ id: 'failure_rate', label: 'Login failure rate', numerator: 'failed', denominator: 'attempts' }],
  tables: [
    byCount('failing_actors', 'Top failing actors', all(LOGINS, 'success:false'), 'actor', 'Actor'),
    byCount('failing_ips', 'Top failing IP addresses', all(LOGINS, 'success:false'), 'ip', 'IP address'),
  ],
};

const accessSection: SectionSpec = {
  id: 'access', title: 'Access changes', description: 'Who was added, removed or given another role, and by whom; the role each user holds at the end of the period.',
  match: ACCESS_CHANGES,
  figures: [
    count('changes', 'Access changes', ACCESS_CHANGES),
    count('admin_grants', 'Grants of an admin role', all(ACCESS_CHANGES, ADMIN_GRANTS)),
    count('users_changed', 'Users whose access changed', ACCESS_CHANGES, { distinct: 'target' }),
    count('changed_by', 'People who changed access', ACCESS_CHANGES, { distinct: 'actor' }),
    count('failed', 'Refused access changes', all(ACCESS_CHANGES, 'success:false')),
  ],
  tables: [byCount('changers', 'Who changed access', ACCESS_CHANGES, 'actor', 'Actor')],
  latest: { id: 'current_roles', title: 'Roles held at the end of the period', match: ROLE_HOLDERS, by: 'target', byLabel: 'User', value: ['details.to_role', 'details.role'], valueLabel: 'Role', limit: 500 },
  listing: { title: 'Access changes', match: ACCESS_CHANGES, limit: 200 },
};

const permissionSection: SectionSpec = {
  id: 'permissions', title: 'Permission changes', description: 'Every change of a role, permission, grant or policy in the period.',
  match: 'category:authorization',
  figures: [
    count('changes', 'Permission changes', 'category:authorization'),
    count('escalations', 'Escalations to an admin role', all('category:authorization', ADMIN_GRANTS)),
    count('failed', 'Refused changes', all('category:authorization', 'success:false')),
    count('targets', 'Subjects changed', 'category:authorization', { distinct: 'target' }),
    count('actors', 'People who changed permissions', 'category:authorization', { distinct: 'actor' }),
  ],
  tables: [
    byCount('by_action', 'Changes by action', 'category:authorization', 'action', 'Action'),
    byCount('by_actor', 'Changes by actor', 'category:authorization', 'actor', 'Actor'),
  ],
  listing: { title: 'Permission changes', match: 'category:authorization', limit: 500 },
};

const dataSection: SectionSpec = {
  id: 'data', title: 'Data access', description: 'Reads and exports of data, with the rows they returned.',
  match: 'category:data',
  figures: [
    count('reads', 'Reads', READS),
    count('rows_read', 'Rows read', READS, { sum: 'rows' }),
    count('exports', 'Exports', EXPORTS),
    count('rows_exported', 'Rows exported', EXPORTS, { sum: 'row_count' }),
    count('readers', 'People who read or exported', 'category:data', { distinct: 'actor' }),
  ],
  tables: [
    byCount('by_actor', 'Data access by actor', 'category:data', 'actor', 'Actor', 10, [{ label: 'Rows read', measure: { sum: 'rows' } }, { label: 'Rows exported', measure: { sum: 'row_count' } }]),
    byCount('by_action', 'Data access by action', 'category:data', 'action', 'Action'),
  ],
};

const adminSection: SectionSpec = {
  id: 'admin', title: 'Admin actions', description: 'What people with an admin role (and the instance admin) did.',
  match: ADMINS,
  figures: [
    count('actions', 'Admin actions', ADMINS),
    count('failed', 'Failed admin actions', all(ADMINS, 'success:false')),
    count('admins', 'Admins active', ADMINS, { distinct: 'actor' }),
    count('configuration', 'Configuration changes by admins', all(ADMINS, 'category:configuration')),
  ],
  tables: [
    byCount('by_actor', 'Admin actions by actor', ADMINS, 'actor', 'Admin'),
    byCount('by_action', 'Admin actions by action', ADMINS, 'action', 'Action'),
  ],
  listing: { title: 'Admin actions', match: ADMINS, limit: 500 },
};

const securitySection: SectionSpec = {
  id: 'security', title: 'Security events', description: 'Refusals, detections, keys and integrity: the security category of the log.',
  match: SECURITY,
  figures: [
    count('events', 'Security events', SECURITY),
    count('failures', 'Refused or failed', SECURITY, 'failures'),
    count('denied', 'Access denied', all(SECURITY, DENIED)),
    count('brute_force', 'Brute-force detections', 'action:brute_force.detected'),
    count('integrity_alarms', 'Integrity alarms', 'action:integrity.alarm'),
    count('key_changes', 'API key changes', 'action:api_key.*'),
  ],
  tables: [
    byCount('by_action', 'Security events by action', SECURITY, 'action', 'Action'),
    byCount('by_ip', 'Security events by IP address', SECURITY, 'ip', 'IP address'),
    byCount('by_actor', 'Security events by actor', SECURITY, 'actor', 'Actor'),
  ],
  listing: { title: 'Security events', match: SECURITY, limit: 500 },
};

export const REPORTS: Readonly<Record<ReportType, ReportSpec>> = {
  user_access: { type: 'user_access', title: 'User access report', description: 'Who holds which role, and who changed it.', sections: [accessSection] },
  login_activity: { type: 'login_activity', title: 'Login activity report', description: 'Logins, failures, failure rate and multi-factor use.', sections: [loginSection] },
  permission_changes: { type: 'permission_changes', title: 'Permission changes report', description: 'Every change of roles and permissions.', sections: [permissionSection] },
  data_access: { type: 'data_access', title: 'Data access report', description: 'Reads and exports, with row counts.', sections: [dataSection] },
  admin_actions: { type: 'admin_actions', title: 'Admin actions report', description: 'What administrators did.', sections: [adminSection] },
  security_events: { type: 'security_events', title: 'Security events report', description: 'The security events of the period.', sections: [securitySection] },
};

/**
 * The SOC 2 package's summary: the four sections of seed 004, all computed from the period's events
 * alone (no earlier history), so the package's own events are enough to recompute every figure.
 */
export const SOC2: ReportSpec = {
  type: 'soc2',
  title: 'SOC 2 audit evidence',
  description: 'Access control audit, change management log, security event summary and user activity for the period, with the events that back every figure.',
  sections: [
    {
      id: 'access_control', title: 'Access control audit', description: 'Authentication and authorisation: logins and their failures, multi-factor use, refusals and access changes.',
      match: any('category:authentication', 'category:authorization', ACCESS_CHANGES, DENIED),
      figures: [
        count('events', 'Access control events', any('category:authentication', 'category:authorization', ACCESS_CHANGES, DENIED)),
        ...loginSection.figures.filter((f) => f.id !== 'users'),
        count('denied', 'Access denied', DENIED),
        count('access_changes', 'Access changes', ACCESS_CHANGES),
        count('admin_grants', 'Grants of an admin role', all(ACCESS_CHANGES, ADMIN_GRANTS)),
      ],
      ratios: loginSection.ratios!,
      tables: loginSection.tables!,
    },
    {
      id: 'change_management', title: 'Change management log', description: 'Changes to configuration, permissions and resources, and who made them.',
      match: CHANGES,
      figures: [
        count('events', 'Changes', CHANGES),
        count('configuration', 'Configuration changes', 'category:configuration'),
        count('authorization', 'Permission changes', 'category:authorization'),
        count('failed', 'Failed changes', all(CHANGES, 'success:false')),
        count('actors', 'People who made changes', CHANGES, { distinct: 'actor' }),
      ],
      tables: [byCount('by_actor', 'Changes by actor', CHANGES, 'actor', 'Actor'), byCount('by_action', 'Changes by action', CHANGES, 'action', 'Action')],
    },
    {
      id: 'security_events', title: 'Security event summary', description: 'The security category of the log: refusals, detections, keys, integrity.',
      match: SECURITY,
      figures: securitySection.figures,
      tables: securitySection.tables!,
    },
    {
      id: 'user_activity', title: 'User activity', description: 'Everything that happened in the period, by whom.',
      match: EVERYTHING,
      figures: [
        count('events', 'Events', EVERYTHING),
        count('failures', 'Failed events', EVERYTHING, 'failures'),
        count('actors', 'Active actors', EVERYTHING, { distinct: 'actor' }),
        count('reads', 'Reads', READS),
        count('exports', 'Exports', EXPORTS),
      ],
      tables: [byCount('top_actors', 'Most active actors', EVERYTHING, 'actor', 'Actor'), byCount('top_actions', 'Most frequent actions', EVERYTHING, 'action', 'Action')],
    },
  ],
};

export const isReportType = (value: unknown): value is ReportType => (REPORT_TYPES as readonly unknown[]).includes(value);
