import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, openTestStore, type TestStore } from '../store/testing/test-stores.js';
import { CREDENTIAL_CACHE_MS, createCredentialLookup } from './credential-cache.js';

for (const engine of ENGINES) {
  describe(`credential cache on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestStore;
    let tenantId: string;
    before(async () => {
      t = await openTestStore(engine.name);
      tenantId = `tenant-${Math.random().toString(36).slice(2)}`;
      await t.store.createTenant({ id: tenantId, name: 'cache', created_at: new Date().toISOString() });
    });
    after(() => t.close());

    let n = 0;
    async function newKey() {
      const key = { id: `k${++n}`, tenant_id: tenantId, name: 'ci', scopes: ['events:write'], key_hash: `hash-${n}-${Math.random()}`, created_at: new Date().toISOString(), revoked_at: null };
      await t.store.insertApiKey(key);
      return key;
    }

    it('refuses a key revoked by another process once its copy is CREDENTIAL_CACHE_MS old', async () => {
      let clock = 1_000_000;
      const lookup = createCredentialLookup(t.store, { now: () => clock });
      const key = await newKey();
      assert.equal((await lookup.findKey(key.key_hash))?.revoked_at, null);
      // Another process (a second node, `stele keys revoke` on the same file) revokes it.
      await t.store.revokeApiKey(tenantId, key.id, '2026-01-01T00:00:00.000Z');
      clock += CREDENTIAL_CACHE_MS - 1;
      assert.equal((await lookup.findKey(key.key_hash))?.revoked_at, null, 'believed for less than the bound');
      clock += 1;
      assert.equal((await lookup.findKey(key.key_hash))?.revoked_at, '2026-01-01T00:00:00.000Z', 'refused from the bound on');
    });

    it('refuses a key revoked in this process at once: forget() drops what it kept', async () => {
      const lookup = createCredentialLookup(t.store, { now: () => 7 });
      const key = await newKey();
      assert.equal((await lookup.findKey(key.key_hash))?.revoked_at, null);
      await t.store.revokeApiKey(tenantId, key.id, '2026-01-01T00:00:00.000Z');
      lookup.forget();
      assert.equal((await lookup.findKey(key.key_hash))?.revoked_at, '2026-01-01T00:00:00.000Z');
    });

    it('keeps no unknown key: a key made after a failed lookup is found at once', async () => {
      const lookup = createCredentialLookup(t.store, { now: () => 5 });
      assert.equal(await lookup.findKey('hash-not-yet'), undefined);
      const key = await newKey();
      await t.store.insertApiKey({ ...key, id: `${key.id}-late`, key_hash: 'hash-not-yet' });
      assert.equal((await lookup.findKey('hash-not-yet'))?.id, `${key.id}-late`);
    });

    it('reads the store every time with a time to live of 0', async () => {
      const lookup = createCredentialLookup(t.store, { ttlMs: 0, now: () => 5 });
      const key = await newKey();
      assert.equal((await lookup.findKey(key.key_hash))?.revoked_at, null);
      await t.store.revokeApiKey(tenantId, key.id, '2026-01-01T00:00:00.000Z');
      assert.equal((await lookup.findKey(key.key_hash))?.revoked_at, '2026-01-01T00:00:00.000Z');
    });
  });
}
