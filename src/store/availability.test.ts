// What a caller sees when the database cannot do the work now: StoreUnavailableError (which HTTP
// answers with 503 and Retry-After), nothing half-done, and a store that works again once the
// database can. The server-level faults (restart, terminated connections, a stalled network) are
// in test/faults/.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:net';
import { TRUE } from '../sql/fragments.js';
import { StoreUnavailableError, type Store } from './port.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { ENGINES, openTestStore, POSTGRES_SKIP_REASON, type TestStore } from './testing/test-stores.js';

const newTenant = (id: string) => ({ id, name: id, created_at: new Date().toISOString() });

/** A loopback port that was just free: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const engine of ENGINES) {
  describe(`${engine.name} store while its database is busy`, { skip: engine.skip }, () => {
    let t: TestStore;
    let store: Store;
    before(async () => {
      t = await openTestStore(engine.name);
      // PostgreSQL: a second store on the same schema that gives up on a statement after 300 ms.
      // SQLite gives up on a lock after its busy timeout of 5 s.
      store = engine.name === 'postgres'
        ? openPostgresStore({ connectionString: t.location.databaseUrl!, schema: t.location.pgSchema!, timeouts: { connectMs: 2000, statementMs: 300, idleMs: 1000 } })
        : t.store;
    });
    after(async () => {
      if (store !== t.store) await store.close();
      await t.close();
    });

    it('answers a write it cannot take now with StoreUnavailableError, stores nothing, and takes it once the lock is gone', async () => {
      await t.raw(engine.name === 'postgres' ? 'BEGIN' : 'BEGIN EXCLUSIVE');
      if (engine.name === 'postgres') await t.raw('LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE');
      let refusal: unknown;
      try {
        await store.createTenant(newTenant('while-locked'));
      } catch (error) {
        refusal = error;
      } finally {
        await t.raw('COMMIT');
      }
      assert.ok(refusal instanceof StoreUnavailableError, `refused with ${String(refusal)}`);
      assert.equal(refusal.code, 'unavailable');
      assert.equal(refusal.status, 503);
      assert.ok(refusal.retryAfterSeconds >= 1);
      assert.equal(await store.getTenant('while-locked'), undefined);

      await store.createTenant(newTenant('after-the-lock'));
      assert.equal((await store.getTenant('after-the-lock'))?.name, 'after-the-lock');
    });

    it('leaves an error about the work itself as it is', async () => {
      await store.createTenant(newTenant('twice'));
      await assert.rejects(store.createTenant(newTenant('twice')), (error) => !(error instanceof StoreUnavailableError));
    });
  });
}

describe('postgres store without a server to reach', { skip: POSTGRES_SKIP_REASON }, () => {
  it('answers StoreUnavailableError, for every call while the server stays away', async () => {
    const store = openPostgresStore({ connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/none`, timeouts: { connectMs: 1000, statementMs: 1000, idleMs: 1000 } });
    try {
      await assert.rejects(store.ping(), StoreUnavailableError);
      await assert.rejects(store.getTenant('any'), StoreUnavailableError);
      const rows = store.encodeEventRows!('any', TRUE, 'csv');
      await assert.rejects(rows[Symbol.asyncIterator]().next(), StoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});
