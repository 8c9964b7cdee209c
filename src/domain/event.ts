// The audit event as the API accepts it and as Stele stores and returns it.
// Everything here is plain data: no I/O, no storage types.

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

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A valid event as the client sent it, normalised (null → absent, times to UTC milliseconds). */
export interface ValidEvent {
  id?: string;
  action: string;
  occurred_at?: string;
  actor?: Actor;
  target?: Target;
  context?: EventContext;
  success?: boolean;
  details?: JsonObject;
}

/** An event after validation and normalisation, before the server assigns seq and hashes. */
export interface NewEvent {
  id: string;
  action: string;
  category: string;
  /** ISO 8601 UTC with millisecond precision, e.g. 2026-05-01T12:00:00.123Z */
  occurred_at: string;
  received_at: string;
  actor?: Actor;
  target?: Target;
  context?: EventContext;
  success?: boolean;
  details?: JsonObject;
}

/** The fields covered by the event's leaf hash (see src/integrity/README.md). */
export interface CanonicalEvent extends NewEvent {
  tenant_id: string;
  seq: number;
}

/** An event as read back: the canonical fields plus its integrity fields (hex). */
export interface StoredEvent extends CanonicalEvent {
  leaf_hash: string;
  chain_hash: string;
}
