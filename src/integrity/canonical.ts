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
 * The canonical JSON text. The event's shape is fixed, so its known keys are written in
 * pre-sorted order and only `details` goes through the generic JCS serialiser: this is the hot
 * path of ingest, and it is ~3x faster than canonicalising the whole object. Tests check that
 * the result equals canonicalize(canonicalObject(event)).
 */
export function canonicalText(event: CanonicalEvent): string {
  const o = canonicalObject(event);
  const parts: string[] = [];
  for (const key of TOP_SORTED) {
    const v = o[key];
    if (v === undefined) continue;
    let text: string;
    if (key === 'details') text = jcs(v);
    else if (key === 'actor' || key === 'target' || key === 'context') text = flat(v as Record<string, unknown>, NESTED_SORTED[key]);
    else text = scalar(v);
    parts.push(`"${key}":${text}`);
  }
  return `{${parts.join(',')}}`;
}

const TOP_SORTED = [
  'tenant_id', 'seq', 'id', 'action', 'category', 'occurred_at', 'received_at', 'actor', 'target', 'context', 'success', 'details',
].sort();
const NESTED_SORTED = {
  actor: [...ACTOR_FIELDS].sort(),
  target: [...TARGET_FIELDS].sort(),
  context: [...CONTEXT_FIELDS].sort(),
} as const;

function flat(o: Record<string, unknown>, keys: readonly string[]): string {
  const parts: string[] = [];
  for (const key of keys) {
    const v = o[key];
    if (v !== undefined) parts.push(`"${key}":${scalar(v)}`);
  }
  return `{${parts.join(',')}}`;
}

// Strings, finite numbers and booleans serialise exactly as JCS requires via JSON.stringify,
// except lone surrogates (JCS rejects them, JSON.stringify escapes them) and anything that is not
// a scalar: those go through the generic serialiser, which rejects or handles them.
function scalar(v: unknown): string {
  if (typeof v === 'string' && !SURROGATE.test(v)) return JSON.stringify(v);
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
