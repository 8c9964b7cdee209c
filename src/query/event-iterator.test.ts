import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sealEvents } from '@stele/integrity';
import { pendingEvents } from '../store/testing/fixtures.js';
import { ENGINES, openTestStore, type TestStore } from '../store/testing/test-stores.js';
import { iterateEvents } from './event-iterator.js';
import { eq, TRUE } from '../sql/fragments.js';

for (const engine of ENGINES) {
  describe(`iterateEvents on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(engine.name);
      await t.store.createTenant({ id: 'it', name: 'it', created_at: new Date().toISOString() });
      await t.store.appendEvents('it', pendingEvents(25, (i) => ({ action: i % 2 ? 'odd' : 'even' })), sealEvents);
    });
    after(() => t.close());

    const collect = async (gen: AsyncGenerator<{ seq: number }>) => {
      const out: number[] = [];
      for await (const e of gen) out.push(e.seq);
      return out;
    };

    it('walks every matching event in seq order across pages', async () => {
      assert.deepEqual(await collect(iterateEvents(t.store, 'it', { where: TRUE, pageSize: 4 })), Array.from({ length: 25 }, (_, i) => i + 1));
      assert.deepEqual(await collect(iterateEvents(t.store, 'it', { where: eq('action', 'odd'), pageSize: 3 })), Array.from({ length: 12 }, (_, i) => 2 * i + 2));
    });

    it('starts after a seq and stops after max events', async () => {
      assert.deepEqual(await collect(iterateEvents(t.store, 'it', { where: TRUE, afterSeq: 20, pageSize: 2 })), [21, 22, 23, 24, 25]);
      assert.deepEqual(await collect(iterateEvents(t.store, 'it', { where: TRUE, max: 5, pageSize: 2 })), [1, 2, 3, 4, 5]);
    });
  });
}
