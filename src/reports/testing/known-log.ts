// A small log whose report figures are known by hand: who logged in and failed, whose role
// changed, what was read and exported, what admins did, what security events happened, in May
// 2026, plus one event before and one after the period. Tests send it (through the store or the
// API) and check every report's figures against EXPECTED.

import type { JsonObject } from '../../domain/event.js';

const at = (day: number, hour = 9, minute = 0) => new Date(Date.UTC(2026, 4, day, hour, minute)).toISOString();
const alice = { id: 'alice', email: 'alice@example.com', type: 'user' };
const aliceAdmin = { ...alice, role: 'admin' };
const bob = { id: 'bob', email: 'bob@example.com', type: 'user' };
const carol = { id: 'carol', email: 'carol@example.com', type: 'user' };
const eve = { id: 'eve', email: 'eve@example.com', type: 'user', role: 'viewer' };
const user = (id: string) => ({ type: 'user', id });
const inside = { ip: '10.0.0.1' };
const outside = { ip: '203.0.113.9' };

export const PERIOD = { from: '2026-05-01T00:00:00.000Z', to: '2026-06-01T00:00:00.000Z' };

export interface KnownEvent {
  id: string;
  action: string;
  occurred_at: string;
  actor?: Record<string, string>;
  target?: Record<string, string>;
  context?: Record<string, string>;
  success?: boolean;
  details?: JsonObject;
}

const list: Omit<KnownEvent, 'id'>[] = [
  // Before the period: frank became an editor. Counts only for the roles held at its end.
  { action: 'member.role_changed', occurred_at: '2026-04-20T10:00:00.000Z', actor: aliceAdmin, target: user('frank'), success: true, details: { from_role: 'viewer', to_role: 'editor' } },
  // Logins: alice 3 + 1 failed, bob 1 + 2 failed, eve 3 failed; alice's MFA twice; a logout.
  ...[1, 2, 3].map((d) => ({ action: 'user.login_succeeded', occurred_at: at(d), actor: alice, context: inside, success: true })),
  { action: 'user.login_failed', occurred_at: at(4), actor: alice, context: inside, success: false, details: { reason: 'bad password' } },
  { action: 'user.login_succeeded', occurred_at: at(3, 10), actor: bob, context: outside, success: true },
  ...[5, 6].map((d) => ({ action: 'user.login_failed', occurred_at: at(d, 11), actor: bob, context: outside, success: false })),
  ...[7, 8, 9].map((d) => ({ action: 'user.login_failed', occurred_at: at(d, 23, 59), actor: eve, context: outside, success: false })),
  ...[1, 2].map((d) => ({ action: 'user.mfa_verified', occurred_at: at(d, 9, 1), actor: alice, context: inside, success: true })),
  { action: 'user.logout', occurred_at: at(3, 18), actor: alice, success: true },
  // Access: alice invites dave, changes bob twice and carol once; eve tries to make herself admin.
  { action: 'member.invited', occurred_at: at(2, 12), actor: aliceAdmin, target: user('dave'), success: true, details: { role: 'viewer' } },
  { action: 'member.role_changed', occurred_at: at(5, 12), actor: aliceAdmin, target: user('bob'), success: true, details: { from_role: 'viewer', to_role: 'editor' } },
  { action: 'member.role_changed', occurred_at: at(6, 12), actor: aliceAdmin, target: user('carol'), success: true, details: { from_role: 'viewer', to_role: 'admin' } },
  { action: 'member.role_changed', occurred_at: at(10, 12), actor: aliceAdmin, target: user('bob'), success: true, details: { from_role: 'editor', to_role: 'admin' } },
  { action: 'member.role_changed', occurred_at: at(12, 12), actor: eve, target: user('eve'), context: outside, success: false, details: { from_role: 'viewer', to_role: 'admin' } },
  { action: 'policy.updated', occurred_at: at(13, 12), actor: aliceAdmin, target: { type: 'policy', id: 'policy-1', name: 'Password policy' }, success: true, details: { before: { min_length: 8 }, after: { min_length: 12 } } },
  // Configuration by the admin, one of them refused.
  { action: 'settings.changed', occurred_at: at(14), actor: aliceAdmin, target: { type: 'settings', id: 'retention' }, success: true, details: { from_days: 90, to_days: 365 } },
  { action: 'settings.updated', occurred_at: at(15), actor: aliceAdmin, target: { type: 'settings', id: 'sso' }, success: false },
  // Data: bob reads 100 and 50 rows, carol 200, bob downloads a document, carol exports 1,000 rows.
  { action: 'data.accessed', occurred_at: at(16), actor: bob, success: true, details: { view: 'list', rows: 100 } },
  { action: 'data.accessed', occurred_at: at(17), actor: bob, success: true, details: { view: 'search', rows: 50 } },
  { action: 'data.accessed', occurred_at: at(17, 10), actor: carol, success: true, details: { view: 'list', rows: 200 } },
  { action: 'document.downloaded', occurred_at: at(18), actor: bob, target: { type: 'document', id: 'doc-7' }, success: true },
  { action: 'audit.exported', occurred_at: at(19), actor: carol, success: true, details: { kind: 'download', format: 'csv', row_count: 1000 } },
  // Security: eve refused twice, a brute-force detection, a key made, an integrity alarm.
  ...[20, 21].map((d) => ({ action: 'access_denied', occurred_at: at(d), actor: eve, context: outside, success: false, details: { required_scope: 'audit:export' } })),
  { action: 'brute_force.detected', occurred_at: at(22), actor: { id: 'stele', type: 'system' }, context: outside, success: false, details: { failures: 5 } },
  { action: 'api_key.created', occurred_at: at(23), actor: aliceAdmin, target: { type: 'api_key', id: 'key-1', name: 'ci' }, success: true },
  { action: 'integrity.alarm', occurred_at: at(24), actor: { id: 'stele', type: 'system' }, target: { type: 'log', id: 't' }, success: false, details: { kind: 'truncated' } },
  // After the period: not counted anywhere.
  { action: 'user.login_failed', occurred_at: '2026-06-02T09:00:00.000Z', actor: eve, context: outside, success: false },
];

export const KNOWN_EVENTS: KnownEvent[] = list.map((event, i) => ({ id: `known-${String(i).padStart(2, '0')}`, ...event }));

/** The figures every report must state for PERIOD, by report type, section and figure id. */
export const EXPECTED: Record<string, Record<string, Record<string, number>>> = {
  login_activity: { logins: { attempts: 10, succeeded: 4, failed: 6, users: 2, mfa: 2, failure_rate: 60 } },
  user_access: { access: { changes: 6, admin_grants: 3, users_changed: 5, changed_by: 2, failed: 1 } },
  permission_changes: { permissions: { changes: 5, escalations: 3, failed: 1, targets: 4, actors: 2 } },
  data_access: { data: { reads: 4, rows_read: 350, exports: 1, rows_exported: 1000, readers: 2 } },
  admin_actions: { admin: { actions: 8, failed: 1, admins: 1, configuration: 2 } },
  security_events: { security: { events: 5, failures: 4, denied: 2, brute_force: 1, integrity_alarms: 1, key_changes: 1 } },
  soc2: {
    access_control: { attempts: 10, failed: 6, failure_rate: 60, denied: 2, access_changes: 6, admin_grants: 3, mfa: 2 },
    change_management: { configuration: 2, authorization: 5 },
    security_events: { events: 5, denied: 2 },
    user_activity: { events: 31, failures: 12, actors: 5 },
  },
};

/** Tables whose rows are known too. */
export const EXPECTED_TABLES: Record<string, Record<string, (string | number)[][]>> = {
  login_activity: {
    failing_actors: [['eve', 3, 3], ['bob', 2, 2], ['alice', 1, 1]],
    failing_ips: [['203.0.113.9', 5, 5], ['10.0.0.1', 1, 1]],
  },
  user_access: {
    current_roles: [['bob', 'admin', 'alice@example.com', '2026-05-10 12:00:00'], ['carol', 'admin', 'alice@example.com', '2026-05-06 12:00:00'],
      ['dave', 'viewer', 'alice@example.com', '2026-05-02 12:00:00'], ['frank', 'editor', 'alice@example.com', '2026-04-20 10:00:00']],
  },
  data_access: { by_actor: [['bob', 3, 0, 150, 0], ['carol', 2, 0, 200, 1000]] },
};
