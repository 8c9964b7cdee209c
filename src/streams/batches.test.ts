import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../domain/event.js';
import { splitIntoBatches } from './batches.js';

const events = (n: number) => Array.from({ length: n }, (_, i) => ({ seq: i + 1, id: `e${i + 1}` }) as StoredEvent);

describe('cutting events into requests', () => {
  it('keeps seq order and the event limit', () => {
    const batches = splitIntoBatches(events(25), (e) => e.id, { maxEvents: 10, maxBytes: 1e6 });
    assert.deepEqual(batches.map((b) => b.events.length), [10, 10, 5]);
    assert.deepEqual(batches.flatMap((b) => b.events.map((e) => e.seq)), Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('keeps the byte limit, counting UTF-8 bytes and one separator per entry', () => {
    const batches = splitIntoBatches(events(6), () => 'ééé', { maxEvents: 100, maxBytes: 14 }); // 6 bytes + 1 each
    assert.deepEqual(batches.map((b) => b.entries.length), [2, 2, 2]);
  });

  it('sends an event larger than the byte limit alone rather than never', () => {
    const batches = splitIntoBatches(events(3), (e) => (e.seq === 2 ? 'x'.repeat(100) : 'y'), { maxEvents: 100, maxBytes: 10 });
    assert.deepEqual(batches.map((b) => b.events.map((e) => e.seq)), [[1], [2], [3]]);
  });
});
