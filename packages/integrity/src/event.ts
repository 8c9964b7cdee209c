// The audit event as Stele stores it and returns it: the fields the canonical form covers
// (canonical.ts) and the integrity fields. Shared by the server, the CLI and the SDK, so all three
// mean the same thing by an event. Plain data: no I/O.

export interface Actor {
  id?: string;
  type?: string;
  email?: string;
  name?: string;
  role?: string;
}

export interface Target {
  type?: string;
  id?: string;
  name?: string;
  slug?: string;
  version?: string;
  url?: string;
}

export interface EventContext {
  ip?: string;
  user_agent?: string;
  location?: string;
  request_id?: string;
  session_id?: string;
  api_key_id?: string;
  method?: string;
  url?: string;
  http_status?: number;
}

/**
 * What the server derived from the event, never what the client sent: `country` is the ISO 3166-1
 * alpha-2 code of `context.ip`, looked up at ingest in the instance's GeoIP database (when one is
 * configured). Sealed with the rest of the event, so it cannot be changed afterwards either.
 */
export interface EventGeo {
  country?: string;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The fields covered by the event's leaf hash (see README.md, "Canonical form"). */
export interface CanonicalEvent {
  tenant_id: string;
  seq: number;
  id: string;
  action: string;
  category: string;
  /** ISO 8601 UTC with millisecond precision, e.g. 2026-05-01T12:00:00.123Z */
  occurred_at: string;
  received_at: string;
  actor?: Actor;
  target?: Target;
  context?: EventContext;
  /** Server-derived (see EventGeo). */
  geo?: EventGeo;
  success?: boolean;
  details?: JsonObject;
}

/** An event as read back: the canonical fields plus its integrity fields (hex). */
export interface StoredEvent extends CanonicalEvent {
  leaf_hash: string;
  chain_hash: string;
  /**
   * Present on a tombstone: its content was removed (forgetting.ts), its seq, id, times and
   * hashes kept; action and category then read as empty strings.
   */
  forgotten?: { kind: 'purged' | 'deleted' | 'erased'; by_seq: number };
}
