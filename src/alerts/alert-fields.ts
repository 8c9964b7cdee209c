// The fields a rule groups by and counts (`group_by`, `distinct.field`, `first_seen.field`): how
// each reads from an event in memory and which SQL expression gives the same value in the events
// table, so what the evaluator sees and what it asks the database agree. Values are text; an event
// without a value for a field is left out of the groups that need it.

import { SteleError } from '../domain/errors.js';
import type { JsonValue, StoredEvent } from '../domain/event.js';
import type { EventTextColumn } from '../store/event-columns.js';
import type { SqlDialect } from '../sql/dialect.js';
import { sql, type Sql } from '../sql/fragments.js';

/** A 400 naming the member of the request that is wrong. */
export const invalid = (field: string, message: string) => new SteleError('invalid_request', `${field} ${message}`, [{ field, message }]);

type Reader = (event: Pick<StoredEvent, 'action' | 'category' | 'actor' | 'target' | 'context' | 'geo' | 'details'>) => string | undefined;

// indexed: the events table has an index leading (after the tenant) with the column and then the
// time (events_by_action, _actor, _actor_email, _target on both engines), so one group's window is
// a range of it.
const COLUMNS: Record<string, { column: EventTextColumn; read: Reader; indexed?: true }> = {
  action: { column: 'action', read: (e) => e.action, indexed: true },
  category: { column: 'category', read: (e) => e.category },
  'actor.id': { column: 'actor_id', read: (e) => e.actor?.id, indexed: true },
  'actor.email': { column: 'actor_email', read: (e) => e.actor?.email, indexed: true },
  'actor.name': { column: 'actor_name', read: (e) => e.actor?.name },
  'actor.type': { column: 'actor_type', read: (e) => e.actor?.type },
  'target.id': { column: 'target_id', read: (e) => e.target?.id, indexed: true },
  'target.type': { column: 'target_type', read: (e) => e.target?.type },
  ip: { column: 'ip', read: (e) => e.context?.ip },
  location: { column: 'location', read: (e) => e.context?.location },
  user_agent: { column: 'user_agent', read: (e) => e.context?.user_agent },
  session_id: { column: 'session_id', read: (e) => e.context?.session_id },
  // Server-derived at ingest from context.ip (STELE_GEOIP_DATABASE); absent without a database.
  country: { column: 'geo_country', read: (e) => e.geo?.country },
};

// The event's own paths name the same fields.
const ALIASES: Record<string, string> = {
  'context.ip': 'ip', 'context.location': 'location', 'context.user_agent': 'user_agent', 'context.session_id': 'session_id', 'geo.country': 'country',
};

const DETAILS_PATH = /^details(\.[A-Za-z_][A-Za-z0-9_-]*){1,8}$/;

export const GROUP_FIELD_NAMES: readonly string[] = [...Object.keys(COLUMNS), ...Object.keys(ALIASES), 'details.<path>'];

export const isGroupField = (name: string): boolean => Object.hasOwn(COLUMNS, name) || Object.hasOwn(ALIASES, name) || DETAILS_PATH.test(name);

function detailsText(details: JsonValue | undefined, path: readonly string[]): string | undefined {
  let node = details;
  for (const key of path) {
    if (node === null || node === undefined || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return JSON.stringify(node);
  return undefined;
}

export interface GroupField {
  name: string;
  read: Reader;
  /** The same value as a SQL expression over the events table. */
  expression(dialect: SqlDialect): Sql;
  /** An index leads with it (then time): a group's window is read from it alone. */
  indexed: boolean;
}

/** Requires isGroupField(name). */
export function groupField(name: string): GroupField {
  const canonical = ALIASES[name] ?? name;
  const known = COLUMNS[canonical];
  if (known) return { name: canonical, read: known.read, expression: () => sql(known.column), indexed: known.indexed === true };
  const path = canonical.split('.').slice(1);
  return { name: canonical, read: (e) => detailsText(e.details, path), expression: (dialect) => dialect.detailsText(path), indexed: false };
}
