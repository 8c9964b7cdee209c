// The canonical form of an event: RFC 8785 (JCS) over exactly the CanonicalEvent fields. It must
// come out byte-identical from an event as ingested and from the same event read back from either
// database, so anything the store cannot tell apart from "absent" is normalised to absent.

import canonicalize from 'canonicalize';
import type { CanonicalEvent, JsonObject } from '../domain/event.js';
import { hashLeaf } from './merkle/hasher.js';

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
  const text = canonicalize(canonicalObject(event));
  if (text === undefined) throw new TypeError('event has no canonical form');
  return encoder.encode(text);
}

/** The event's Merkle leaf hash, SHA-256(0x00 || canonicalBytes(event)). */
export function leafHashOf(event: CanonicalEvent): Uint8Array {
  return hashLeaf(canonicalBytes(event));
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
