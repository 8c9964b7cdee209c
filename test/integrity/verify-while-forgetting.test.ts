// A verification running while a deletion (or purge, or erasure) turns events into tombstones: the
// record that explains them is appended before they are tombstoned, so the walk may meet a
// tombstone whose record was appended after verification collected the records it knew of. That
// is no tampering, and must not read as such (it did: `content_removed`, ok: false, until the same
// verify ran again).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/port.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

for (const engine of ENGINES) {
  describe(`verification while events are forgotten on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    /** Runs once, before the next read of a tenant's log pages reaches the store. */
    let beforeNextPage: { tenantId: string; run: () => Promise<void> } | undefined;
    const wrapStore = (store: Store): Store => new Proxy(store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function' || (name !== 'readCanonicalRows' && name !== 'findEvents')) return value;
        return async (tenantId: string, ...args: unknown[]) => {
          const hook = beforeNextPage;
          // The walk's page reads ask for seqs; the records' read (by action) comes first and is let through.
          const pageRead = name === 'readCanonicalRows' || JSON.stringify(args[0]).includes('"seq"');
          if (hook?.tenantId === tenantId && pageRead && !JSON.stringify(args[0]).includes('audit.deleted')) {
            beforeNextPage = undefined;
            await hook.run();
          }
          return (value as (...a: unknown[]) => unknown).call(target, tenantId, ...args);
        };
      },
    });

    before(async () => { t = await startTestApp(engine.name, {}, undefined, undefined, { wrapStore }); });
    after(async () => t.close());

    it('explains a tombstone whose deletion record was appended while it walked the log', async () => {
      const { key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:write']);
      const sent = await t.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: 20 }, (_, i) => ({ id: `doc-${i}`, action: 'file.read', details: { i } })) });
      assert.equal(sent.statusCode, 201, sent.body);
      let deleted = false;
      beforeNextPage = { tenantId, run: async () => {
        const response = await t.request({ method: 'DELETE', url: '/v1/events/doc-7', key, payload: { reason: 'a data subject asked' } });
        assert.ok(response.statusCode < 300, response.body);
        deleted = true;
      } };
      const verified = await t.request({ method: 'POST', url: '/v1/integrity/verify', key, payload: {} });
      assert.ok(deleted, `the deletion ran while verification walked the log: ${verified.body}`);
      assert.deepEqual([verified.json().ok, verified.json().failures], [true, []]);
      assert.deepEqual(verified.json().forgotten.map((f: { kind: string }) => f.kind), ['deleted']);
    });
  });
}
