import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../domain/event.js';
import type { EventQuery } from '../store/port.js';
import { sql } from '../sql/fragments.js';
import { createSharedReads } from './shared-reads.js';

const query = (after: number): EventQuery => ({ where: sql('seq > ?', [after]), order: { key: 'seq', direction: 'asc' }, limit: 10 });

describe('shared reads', () => {
  it('serves identical reads made together with one database read, and different ones apart', async () => {
    let reads = 0;
    let clock = 0;
    const shared = createSharedReads({ findEvents: async () => { reads++; return [{ seq: 1 } as StoredEvent]; } }, () => clock);
    const [a, b] = await Promise.all([shared.findEvents('t', query(0)), shared.findEvents('t', query(0))]);
    assert.equal(reads, 1);
    assert.equal(a, b, 'the same event objects, so each is encoded once');
    await shared.findEvents('t', query(1));
    await shared.findEvents('other', query(0));
    assert.equal(reads, 3);
    clock = 1001;
    await shared.findEvents('t', query(0));
    assert.equal(reads, 4, 'kept one second at most');
  });

  it('does not share a read that failed', async () => {
    let reads = 0;
    const shared = createSharedReads({ findEvents: async () => { reads++; if (reads === 1) throw new Error('database away'); return []; } });
    await assert.rejects(shared.findEvents('t', query(0)), /database away/);
    assert.deepEqual(await shared.findEvents('t', query(0)), []);
    assert.equal(reads, 2);
  });
});
