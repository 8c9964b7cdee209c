// An event's canonical text (integrity/canonical.ts) written by the database itself, for
// verification: building it in SQL and reading one value per page of events is several times
// cheaper than reading every column into an object and serialising it in JavaScript.
//
// It is only ever a shortcut. The verifier accepts a row from here only when the text hashes to
// the row's stored leaf hash; anything else is re-read the ordinary way and judged there. Because
// every member below is a faithful JSON encoding of its column (strings quoted by the database's
// JSON quoting, details spliced from its stored RFC 8785 text), a text that matches the stored
// leaf hash is exactly the text canonicalText would compute from the same row. Each dialect also
// counts the rows where that argument would not hold (a time that is not whole milliseconds, a
// success flag other than 0/1, details that are not valid JSON); a page with any is read the
// ordinary way.

import { NESTED_FIELDS } from './event-columns.js';

export interface CanonicalTextDialect {
  /** The column's text as a JSON string literal, escaped as RFC 8785 escapes it. */
  quote(column: string): string;
  /** The integer column's decimal text. */
  integer(column: string): string;
  /** ISO 8601 UTC text with milliseconds (as Date#toISOString writes it) of a milliseconds column. */
  isoTime(column: string): string;
  /** `,"details":<its RFC 8785 text>`, or NULL when details are absent or empty. */
  detailsMember: string;
}

const INTEGER_FIELDS = new Set(['http_status']);

/** A member `"key":value` of a nested object, NULL when the column is. */
function nestedMember(dialect: CanonicalTextDialect, key: string, column: string): string {
  const value = INTEGER_FIELDS.has(key) ? dialect.integer(column) : dialect.quote(column);
  return `CASE WHEN ${column} IS NOT NULL THEN '"${key}":' || ${value} END`;
}

/** `,"name":{...}` with the non-NULL members in key order, or NULL when every member is. */
function nestedObject(dialect: CanonicalTextDialect, name: keyof typeof NESTED_FIELDS): string {
  const fields: Record<string, string> = NESTED_FIELDS[name];
  const keys = Object.keys(fields).sort();
  const present = keys.map((key) => `${fields[key]} IS NOT NULL`).join(' OR ');
  const members = keys.map((key) => nestedMember(dialect, key, fields[key] as string)).join(', ');
  return `CASE WHEN ${present} THEN ',"${name}":{' || concat_ws(',', ${members}) || '}' END`;
}

/**
 * An SQL expression giving the event row's canonical text. Members are listed by key and sorted,
 * as RFC 8785 orders them; each but the first starts with its comma, so an absent one (NULL) is
 * simply skipped by concat().
 */
export function canonicalTextSql(dialect: CanonicalTextDialect): string {
  const members: [key: string, sql: string][] = [
    ['action', `'"action":' || ${dialect.quote('action')}`],
    ['actor', nestedObject(dialect, 'actor')],
    ['category', `',"category":' || ${dialect.quote('category')}`],
    ['context', nestedObject(dialect, 'context')],
    ['details', dialect.detailsMember],
    ['id', `',"id":' || ${dialect.quote('id')}`],
    ['occurred_at', `',"occurred_at":"' || ${dialect.isoTime('occurred_at')} || '"'`],
    ['received_at', `',"received_at":"' || ${dialect.isoTime('received_at')} || '"'`],
    ['seq', `',"seq":' || ${dialect.integer('seq')}`],
    ['success', `CASE success WHEN 1 THEN ',"success":true' WHEN 0 THEN ',"success":false' END`],
    ['target', nestedObject(dialect, 'target')],
    ['tenant_id', `',"tenant_id":' || ${dialect.quote('tenant_id')}`],
  ];
  members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `concat('{', ${members.map(([, sql]) => sql).join(', ')}, '}')`;
}

/** Largest time canonicalText writes with a four-digit year (9999-12-31T23:59:59.999Z). */
export const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
