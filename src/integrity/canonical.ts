// The canonical form of an event: RFC 8785 (JCS) over exactly the CanonicalEvent fields. It must
// come out byte-identical from an event as ingested and from the same event read back from either
// database, so anything the store cannot tell apart from "absent" is normalised to absent.

import canonicalize from 'canonicalize';
import type { CanonicalEvent, JsonObject } from '../domain/event.js';
import { hashTextLeaf } from './merkle/hasher.js';

const ACTOR_FIELDS = ['id', 'type', 'email', 'name', 'role'] as const;
const TARGET_FIELDS = ['type', 'id', 'name', 'slug', 'version', 'url'] as const;
const CONTEXT_FIELDS = [
  'ip', 'user_agent', 'location', 'request_id', 'session_id', 'api_key_id', 'method', 'url', 'http_status',
] as const;

const encoder = new TextEncoder();

/**
 * The object that gets canonicalised: tenant_id, seq, id, action, category, occurred_at,
 * received_at, and when present actor, target, context, success, details. Extra properties (such
 * as leaf_hash on a StoredEvent) are ignored; null/undefined fields and empty actor/target/context/
 * details objects are omitted. Requires the event to be valid (finite numbers, no lone surrogates).
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
  if (event.success !== undefined && event.success !== null) out.success = event.success;
  if (event.details !== undefined && event.details !== null && !isEmpty(event.details)) out.details = event.details;
  return out;
}

/** UTF-8 bytes of the RFC 8785 canonical JSON of canonicalObject(event). Same preconditions. */
export function canonicalBytes(event: CanonicalEvent): Uint8Array {
  return encoder.encode(canonicalText(event));
}

/**
 * The canonical JSON text. The event's shape is fixed, so its members are written straight from
 * the event in pre-sorted key order, and only `details` goes through the generic JCS serialiser:
 * this is the hot path of ingest and verification, and it is several times faster than
 * canonicalising canonicalObject(event). Tests check that the result equals
 * canonicalize(canonicalObject(event)), failures included.
 */
export function canonicalText(event: CanonicalEvent): string {
  // Members in JCS order (UTF-16 code unit order of the keys): action, actor, category, context,
  // details, id, occurred_at, received_at, seq, success, target, tenant_id.
  let out = required('', 'action', event.action);
  out = nested(out, 'actor', event.actor, NESTED_SORTED.actor);
  out = required(out, 'category', event.category);
  out = nested(out, 'context', event.context, NESTED_SORTED.context);
  if (event.details !== undefined && event.details !== null && !isEmpty(event.details)) out = member(out, 'details', jcs(event.details));
  out = required(out, 'id', event.id);
  out = required(out, 'occurred_at', event.occurred_at);
  out = required(out, 'received_at', event.received_at);
  out = required(out, 'seq', event.seq);
  if (event.success !== undefined && event.success !== null) out = member(out, 'success', scalar(event.success));
  out = nested(out, 'target', event.target, NESTED_SORTED.target);
  out = required(out, 'tenant_id', event.tenant_id);
  return `{${out}}`;
}

const NESTED_SORTED = {
  actor: [...ACTOR_FIELDS].sort(),
  target: [...TARGET_FIELDS].sort(),
  context: [...CONTEXT_FIELDS].sort(),
} as const;

function member(out: string, key: string, text: string): string {
  return out === '' ? `"${key}":${text}` : `${out},"${key}":${text}`;
}

// canonicalObject always sets the top-level fields, so only undefined is left out (null is kept).
function required(out: string, key: string, value: unknown): string {
  return value === undefined ? out : member(out, key, scalar(value));
}

// Nested objects keep only non-null members and are left out when none remain, as pick() does.
function nested(out: string, key: string, value: object | null | undefined, keys: readonly string[]): string {
  if (value === undefined || value === null) return out;
  let inner = '';
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) inner = member(inner, k, scalar(v));
  }
  return inner === '' ? out : member(out, key, `{${inner}}`);
}

// Strings, finite numbers and booleans serialise exactly as JCS requires via JSON.stringify.
// Lone surrogates are the exception (JCS rejects them, JSON.stringify escapes them as \udxxx), so
// strings whose JSON contains a \u escape take the generic serialiser, which rejects them; so do
// values that are not scalars.
function scalar(v: unknown): string {
  if (typeof v === 'string') {
    const text = JSON.stringify(v);
    return text.includes('\\u') && SURROGATE.test(v) ? jcs(v) : text;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return jcs(v);
}

const SURROGATE = /[\uD800-\uDFFF]/;

function jcs(v: unknown): string {
  const text = canonicalize(v);
  if (text === undefined) throw new TypeError('event has no canonical form');
  return text;
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
