// Several streams of one tenant with the same filter, woken by the same commit, ask the database
// for the same rows at the same moment. One read serves them all: a read of the same query that
// is in flight or finished within the last second is shared. Safe because a stream's query is a
// closed seq range (cursor < seq <= head) of an append-only log: its answer does not change (an
// event deleted by id, whose content becomes a tombstone, would be seen a second late at most).
// Each shared event object is then encoded once per format (payloads.ts keeps that per object).

import type { StoredEvent } from '../domain/event.js';
import type { EventQuery, Store } from '../store/port.js';

const KEEP_MS = 1000;
const MAX_ENTRIES = 64;

export function createSharedReads(store: Pick<Store, 'findEvents'>, now: () => number = Date.now) {
  const recent = new Map<string, { at: number; events: Promise<StoredEvent[]> }>();
  const keyOf = (tenantId: string, query: EventQuery) =>
    JSON.stringify([tenantId, query.where.text, query.where.params.map((p) => (p instanceof Uint8Array ? Buffer.from(p).toString('hex') : p)), query.order, query.limit]);

  function forget(at: number): void {
    for (const [key, entry] of recent) if (at - entry.at > KEEP_MS || recent.size > MAX_ENTRIES) recent.delete(key);
  }

  return {
    findEvents(tenantId: string, query: EventQuery): Promise<StoredEvent[]> {
      const at = now();
      forget(at);
      const key = keyOf(tenantId, query);
      const known = recent.get(key);
      if (known) return known.events;
      const events = store.findEvents(tenantId, query);
      recent.set(key, { at, events });
      events.catch(() => recent.delete(key)); // a failed read is not shared
      return events;
    },
  };
}

export type SharedReads = ReturnType<typeof createSharedReads>;
