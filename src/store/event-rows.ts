// Converting between the nested event shape and the flat `events` row. Both adapters use these,
// so an event reads back identically from either engine.

import type { Actor, CanonicalEvent, EventContext, JsonObject, StoredEvent, Target } from '../domain/event.js';
import { NESTED_FIELDS } from './event-columns.js';

/** Column order used by both adapters' INSERT statements. */
export const EVENT_INSERT_COLUMNS = [
  'tenant_id', 'seq', 'id', 'action', 'category', 'occurred_at', 'received_at',
  'actor_id', 'actor_type', 'actor_email', 'actor_name', 'actor_role',
  'target_type', 'target_id', 'target_name', 'target_slug', 'target_version', 'target_url',
  'ip', 'ip_bin', 'user_agent', 'location', 'request_id', 'session_id', 'api_key_id', 'method', 'url', 'http_status',
  'success', 'details', 'input_hash', 'leaf_hash', 'chain_hash',
] as const;

export const EVENT_SELECT_COLUMNS = EVENT_INSERT_COLUMNS.filter((c) => c !== 'ip_bin' && c !== 'input_hash');

export type RowValue = string | number | null | Uint8Array;

export interface EventRowExtras {
  ipBin: Uint8Array | null;
  inputHash: Uint8Array;
  leafHash: Uint8Array;
  chainHash: Uint8Array;
  /** How the adapter stores details: JSON text for SQLite, the same text cast to jsonb for PostgreSQL. */
  detailsJson: string | null;
}

export function eventToRow(event: CanonicalEvent, extras: EventRowExtras): RowValue[] {
  const a: Actor = event.actor ?? {};
  const t: Target = event.target ?? {};
  const c: EventContext = event.context ?? {};
  return [
    event.tenant_id, event.seq, event.id, event.action, event.category,
    Date.parse(event.occurred_at), Date.parse(event.received_at),
    a.id ?? null, a.type ?? null, a.email ?? null, a.name ?? null, a.role ?? null,
    t.type ?? null, t.id ?? null, t.name ?? null, t.slug ?? null, t.version ?? null, t.url ?? null,
    c.ip ?? null, extras.ipBin, c.user_agent ?? null, c.location ?? null, c.request_id ?? null,
    c.session_id ?? null, c.api_key_id ?? null, c.method ?? null, c.url ?? null, c.http_status ?? null,
    event.success === undefined ? null : event.success ? 1 : 0,
    extras.detailsJson, extras.inputHash, extras.leafHash, extras.chainHash,
  ];
}

type Row = Record<string, unknown>;

function pick<T extends object>(row: Row, mapping: Record<string, string>): T | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [field, column] of Object.entries(mapping)) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    out[field] = field === 'http_status' ? Number(value) : value;
    any = true;
  }
  return any ? (out as T) : undefined;
}

const hex = (value: unknown): string => Buffer.from(value as Uint8Array).toString('hex');
const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();

/** Builds the nested event from a row; absent values are omitted (never null), as in the canonical form. */
export function rowToEvent(row: Row): StoredEvent {
  // Keys are assigned in the documented order so responses read naturally; hashing does not depend on it.
  const event = {
    id: String(row.id),
    seq: Number(row.seq),
    tenant_id: String(row.tenant_id),
    action: String(row.action),
    category: String(row.category),
    occurred_at: iso(row.occurred_at),
    received_at: iso(row.received_at),
  } as StoredEvent;
  const actor = pick<Actor>(row, NESTED_FIELDS.actor);
  const target = pick<Target>(row, NESTED_FIELDS.target);
  const context = pick<EventContext>(row, NESTED_FIELDS.context);
  if (actor) event.actor = actor;
  if (target) event.target = target;
  if (context) event.context = context;
  if (row.success !== null && row.success !== undefined) event.success = Number(row.success) === 1;
  if (row.details !== null && row.details !== undefined) {
    event.details = (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as JsonObject;
  }
  event.leaf_hash = hex(row.leaf_hash);
  event.chain_hash = hex(row.chain_hash);
  return event;
}
