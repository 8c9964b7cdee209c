// An event's canonical text (packages/integrity/src/canonical.ts) written by the database itself, for
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
//
// The members are listed once, below, and written two ways: as an SQL expression for a dialect,
// and as the shape string of native/canonical_text.h, from which native code writes the same text
// (in SQLite's stele_leaf_input(), and from PostgreSQL's binary COPY).

import { NESTED_FIELDS } from './event-columns.js';

/** How a column's value is written: see the shape letters in native/canonical_text.h. */
export type ValueKind = 'string' | 'integer' | 'time' | 'boolean' | 'json';

type Member = { key: string; kind: ValueKind; column: string } | { key: string; members: Member[] };

const byKey = (a: Member, b: Member) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function nestedObject(name: keyof typeof NESTED_FIELDS): Member {
  const fields: Record<string, string> = NESTED_FIELDS[name];
  const members = Object.entries(fields).map(([key, column]): Member => ({ key, kind: key === 'http_status' ? 'integer' : 'string', column }));
  return { key: name, members: members.sort(byKey) };
}

/** The members of an event's canonical text in RFC 8785 order, and the columns they come from. */
const MEMBERS = ([
  { key: 'action', kind: 'string', column: 'action' },
  nestedObject('actor'),
  { key: 'category', kind: 'string', column: 'category' },
  nestedObject('context'),
  // Left out when NULL or empty, as canonicalText leaves out empty details.
  { key: 'details', kind: 'json', column: 'details' },
  nestedObject('geo'),
  { key: 'id', kind: 'string', column: 'id' },
  { key: 'occurred_at', kind: 'time', column: 'occurred_at' },
  { key: 'received_at', kind: 'time', column: 'received_at' },
  { key: 'seq', kind: 'integer', column: 'seq' },
  { key: 'success', kind: 'boolean', column: 'success' },
  nestedObject('target'),
  { key: 'tenant_id', kind: 'string', column: 'tenant_id' },
] satisfies Member[] as Member[]).sort(byKey);

export interface CanonicalTextDialect {
  /** The column's text as a JSON string literal, escaped as RFC 8785 escapes it. */
  quote(column: string): string;
  /** The integer column's decimal text. */
  integer(column: string): string;
  /** ISO 8601 UTC text with milliseconds (as Date#toISOString writes it) of a milliseconds column. */
  isoTime(column: string): string;
  /** The RFC 8785 text of the JSON object column, or NULL when it is NULL or empty. */
  jsonObject(column: string): string;
}

/** The SQL of `"key":value` for one member, NULL when the member is left out. */
function memberSql(dialect: CanonicalTextDialect, member: Member): string {
  const key = `'"${member.key}":'`;
  if ('members' in member) {
    const present = member.members.map((m) => `${(m as { column: string }).column} IS NOT NULL`).join(' OR ');
    return `CASE WHEN ${present} THEN ${key} || '{' || concat_ws(',', ${member.members.map((m) => memberSql(dialect, m)).join(', ')}) || '}' END`;
  }
  const { kind, column } = member;
  // Not every quoting function gives NULL for NULL (SQLite's json_quote gives 'null').
  const unlessNull = (sql: string) => `CASE WHEN ${column} IS NOT NULL THEN ${sql} END`;
  switch (kind) {
    case 'string': return unlessNull(`${key} || ${dialect.quote(column)}`);
    case 'integer': return unlessNull(`${key} || ${dialect.integer(column)}`);
    case 'time': return unlessNull(`${key} || '"' || ${dialect.isoTime(column)} || '"'`);
    case 'boolean': return `CASE ${column} WHEN 1 THEN ${key} || 'true' WHEN 0 THEN ${key} || 'false' END`;
    case 'json': return `${key} || ${dialect.jsonObject(column)}`;
  }
}

/**
 * An SQL expression giving the event row's canonical text. Each member but the first starts with
 * its comma, so a member left out (NULL) is simply skipped by concat().
 */
export function canonicalTextSql(dialect: CanonicalTextDialect): string {
  return `concat('{', ${MEMBERS.map((member, i) => (i === 0 ? '' : `',' || `) + memberSql(dialect, member)).join(', ')}, '}')`;
}

const SHAPE_LETTERS: Record<ValueKind, string> = { string: 's', integer: 'i', time: 't', boolean: 'b', json: 'j' };

function shapeOf(members: Member[]): string[] {
  return members.flatMap((m) => ('members' in m ? [`{${m.key}`, ...shapeOf(m.members), '}'] : [`${SHAPE_LETTERS[m.kind]}${m.key}`]));
}

function valuesOf(members: Member[]): ShapeValue[] {
  return members.flatMap((m) => ('members' in m ? valuesOf(m.members) : [{ column: m.column, kind: m.kind }]));
}

/** The shape string of native/canonical_text.h for an event's canonical text. */
export const LEAF_INPUT_SHAPE = shapeOf(MEMBERS).join(',');

export interface ShapeValue {
  column: string;
  kind: ValueKind;
}

/** The columns LEAF_INPUT_SHAPE takes its values from, in order. */
export const SHAPE_VALUES: readonly ShapeValue[] = valuesOf(MEMBERS);

/** The call of native/stele_sqlite.c's stele_leaf_input() that gives an event row's 0x00 || canonical text. */
export function leafInputCall(): string {
  return `stele_leaf_input('${LEAF_INPUT_SHAPE}', ${SHAPE_VALUES.map((v) => v.column).join(', ')})`;
}

/** Largest time canonicalText writes with a four-digit year (9999-12-31T23:59:59.999Z). */
export const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
