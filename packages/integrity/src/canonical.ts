// The canonical form of an event: RFC 8785 (JCS) over exactly the CanonicalEvent fields. It must
// come out byte-identical from an event as ingested and from the same event read back from either
// database, so anything the store cannot tell apart from "absent" is normalised to absent.

import { Buffer } from 'node:buffer';
import type { CanonicalEvent, JsonObject } from './event.js';
import { jcs } from './jcs.js';
import { hashTextLeaf } from './merkle/hasher.js';

const ACTOR_FIELDS = ['id', 'type', 'email', 'name', 'role'] as const;
const TARGET_FIELDS = ['type', 'id', 'name', 'slug', 'version', 'url'] as const;
const CONTEXT_FIELDS = [
  'ip', 'user_agent', 'location', 'request_id', 'session_id', 'api_key_id', 'method', 'url', 'http_status',
] as const;
/** Server-derived (EventGeo): after context in JCS order, before id. */
const GEO_FIELDS = ['country'] as const;

const encoder = new TextEncoder();

/**
 * The object that gets canonicalised: tenant_id, seq, id, action, category, occurred_at,
 * received_at, and when present actor, target, context, geo, success, details. Extra properties (such
 * as leaf_hash on a StoredEvent) are ignored; null/undefined fields and empty actor/target/context/
 * geo/details objects are omitted. Requires the event to be valid (finite numbers, no lone surrogates).
 */
export function canonicalObject(event: CanonicalEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    tenant_id: event.tenant_id,
    seq: event.seq,
    id: event.id,
    action: event.action,
    category: event.category,
    occurred_at: event.occurred_at,
    received_at: event.received_at,
  };
  const actor = pick(event.actor, ACTOR_FIELDS);
  if (actor) out.actor = actor;
  const target = pick(event.target, TARGET_FIELDS);
  if (target) out.target = target;
  const context = pick(event.context, CONTEXT_FIELDS);
  if (context) out.context = context;
  const geo = pick(event.geo, GEO_FIELDS);
  if (geo) out.geo = geo;
  if (event.success !== undefined && event.success !== null) out.success = event.success;
  if (event.details !== undefined && event.details !== null && !isEmpty(event.details)) out.details = event.details;
  return out;
}

/** UTF-8 bytes of the RFC 8785 canonical JSON of canonicalObject(event). Same preconditions. */
export function canonicalBytes(event: CanonicalEvent): Uint8Array {
  return encoder.encode(canonicalText(event));
}

/**
 * The canonical JSON text. JSON.stringify already writes strings, finite numbers and booleans
 * exactly as JCS does, and writes object members in insertion order; so the event is copied with
 * every object's keys inserted in JCS order (UTF-16 code unit order, what Array#sort does) and
 * serialised in one call. That is the hot path of ingest and verification, about twice as fast as
 * member-by-member serialisation. Where JCS and JSON.stringify can differ (lone surrogates, which
 * JCS rejects and JSON.stringify escapes; non-finite numbers; undefined, toJSON, other types), the
 * text is produced member by member instead (jcs.ts), which decides. Tests check that the result
 * always equals the canonicalize library's text of canonicalObject(event), failures included.
 */
export function canonicalText(event: CanonicalEvent): string {
  return stringifiedOrJcs(() => sortedShape(event), () => canonicalObject(event));
}

/**
 * RFC 8785 text of any JSON value, by the same fast path and fallback as canonicalText. Stores
 * keep `details` in this form, so the database can splice it into an event's canonical text
 * unchanged (see store/canonical-rows.ts).
 */
export function canonicalJson(value: unknown): string {
  return stringifiedOrJcs(() => sorted(value), () => value);
}

/** JSON.stringify of the key-sorted copy, or the member-by-member JCS of the value where the two could differ. */
function stringifiedOrJcs(sortedCopy: () => unknown, value: () => unknown): string {
  let text: string;
  try {
    text = JSON.stringify(sortedCopy());
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return canonicalOrThrow(value());
  }
  // JSON.stringify writes a \u escape only for control characters and lone surrogates (or a
  // literal backslash before a u); such rare texts are left to jcs().
  return text.includes('\\u') ? canonicalOrThrow(value()) : text;
}

/** canonicalObject(event) with its members, and theirs, inserted in JCS order. */
function sortedShape(event: CanonicalEvent): Record<string, unknown> {
  // Members in JCS order: action, actor, category, context, details, geo, id, occurred_at,
  // received_at, seq, success, target, tenant_id. canonicalObject always sets the top-level
  // fields, so only undefined is left out of those (null is kept).
  const out: Record<string, unknown> = {};
  if (event.action !== undefined) out.action = sorted(event.action);
  const actor = nested(event.actor, NESTED_SORTED.actor);
  if (actor) out.actor = actor;
  if (event.category !== undefined) out.category = sorted(event.category);
  const context = nested(event.context, NESTED_SORTED.context);
  if (context) out.context = context;
  if (event.details !== undefined && event.details !== null && !isEmpty(event.details)) out.details = sorted(event.details);
  const geo = nested(event.geo, NESTED_SORTED.geo);
  if (geo) out.geo = geo;
  if (event.id !== undefined) out.id = sorted(event.id);
  if (event.occurred_at !== undefined) out.occurred_at = sorted(event.occurred_at);
  if (event.received_at !== undefined) out.received_at = sorted(event.received_at);
  if (event.seq !== undefined) out.seq = sorted(event.seq);
  if (event.success !== undefined && event.success !== null) out.success = sorted(event.success);
  const target = nested(event.target, NESTED_SORTED.target);
  if (target) out.target = target;
  if (event.tenant_id !== undefined) out.tenant_id = sorted(event.tenant_id);
  return out;
}

const NESTED_SORTED = {
  actor: [...ACTOR_FIELDS].sort(),
  target: [...TARGET_FIELDS].sort(),
  context: [...CONTEXT_FIELDS].sort(),
  geo: [...GEO_FIELDS].sort(),
} as const;

// Nested objects keep only non-null members and are left out when none remain, as pick() does.
function nested(value: object | null | undefined, keys: readonly string[]): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && v !== null) (out ??= {})[key] = sorted(v);
  }
  return out;
}

/** Thrown by sorted() for a value JSON.stringify might not write as JCS does. */
const NOT_PLAIN = Symbol('not plain JSON');

// A copy of a JSON value whose objects have their keys inserted in sorted order. Keys that an
// object does not keep in insertion order (integer-like keys come first) or that are special on
// a plain object ("__proto__") are left to jcs().
function sorted(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw NOT_PLAIN;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const copy = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) throw NOT_PLAIN;
          copy[i] = sorted(value[i]);
        }
        return copy;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw NOT_PLAIN;
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(value).sort()) {
        const v = (value as Record<string, unknown>)[key];
        const first = key.charCodeAt(0);
        if (v === undefined || (first >= 48 && first <= 57) || key === '__proto__') throw NOT_PLAIN;
        copy[key] = sorted(v);
      }
      return copy;
    }
    default:
      throw NOT_PLAIN;
  }
}

function canonicalOrThrow(v: unknown): string {
  const text = jcs(v);
  if (text === undefined) throw new TypeError('event has no canonical form');
  return text;
}

/**
 * The events' leaf hash inputs, 0x00 || canonical text in UTF-8 each, back to back: the form
 * page-hashes.ts hashes a page at a time (no canonical text holds a 0x00 byte: JSON escapes it).
 */
export function leafInputsOf(events: readonly CanonicalEvent[]): Buffer {
  return Buffer.from(events.map((event) => `\0${canonicalText(event)}`).join(''));
}

/** The event's Merkle leaf hash, SHA-256(0x00 || canonicalBytes(event)). */
export function leafHashOf(event: CanonicalEvent): Uint8Array {
  return hashTextLeaf(canonicalText(event));
}

function pick<K extends string>(value: Partial<Record<K, unknown>> | null | undefined, fields: readonly K[]): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const f of fields) {
    const v = value[f];
    if (v !== undefined && v !== null) (out ??= {})[f] = v;
  }
  return out;
}

function isEmpty(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}
