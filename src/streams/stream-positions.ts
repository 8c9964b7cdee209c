// Where in the log a stream starts or replays from, as a cursor (the last seq NOT to send):
// `now` (the log's size), a seq (send it and what follows), or a time (send what Stele received
// from then on). Receive times grow with seq, but only nearly: requests committing at the same
// moment can swap by a few milliseconds. A binary search over seq (O(log n) point reads by the
// primary key) finds the first event received at or after the time, to within that.

import { SteleError } from '../domain/errors.js';
import { parseTimeExpression } from '../query/time-expression.js';
import { compare } from '../sql/fragments.js';
import type { Store } from '../store/port.js';

/** `start` of a create request, or the replay body's `from_seq` / `from_time`. */
export type StartPoint = { now: true } | { seq: number } | { time: number };

/** Reads `start`: "now", a seq (integer >= 1) or a time (RFC 3339 or now-7d). */
export function readStart(value: unknown, field: string): StartPoint {
  if (value === undefined || value === null || value === 'now') return { now: true };
  if (typeof value === 'number') return seqPoint(value, field);
  if (typeof value === 'string') return timePoint(value, field);
  throw new SteleError('invalid_request', `${field} must be "now", a seq or a time`, [{ field, message: 'wrong type' }]);
}

export function seqPoint(value: unknown, field: string): StartPoint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new SteleError('invalid_request', `${field} must be a seq, an integer >= 1`, [{ field, message: 'not a seq' }]);
  }
  return { seq: value };
}

export function timePoint(value: unknown, field: string, now = Date.now()): StartPoint {
  const ms = typeof value === 'string' ? parseTimeExpression(value, now) : undefined;
  if (ms === undefined) {
    throw new SteleError('invalid_request', `${field} must be an ISO 8601 time (2026-05-01T12:00:00Z) or relative (now-24h)`, [{ field, message: 'not a time' }]);
  }
  return { time: ms };
}

async function receivedAt(store: Store, tenantId: string, seq: number): Promise<number> {
  const [event] = await store.findEvents(tenantId, { where: compare('seq', '>=', seq), order: { key: 'seq', direction: 'asc' }, limit: 1 });
  return event ? Date.parse(event.received_at) : Number.POSITIVE_INFINITY;
}

/** The cursor for a start point in a tenant's log as it is now. */
export async function cursorFor(store: Store, tenantId: string, point: StartPoint): Promise<number> {
  const size = (await store.getHead(tenantId)).size;
  if ('now' in point) return size;
  if ('seq' in point) return Math.min(point.seq - 1, size);
  // The largest seq received before the time: events 1..lo are, lo+1.. are not.
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await receivedAt(store, tenantId, mid)) < point.time) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
