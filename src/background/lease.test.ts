import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, openTestStore, type TestStore } from '../store/testing/test-stores.js';
import { createLeases } from './lease.js';

const TTL = 60_000;

for (const engine of ENGINES) {
  describe(`export leases on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestStore;
    const clock = { ms: 1_700_000_000_000 };
    const node = (owner: string) => createLeases(t.store, { owner, ttlMs: TTL, now: () => clock.ms });
    const generations = async (name: string) =>
      (await t.store.listRecords('lease', 't1')).filter((r) => r.id.startsWith(`${name}#`)).map((r) => Number(r.id.split('#')[1]));

    before(async () => {
      t = await openTestStore(engine.name);
    });
    after(() => t.close());

    it('lets one of two nodes racing for a lease take it', async () => {
      const [a, b] = await Promise.all([node('a').acquire('t1', 'race'), node('b').acquire('t1', 'race')]);
      assert.equal([a, b].filter(Boolean).length, 1);
      await (a ?? b)!.end();
    });

    it('refuses a held lease, and hands it over on release or once expired', async () => {
      const held = await node('a').acquire('t1', 'job:1');
      assert.ok(held);
      assert.equal(await node('b').acquire('t1', 'job:1'), undefined);
      await held.release();
      const taken = await node('b').acquire('t1', 'job:1');
      assert.equal(taken?.generation, 2);

      clock.ms += TTL + 1;
      const takenOver = await node('c').acquire('t1', 'job:1');
      assert.equal(takenOver?.generation, 3, 'an expired holder loses it');
      assert.deepEqual(await generations('job:1'), [2, 3], 'generations before the previous one are deleted');
      await takenOver.end();
      assert.deepEqual(await generations('job:1'), []);
    });

    it('turns away a stale node that re-creates a generation already cleaned up', async () => {
      for (let i = 0; i < 3; i++) await (await node('a').acquire('t1', 'stale'))!.release();
      assert.deepEqual(await generations('stale'), [2, 3]);
      // A node that read the leases before any existed, then stalled: it inserts generation 1,
      // which succeeds because generation 1 was cleaned up, and must still back off.
      let reads = 0;
      const stale = new Proxy(t.store, {
        get: (target, property) => property === 'listRecords'
          ? async (...args: Parameters<typeof target.listRecords>) => (reads++ === 0 ? [] : target.listRecords(...args))
          : Reflect.get(target, property),
      });
      assert.equal(await createLeases(stale, { owner: 'stale', ttlMs: TTL, now: () => clock.ms }).acquire('t1', 'stale'), undefined);
      assert.deepEqual(await generations('stale'), [2, 3], 'and removes what it inserted');
      const held = await node('b').acquire('t1', 'stale');
      assert.equal(held?.generation, 4);
      await held.end();
    });
  });
}
