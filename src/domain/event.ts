// The audit event as the API accepts it and as Stele stores and returns it.
// Everything here is plain data: no I/O, no storage types.

// The shapes the canonical form covers are defined once, in the integrity core the SDK shares.
import type { Actor, CanonicalEvent, EventContext, JsonObject, Target } from '@stele/integrity';

export type { Actor, CanonicalEvent, EventContext, EventGeo, JsonObject, JsonValue, StoredEvent, Target } from '@stele/integrity';

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
export type NewEvent = Omit<CanonicalEvent, 'tenant_id' | 'seq'>;
