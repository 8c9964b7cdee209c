import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../domain/event.js';
import type { EventQuery } from '../store/port.js';
import { sql, type Sql } from '../sql/fragments.js';
import { createSharedReads } from './shared-reads.js';

// A log whose every third event matches the filter; the fake database answers a range query the
// way the stores do (the range is the last two parameters: after, through).
function logOf(size: number) {
  const events = Array.from({ length: size }, (_, i) => ({ seq: i + 1 }) as StoredEvent);
  const reads: [number, number][] = [];
  let failNext = false;
  const store = {
    async findEvents(_tenantId: string, query: EventQuery): Promise<StoredEvent[]> {
      await new Promise((resolve) => setImmediate(resolve));
      if (failNext) {
        failNext = false;
        throw new Error('database away');
      }
      const [after, through] = query.where.params.slice(-2) as [number, number];
      reads.push([after, through]);
      return events.filter((e) => e.seq > after && e.seq <= through && e.seq % 3 === 0).slice(0, query.limit);
    },
  };
  return { store, reads, failOnce: () => { failNext = true; } };
}

const filter: Sql = sql('action = ?', ['x']);
const seqs = (events: StoredEvent[]) => events.map((e) => e.seq);

describe('shared reads', () => {
  it('serves streams at different cursors from one read of each event, sharing the objects', async () => {
    const log = logOf(100);
    const shared = createSharedReads(log.store, () => 0);
    const [a, b] = await Promise.all([shared.read('t', filter, 0, 30, 1000), shared.read('t', filter, 0, 30, 1000)]);
    assert.deepEqual(seqs(a), [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    assert.equal(a[0], b[0], 'the same event objects, so each is encoded once');
    // A stream further on, and one asking past the window's end: only the new part is read.
    assert.deepEqual(seqs(await shared.read('t', filter, 20, 30, 1000)), [21, 24, 27, 30]);
    assert.deepEqual(seqs(await shared.read('t', filter, 12, 40, 1000)), [15, 18, 21, 24, 27, 30, 33, 36, 39]);
    assert.deepEqual(seqs(await shared.read('t', filter, 30, 40, 1000)), [33, 36, 39]);
    assert.deepEqual(log.reads, [[0, 30], [30, 40]]);
  });

  it('never answers past the head the stream read, nor more than its limit', async () => {
    const log = logOf(100);
    const shared = createSharedReads(log.store, () => 0);
    await shared.read('t', filter, 0, 60, 1000);
    assert.deepEqual(seqs(await shared.read('t', filter, 0, 10, 1000)), [3, 6, 9], 'a stream that read an older head');
    assert.deepEqual(seqs(await shared.read('t', filter, 0, 60, 4)), [3, 6, 9, 12]);
    assert.deepEqual(log.reads, [[0, 60]]);
  });

  it('extends by full reads: a read that hit the limit covers the log only up to its last event', async () => {
    const log = logOf(100);
    const shared = createSharedReads(log.store, () => 0);
    assert.deepEqual(seqs(await shared.read('t', filter, 0, 100, 3)), [3, 6, 9]);
    assert.deepEqual(seqs(await shared.read('t', filter, 9, 100, 3)), [12, 15, 18]);
    assert.deepEqual(log.reads, [[0, 100], [9, 100]]);
  });

  it('reads alone for a stream behind the window, and for other filters and tenants', async () => {
    const log = logOf(100);
    const shared = createSharedReads(log.store, () => 0);
    await shared.read('t', filter, 50, 60, 1000);
    assert.deepEqual(seqs(await shared.read('t', filter, 10, 20, 1000)), [12, 15, 18]);
    await shared.read('t', sql('action = ?', ['y']), 50, 60, 1000);
    await shared.read('u', filter, 50, 60, 1000);
    assert.deepEqual(log.reads, [[50, 60], [10, 20], [50, 60], [50, 60]]);
    await shared.read('t', filter, 50, 60, 1000);
    assert.equal(log.reads.length, 4, 'the window is still there');
  });

  it('forgets what it read a second ago, so a deleted event is sent as it was for a second at most', async () => {
    const log = logOf(100);
    let clock = 0;
    const shared = createSharedReads(log.store, () => clock);
    await shared.read('t', filter, 0, 30, 1000);
    clock = 1001;
    assert.deepEqual(seqs(await shared.read('t', filter, 0, 30, 1000)), [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    assert.deepEqual(log.reads, [[0, 30], [0, 30]]);
  });

  it('does not keep a read that failed: the stream that asked sees the failure, the next one reads again', async () => {
    const log = logOf(100);
    const shared = createSharedReads(log.store, () => 0);
    log.failOnce();
    const [first, second] = await Promise.allSettled([shared.read('t', filter, 0, 30, 1000), shared.read('t', filter, 0, 30, 1000)]);
    assert.equal(first.status, 'rejected');
    assert.match(String((first as PromiseRejectedResult).reason), /database away/);
    assert.equal(second.status, 'fulfilled');
    assert.deepEqual(seqs((second as PromiseFulfilledResult<StoredEvent[]>).value), [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
  });
});
