import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { createIngestService } from '../../src/ingest/ingest-service.js';
import { sealEvents } from '@stele/integrity';
import { eq } from '../../src/sql/fragments.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

for (const engine of ENGINES) {
  describe(`GET /v1/events/feed on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let tenantId: string;
    /** The log's size before the first test's events: it starts with the tenant's and its key's creation. */
    let base: number;
    const feed = (query: string, k = key) => t.request({ method: 'GET', url: `/v1/events/feed?${query}`, key: k });
    const send = (events: object[]) => t.request({ method: 'POST', url: '/v1/events', key, payload: events });

    before(async () => {
      t = await startTestApp(engine.name);
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read']));
      base = (await t.db.store.getHead(tenantId)).size;
    });
    after(() => t.close());

    it('returns events after a seq in seq order, with the seq to ask after next', async () => {
      await send(Array.from({ length: 5 }, (_, i) => ({ action: i % 2 ? 'a.odd' : 'a.even' })));
      const first = (await feed(`after_seq=${base}&limit=3`)).json();
      assert.deepEqual(first.events.map((e: { seq: number }) => e.seq), [base + 1, base + 2, base + 3]);
      assert.equal(first.next_after_seq, base + 3);
      // That read is in the log now, after the five events; reading on (same filters) only counts.
      const rest = (await feed(`after_seq=${first.next_after_seq}&limit=3`)).json();
      assert.deepEqual(rest.events.map((e: { seq: number; action: string }) => [e.seq, e.action]), [[base + 4, 'a.odd'], [base + 5, 'a.even'], [base + 6, 'data.accessed']]);
      assert.equal(rest.next_after_seq, base + 6);
      assert.deepEqual((await feed(`after_seq=${base + 6}`)).json(), { events: [], next_after_seq: base + 6 });
    });

    it('moves past filtered-out events so they are not scanned again', async () => {
      const page = (await feed(`after_seq=${base}&action=a.odd`)).json();
      assert.deepEqual(page.events.map((e: { seq: number }) => e.seq), [base + 2, base + 4]);
      assert.equal(page.next_after_seq, base + 6);
    });

    it('refuses bad parameters and keys without audit:read', async () => {
      assert.equal((await feed('after_seq=-1')).statusCode, 400);
      assert.equal((await feed('limit=1001')).statusCode, 400);
      assert.equal((await feed('wait=61')).statusCode, 400);
      const writer = await t.tenantWithKey(['events:write']);
      assert.equal((await feed('after_seq=0', writer.key)).statusCode, 403);
    });

    // The reads filter on the actions they wait for: each new filter's first read adds a data.accessed.
    it('long-polls until an event arrives, and returns empty when the wait ends', async () => {
      const head = (await feed('after_seq=0&limit=1000&action=wake.*')).json().next_after_seq;
      const started = Date.now();
      const waiting = feed(`after_seq=${head}&wait=10&action=wake.*`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await send([{ action: 'wake.up' }]);
      const page = (await waiting).json();
      assert.deepEqual(page.events.map((e: { action: string }) => e.action), ['wake.up']);
      assert.ok(Date.now() - started < 2000, 'woken by the commit, not by the end of the wait');

      const quiet = Date.now();
      const empty = (await feed(`after_seq=${page.next_after_seq}&wait=1&action=wake.*`)).json();
      assert.deepEqual(empty, { events: [], next_after_seq: page.next_after_seq });
      assert.ok(Date.now() - quiet >= 950);
    });

    it('sees writes by another process through the periodic re-check', async () => {
      const head = (await feed('after_seq=0&limit=1000&action=elsewhere.*')).json().next_after_seq;
      const waiting = feed(`after_seq=${head}&wait=10&action=elsewhere.*`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Straight to the store, as another API process would: no in-process notification.
      await createIngestService({ store: t.db.store, limits: DEFAULT_LIMITS, seal: sealEvents }).record(tenantId, [{ action: 'elsewhere.written' }]);
      const page = (await waiting).json();
      assert.deepEqual(page.events.map((e: { action: string }) => e.action), ['elsewhere.written']);
    });

    it('gives a paging client every seq exactly once under concurrent writers', async () => {
      const start = (await feed('after_seq=0&limit=1000&action=load.test')).json().next_after_seq;
      const writers = 6;
      const batches = 15;
      let writing = true;
      const written = Promise.all(Array.from({ length: writers }, async (_, w) => {
        for (let b = 0; b < batches; b++) {
          const size = 1 + ((w * 7 + b * 3) % 9);
          const response = await send(Array.from({ length: size }, (_, i) => ({ action: 'load.test', details: { w, b, i } })));
          assert.equal(response.statusCode, 201);
        }
      })).finally(() => { writing = false; });

      const seen: number[] = [];
      let after = start;
      const read = async (wait: number) => {
        const page = (await feed(`after_seq=${after}&limit=7&wait=${wait}&action=load.test`)).json();
        for (const event of page.events) seen.push(event.seq);
        after = page.next_after_seq;
        return page.events.length;
      };
      while (writing) await read(1);
      await written;
      while ((await read(0)) > 0);
      let total = 0;
      for (let w = 0; w < writers; w++) for (let b = 0; b < batches; b++) total += 1 + ((w * 7 + b * 3) % 9);
      // Every load.test event is seen once, in order; the log's own data.accessed may sit between them.
      const stored = (await t.db.store.findEvents(tenantId, { where: eq('action', 'load.test'), order: { key: 'seq', direction: 'asc' }, limit: 10_000 })).map((e) => e.seq);
      assert.equal(stored.length, total);
      assert.deepEqual(seen, stored, 'no seq skipped, none repeated, in order');
      assert.ok(seen[0]! > start);
    });
  });
}
