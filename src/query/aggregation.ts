// The building blocks of every figure Stele computes in the database (histograms, top values,
// report figures): measures, time buckets and the fields events are grouped by. Each field has
// its SQL over the events table and the same reading of one event in JavaScript, so that an
// offline verifier (which has the events but no database) recomputes exactly what the SQL did;
// aggregation.test.ts holds the two against each other on both engines.

import type { StoredEvent } from '../domain/event.js';
import type { SqlDialect } from '../sql/dialect.js';
import { sql, type Sql } from '../sql/fragments.js';

export const COUNT: Sql = sql('count(*)');
/** Events with success = false (events without an outcome are not failures). */
export const FAILURES: Sql = sql('sum(CASE WHEN success = 0 THEN 1 ELSE 0 END)');

export const countDistinct = (expression: Sql): Sql => sql(`count(DISTINCT ${expression.text})`, expression.params);
export const sumOf = (expression: Sql): Sql => sql(`sum(${expression.text})`, expression.params);
export const minOf = (expression: Sql): Sql => sql(`min(${expression.text})`, expression.params);
export const maxOf = (expression: Sql): Sql => sql(`max(${expression.text})`, expression.params);

/**
 * The start (epoch ms) of the `intervalMs` bucket an event falls in, buckets starting at
 * `originMs`. Requires occurred_at >= originMs (the window's start), so the remainder is never
 * negative; the parameters are cast because SQLite binds JavaScript numbers as REAL.
 */
export const timeBucket = (originMs: number, intervalMs: number): Sql =>
  sql('occurred_at - ((occurred_at - CAST(? AS BIGINT)) % CAST(? AS BIGINT))', [originMs, intervalMs]);

/** A field events are grouped or counted by: its SQL and the same value read from one event. */
export interface EventField {
  sql(dialect: SqlDialect): Sql;
  /** The value the SQL gives for this event (undefined where SQL gives NULL). */
  read(event: StoredEvent): string | undefined;
}

const column = (name: string, read: (event: StoredEvent) => string | undefined): EventField => ({ sql: () => sql(name), read });

/** Named fields: those `GET /v1/events/top` offers, and those report definitions use. */
export const EVENT_FIELDS = {
  action: column('action', (e) => e.action),
  category: column('category', (e) => e.category),
  /** Who: the actor's id, or its email when it has no id. */
  actor: column('coalesce(actor_id, actor_email)', (e) => e.actor?.id ?? e.actor?.email),
  actor_id: column('actor_id', (e) => e.actor?.id),
  actor_email: column('actor_email', (e) => e.actor?.email),
  actor_type: column('actor_type', (e) => e.actor?.type),
  actor_role: column('actor_role', (e) => e.actor?.role),
  ip: column('ip', (e) => e.context?.ip),
  /** What: the target's id, or its name when it has no id. */
  target: column('coalesce(target_id, target_name)', (e) => e.target?.id ?? e.target?.name),
  target_type: column('target_type', (e) => e.target?.type),
} as const satisfies Record<string, EventField>;

export type EventFieldName = keyof typeof EVENT_FIELDS;

/** A scalar inside details as text (numbers and booleans as their JSON text), like dialect.detailsText. */
export function detailsField(path: readonly string[]): EventField {
  return {
    sql: (dialect) => dialect.detailsText(path),
    read(event) {
      let node: unknown = event.details;
      for (const key of path) {
        if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
        node = (node as Record<string, unknown>)[key];
      }
      if (typeof node === 'string') return node;
      if (typeof node === 'number' || typeof node === 'boolean') return JSON.stringify(node);
      return undefined;
    },
  };
}

/** An integer inside details (row counts), like dialect.detailsInteger; undefined for anything else. */
export function detailsInteger(event: StoredEvent, path: readonly string[]): number | undefined {
  let node: unknown = event.details;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' && Number.isSafeInteger(node) ? node : undefined;
}

/** Byte order of UTF-8, as both engines compare text (binary collation): JavaScript's `<` compares UTF-16 units. */
export const compareText = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
