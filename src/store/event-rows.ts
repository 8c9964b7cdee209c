// Converting between the nested event shape and the flat `events` row. Both adapters use these,
// so an event reads back identically from either engine.

import type { Actor, CanonicalEvent, EventContext, EventGeo, JsonObject, StoredEvent, Target } from '../domain/event.js';
import { NESTED_FIELDS } from './event-columns.js';

/** Column order used by both adapters' INSERT statements. */
export const EVENT_INSERT_COLUMNS = [
  'tenant_id', 'seq', 'id', 'action', 'category', 'occurred_at', 'received_at',
  'actor_id', 'actor_type', 'actor_email', 'actor_name', 'actor_role',
  'target_type', 'target_id', 'target_name', 'target_slug', 'target_version', 'target_url',
  'ip', 'ip_bin', 'user_agent', 'location', 'request_id', 'session_id', 'api_key_id', 'method', 'url', 'http_status',
  'geo_country',
  'success', 'details', 'input_hash', 'leaf_hash', 'chain_hash',
] as const;

/** The columns a tombstone no longer holds (forgetEvents sets them to NULL; action and category to ''). */
export const CONTENT_COLUMNS = [
  'actor_id', 'actor_type', 'actor_email', 'actor_name', 'actor_role',
  'target_type', 'target_id', 'target_name', 'target_slug', 'target_version', 'target_url',
  'ip', 'ip_bin', 'user_agent', 'location', 'request_id', 'session_id', 'api_key_id', 'method', 'url', 'http_status',
  'geo_country',
  'success', 'details',
] as const;

export const EVENT_SELECT_COLUMNS = [
  ...EVENT_INSERT_COLUMNS.filter((c): c is Exclude<(typeof EVENT_INSERT_COLUMNS)[number], 'ip_bin' | 'input_hash'> => c !== 'ip_bin' && c !== 'input_hash'),
  'forgotten_kind', 'forgotten_by',
] as const;

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
    event.geo?.country ?? null,
    event.success === undefined ? null : event.success ? 1 : 0,
    extras.detailsJson, extras.inputHash, extras.leafHash, extras.chainHash,
  ];
}

/** A row as both adapters read it: values in EVENT_SELECT_COLUMNS order (arrays are cheaper than objects). */
export type EventRow = readonly unknown[];

// Position of each selected column, so rowToEvent reads by index.
const I = Object.fromEntries(EVENT_SELECT_COLUMNS.map((column, index) => [column, index])) as Record<(typeof EVENT_SELECT_COLUMNS)[number], number>;

/**
 * The select list for event reads, with the hashes as lower-case hex text computed by the
 * database, and details as JSON text (detailsText casts a column type that is not text).
 */
export const eventSelectList = (hexOf: (column: string) => string, detailsText: (column: string) => string = (c) => c): string =>
  EVENT_SELECT_COLUMNS.map((c) => (c === 'leaf_hash' || c === 'chain_hash' ? `${hexOf(c)} AS ${c}` : c === 'details' ? `${detailsText(c)} AS ${c}` : c)).join(', ');

// rowToEvent is the hot path of every read and export, so the nested objects are built by plain
// indexed reads rather than a loop over NESTED_FIELDS (about twice as fast, and far less garbage).
// The field order below is NESTED_FIELDS' order; event-rows.test.ts cross-checks it against a
// literal loop over NESTED_FIELDS.
const has = (value: unknown): boolean => value !== null && value !== undefined;

function actorOf(row: EventRow): Actor | undefined {
  const id = row[I.actor_id], type = row[I.actor_type], email = row[I.actor_email], name = row[I.actor_name], role = row[I.actor_role];
  if (!has(id) && !has(type) && !has(email) && !has(name) && !has(role)) return undefined;
  const out: Record<string, unknown> = {};
  if (has(id)) out.id = id;
  if (has(type)) out.type = type;
  if (has(email)) out.email = email;
  if (has(name)) out.name = name;
  if (has(role)) out.role = role;
  return out as Actor;
}

function targetOf(row: EventRow): Target | undefined {
  const type = row[I.target_type], id = row[I.target_id], name = row[I.target_name];
  const slug = row[I.target_slug], version = row[I.target_version], url = row[I.target_url];
  if (!has(type) && !has(id) && !has(name) && !has(slug) && !has(version) && !has(url)) return undefined;
  const out: Record<string, unknown> = {};
  if (has(type)) out.type = type;
  if (has(id)) out.id = id;
  if (has(name)) out.name = name;
  if (has(slug)) out.slug = slug;
  if (has(version)) out.version = version;
  if (has(url)) out.url = url;
  return out as Target;
}

function contextOf(row: EventRow): EventContext | undefined {
  const ip = row[I.ip], user_agent = row[I.user_agent], location = row[I.location], request_id = row[I.request_id];
  const session_id = row[I.session_id], api_key_id = row[I.api_key_id], method = row[I.method], url = row[I.url];
  const http_status = row[I.http_status];
  if (!has(ip) && !has(user_agent) && !has(location) && !has(request_id) && !has(session_id) && !has(api_key_id)
    && !has(method) && !has(url) && !has(http_status)) return undefined;
  const out: Record<string, unknown> = {};
  if (has(ip)) out.ip = ip;
  if (has(user_agent)) out.user_agent = user_agent;
  if (has(location)) out.location = location;
  if (has(request_id)) out.request_id = request_id;
  if (has(session_id)) out.session_id = session_id;
  if (has(api_key_id)) out.api_key_id = api_key_id;
  if (has(method)) out.method = method;
  if (has(url)) out.url = url;
  if (has(http_status)) out.http_status = Number(http_status);
  return out as EventContext;
}

function geoOf(row: EventRow): EventGeo | undefined {
  const country = row[I.geo_country];
  return has(country) ? { country: country as string } : undefined;
}

// Adapters select hashes as hex text; raw bytes (from other callers) are encoded in place.
const hex = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  const bytes = value as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
};
const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();

/**
 * details from their JSON text. Text that is not JSON (only a hand edit of the database makes it)
 * is kept as the raw string: the event still reads, and verification names it, since its
 * canonical text can no longer match its leaf hash.
 */
function detailsOf(text: unknown): JsonObject {
  if (typeof text !== 'string') return text as JsonObject;
  try {
    return JSON.parse(text) as JsonObject;
  } catch {
    return text as unknown as JsonObject;
  }
}

/** Builds the nested event from a row; absent values are omitted (never null), as in the canonical form. */
export function rowToEvent(row: EventRow): StoredEvent {
  // Keys are assigned in the documented order so responses read naturally; hashing does not depend on it.
  const event = {
    id: String(row[I.id]),
    seq: Number(row[I.seq]),
    tenant_id: String(row[I.tenant_id]),
    action: String(row[I.action]),
    category: String(row[I.category]),
    occurred_at: iso(row[I.occurred_at]),
    received_at: iso(row[I.received_at]),
  } as StoredEvent;
  const actor = actorOf(row);
  const target = targetOf(row);
  const context = contextOf(row);
  const geo = geoOf(row);
  if (actor) event.actor = actor;
  if (target) event.target = target;
  if (context) event.context = context;
  if (geo) event.geo = geo;
  const success = row[I.success];
  const details = row[I.details];
  if (has(success)) event.success = Number(success) === 1;
  if (has(details)) event.details = detailsOf(details);
  event.leaf_hash = hex(row[I.leaf_hash]);
  event.chain_hash = hex(row[I.chain_hash]);
  const forgotten = row[I.forgotten_kind];
  if (has(forgotten)) event.forgotten = { kind: forgotten as 'purged', by_seq: Number(row[I.forgotten_by]) };
  return event;
}
