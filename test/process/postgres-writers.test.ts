// Several Stele processes appending to one PostgreSQL at once must keep each tenant's seq
// gap-free, duplicate-free and in commit order, with an unbroken hash chain.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openTestStore, POSTGRES_SKIP_REASON, type TestStore } from '../../src/store/testing/test-stores.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const ADMIN = 'stele_admin_multiprocess_test_token';
const WRITERS = 4;
const BATCHES_PER_WRITER = 40;
const EVENTS_PER_BATCH = 25;

describe('four server processes writing to one PostgreSQL', { skip: POSTGRES_SKIP_REASON }, () => {
  let db: TestStore;
  const servers: ServerProcess[] = [];

  before(async () => {
    db = await openTestStore('postgres');
    // Each server is kept as it starts, so that after() stops those that did even if another did not.
    await Promise.all(Array.from({ length: WRITERS }, async () => {
      servers.push(await startServerProcess({
        STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema!, STELE_ADMIN_TOKEN: ADMIN,
      }));
    }));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db.close();
  });

  it('assigns seq exactly 1..N with an unbroken chain', async () => {
    const post = (server: ServerProcess, path: string, body: unknown, key = ADMIN) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const tenant = await (await post(servers[0]!, '/v1/tenants', { name: 'busy' })).json() as { id: string };
    const { key } = await (await post(servers[1]!, `/v1/tenants/${tenant.id}/keys`, { name: 'w', scopes: ['events:write'] })).json() as { key: string };

    const acked: number[] = [];
    await Promise.all(servers.map(async (server, w) => {
      for (let b = 0; b < BATCHES_PER_WRITER; b++) {
        const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({ action: 'load.test', details: { w, b, i } }));
        const response = await post(server, '/v1/events', batch, key);
        assert.equal(response.status, 201);
        acked.push(...((await response.json()) as { events: { seq: number }[] }).events.map((e) => e.seq));
      }
    }));

    const total = WRITERS * BATCHES_PER_WRITER * EVENTS_PER_BATCH;
    // The log starts with the tenant's and its key's creation (seq 1 and 2), recorded by two other processes.
    const start = 2;
    assert.deepEqual([...acked].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => start + i + 1));
    const rows = await db.raw('SELECT seq, action, leaf_hash, chain_hash FROM events WHERE tenant_id = ? ORDER BY seq', [tenant.id]);
    assert.deepEqual(rows.slice(0, start).map((row) => row.action), ['tenant.created', 'api_key.created']);
    assert.equal(rows.length, start + total);
    let chain = Buffer.alloc(32);
    for (const [i, row] of rows.entries()) {
      assert.equal(Number(row.seq), i + 1);
      chain = createHash('sha256').update(chain).update(row.leaf_hash as Buffer).digest();
      assert.ok(chain.equals(row.chain_hash as Buffer), `chain breaks at seq ${i + 1}`);
    }
  });
});
