// Cuts events read in seq order into requests that fit a destination's limits (events and bytes
// per request), keeping the order. An event larger than the byte limit on its own still goes, in
// a request by itself: refusing it here would stop the stream forever, and the receiver can say
// what it makes of it.

import type { StoredEvent } from '../domain/event.js';
import type { Batch, BatchLimits } from './destinations/index.js';

export function splitIntoBatches(events: readonly StoredEvent[], encode: (event: StoredEvent) => string, limits: BatchLimits): Batch[] {
  const batches: Batch[] = [];
  let current: { events: StoredEvent[]; entries: string[] } = { events: [], entries: [] };
  let bytes = 0;
  for (const event of events) {
    const entry = encode(event);
    const size = Buffer.byteLength(entry, 'utf8');
    if (current.events.length > 0 && (current.events.length >= limits.maxEvents || bytes + size > limits.maxBytes)) {
      batches.push(current);
      current = { events: [], entries: [] };
      bytes = 0;
    }
    current.events.push(event);
    current.entries.push(entry);
    bytes += size + 1;
  }
  if (current.events.length > 0) batches.push(current);
  return batches;
}
