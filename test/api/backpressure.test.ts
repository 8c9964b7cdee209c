// Backpressure on ingest, on both engines: with the store deliberately held (its appends wait
// on a gate the test opens), events waiting for their commit fill the queue up to
// STELE_INGEST_QUEUE_LIMIT; past it a request is refused with 503 `overloaded` and Retry-After,
// and nothing of it is stored; a full queue refuses before the body is read; nothing is
// acknowledged before its commit; once the store catches up the same request is taken. The SDK
// meets the refusal over a real socket, waits at least Retry-After, and delivers every event once.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuditClient, SteleApiError } from '@stele/sdk';
import type { Store } from '../../src/store/port.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A store whose appends wait while the gate is shut, as a database that has fallen behind; it
 * counts the appends of this test's events (the server's own, self-audit, are not counted).
 */
function heldStore() {
  let open: () => void = () => {};
  let gate: Promise<void> | undefined;
  let appendsStarted = 0;
  return {
    shut() {
      gate = new Promise((resolve) => { open = resolve; });
    },
    open() {
      gate = undefined;
      open();
    },
    appendsStarted: () => appendsStarted,
    wrap: (store: Store): Store => new Proxy(store, {
      get(target, name, receiver) {
        if (name !== 'appendEvents') return Reflect.get(target, name, receiver);
        const append: Store['appendEvents'] = async (tenantId, batch, seal) => {
          if (batch.some((pending) => pending.event.action.startsWith('load.'))) appendsStarted++;
          if (gate) await gate;
          return target.appendEvents(tenantId, batch, seal);
        };
        return append;
      },
    }),
  };
}

async function until(what: string, probe: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

const events = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ action: 'load.test', actor: { id: 'u1' }, details: { tag, i } }));

for (const engine of ENGINES) {
  describe(`ingest backpressure on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let tenantId: string;
    const held = heldStore();
    const send = (payload: unknown) => t.request({ method: 'POST', url: '/v1/events', key, payload: payload as object });
    const size = async () => (await t.db.store.getHead(tenantId)).size;

    before(async () => {
      t = await startTestApp(engine.name, { STELE_INGEST_QUEUE_LIMIT: '5', STELE_INGEST_RETRY_AFTER_SECONDS: '1' }, undefined, undefined, { wrapStore: held.wrap });
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read']));
    });
    after(async () => {
      held.open();
      await t?.close();
    });

    it('answers 503 overloaded with Retry-After past the bound, stores nothing of it, and takes it once the store catches up', async () => {
      const start = await size();
      held.shut();
      let firstAnswered = false;
      const first = send(events(3, 'a')).then((response) => { firstAnswered = true; return response; });
      await until('the first batch reaches the store', () => held.appendsStarted() >= 1);

      const refused = await send(events(3, 'b'));
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(refused.json().error.code, 'overloaded');
      assert.match(refused.json().error.message, /STELE_INGEST_QUEUE_LIMIT/);

      // Two more fit the bound of five: taken, and waiting like the first.
      const second = send(events(2, 'c'));
      await until('the second batch reaches the store', () => held.appendsStarted() >= 2);
      // The queue is full: refused before the body is read (a body that is not even JSON is not looked at).
      const early = await t.request({ method: 'POST', url: '/v1/events', key, headers: { 'content-type': 'application/json' }, payload: '{not json' });
      assert.equal(early.statusCode, 503, early.body);
      assert.equal(early.json().error.code, 'overloaded');
      assert.equal(early.headers['retry-after'], '1');

      assert.equal(firstAnswered, false, 'nothing is acknowledged before its commit');
      assert.equal(await size(), start, 'nothing was committed while the store was held');
      held.open();
      const [a, c] = await Promise.all([first, second]);
      assert.equal(a.statusCode, 201);
      assert.equal(c.statusCode, 201);
      assert.equal(await size(), start + 5, 'the refused batch was not stored');

      const again = await send(events(3, 'b'));
      assert.equal(again.statusCode, 201, 'the refused request is taken once the queue has room');
      const stored = await t.request({ method: 'GET', url: '/v1/events?action=load.test&limit=100', key });
      const tags = stored.json().events.map((e: { details: { tag: string } }) => e.details.tag).sort();
      assert.deepEqual(tags, ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c']);

      const metrics = await t.request({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /^stele_ingest_overloaded_total 2$/m);
    });

    it('takes a batch larger than the whole bound when nothing else waits', async () => {
      const start = await size();
      const response = await send(events(8, 'big'));
      assert.equal(response.statusCode, 201);
      assert.equal(await size(), start + 8);
    });

    it('the SDK waits at least Retry-After after a 503 overloaded, then delivers every event once', async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address() as AddressInfo;
      const refusals: number[] = [];
      const errors: unknown[] = [];
      held.shut();
      const startedBefore = held.appendsStarted();
      const blocker = send(events(5, 'blocker'));
      await until('the blocker reaches the store', () => held.appendsStarted() > startedBefore);
      const audit = createAuditClient({
        url: `http://127.0.0.1:${address.port}`, apiKey: key, batchSize: 10, backoff: { baseMs: 10, maxMs: 200 },
        onError: (error) => { errors.push(error); refusals.push(Date.now()); },
      });
      for (let i = 0; i < 4; i++) audit.record({ action: 'load.sdk', actor: { id: 'u2' }, details: { i } });
      const flushed = audit.flush();
      await until('the SDK is refused', () => errors.length >= 1);
      const refusedAt = refusals[0]!;
      held.open();
      await blocker;
      const appendsBeforeRetry = held.appendsStarted();
      await flushed;
      const deliveredAt = Date.now();
      const error = (errors[0] as Error).cause;
      assert.ok(error instanceof SteleApiError, `caused by a SteleApiError, not ${String(error)}`);
      assert.equal(error.status, 503);
      assert.equal(error.code, 'overloaded');
      assert.match((errors[0] as Error).message, /trying again in \d{4,} ms/, 'the wait is Retry-After at least');
      assert.ok(held.appendsStarted() > appendsBeforeRetry, 'the SDK sent the batch again');
      assert.ok(deliveredAt - refusedAt >= 950, `delivered ${deliveredAt - refusedAt} ms after the refusal: sooner than Retry-After (1 s)`);
      const stored = await t.request({ method: 'GET', url: '/v1/events?action=load.sdk&limit=100', key });
      assert.deepEqual(stored.json().events.map((e: { details: { i: number } }) => e.details.i).sort(), [0, 1, 2, 3]);
      assert.deepEqual(await audit.close(), { delivered: 4, spilled: 0, lost: 0 });
    });
  });
}
