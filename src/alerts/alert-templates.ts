// Built-in rules for what every product's audit log should watch. A template is the body of a
// rule without actions; `POST /v1/alert-rules {template, ...overrides}` merges the overrides over it.
// "New location" is first-seen of the country (geo.country) when the instance has a GeoIP database
// (STELE_GEOIP_DATABASE), of the client's own context.location otherwise.

import type { Condition, Severity } from './alert-rule.js';
import type { Schedule } from './alert-schedule.js';

export interface AlertTemplate {
  name: string;
  title: string;
  description: string;
  rule: { name: string; query: string; condition: Condition; schedule?: Schedule; severity: Severity; cooldown_minutes: number };
}

const LOGINS = 'action:*login*';

const newLocation = (field: 'country' | 'location', description: string): AlertTemplate => ({
  name: 'new_location', title: 'New location', description,
  rule: { name: 'New location', query: `${LOGINS} success:true -action:*fail*`, condition: { type: 'first_seen', field, group_by: ['actor.id'], lookback_days: 30 }, severity: 'medium', cooldown_minutes: 0 },
});

const NEW_LOCATION = newLocation('location',
  'A successful login from a location (context.location, as the client reported it) the user has not logged in from in 30 days. With a GeoIP database (STELE_GEOIP_DATABASE) this template uses the country of the address instead.');

const NEW_COUNTRY = newLocation('country',
  'A successful login from a country the user has not logged in from in 30 days (geo.country: the country of context.ip, looked up by the server in its GeoIP database).');

/** The templates without a GeoIP database. */
export const TEMPLATES: readonly AlertTemplate[] = [
  {
    name: 'brute_force', title: 'Brute force',
    description: '5 failed logins within 10 minutes for one user.',
    rule: { name: 'Brute force', query: `(${LOGINS} success:false) OR action:*login*fail*`, condition: { type: 'threshold', count: 5, window_minutes: 10, group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 60 },
  },
  {
    name: 'password_spraying', title: 'Password spraying',
    description: 'One address failing logins for 20 different accounts within 10 minutes.',
    rule: { name: 'Password spraying', query: `(${LOGINS} success:false) OR action:*login*fail*`, condition: { type: 'distinct', field: 'actor.id', count: 20, window_minutes: 10, group_by: ['ip'] }, severity: 'high', cooldown_minutes: 60 },
  },
  {
    name: 'privilege_escalation', title: 'Privilege escalation',
    description: 'Someone was given an admin or owner role.',
    rule: { name: 'Privilege escalation', query: 'action:*role* (details.to_role:admin OR details.to_role:owner OR details.to_role:super_admin)', condition: { type: 'any', group_by: [] }, severity: 'critical', cooldown_minutes: 0 },
  },
  {
    name: 'mass_export', title: 'Mass export',
    description: 'An export of more than 10,000 rows (audit.exported row_count, or data.exported rows).',
    rule: { name: 'Mass export', query: '(action:audit.exported details.row_count:>10000) OR (action:data.exported details.rows:>10000)', condition: { type: 'any', group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 0 },
  },
  {
    name: 'off_hours_access', title: 'Off-hours access',
    description: 'A successful login outside 08:00–18:00 on weekdays (set schedule.timezone to yours).',
    rule: {
      name: 'Off-hours access', query: `${LOGINS} success:true -action:*fail*`, condition: { type: 'any', group_by: ['actor.id'] },
      schedule: { timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00', outside: true }, severity: 'medium', cooldown_minutes: 60,
    },
  },
  NEW_LOCATION,
  {
    name: 'stream_failing', title: 'Stream failing',
    description: 'A stream to a SIEM has been failing (stream.failing).',
    rule: { name: 'Stream failing', query: 'action:stream.failing', condition: { type: 'any', group_by: ['target.id'] }, severity: 'high', cooldown_minutes: 60 },
  },
];

/** The templates of this instance: "new location" by country when it has a GeoIP database. */
export const templatesFor = (options: { countries: boolean }): readonly AlertTemplate[] =>
  (options.countries ? TEMPLATES.map((t) => (t === NEW_LOCATION ? NEW_COUNTRY : t)) : TEMPLATES);

