// The SQLite page reader: worker threads and the store's own connection give the same pages, a
// reader whose workers cannot start still reads, and a row SQLite cannot encode is an error.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sealEvents } from '../../integrity/seal.js';
import type { CanonicalRows, Store } from '../port.js';
import { pendingEvents } from '../testing/fixtures.js';
import { openSqliteStore } from './sqlite-store.js';
import { pageWorkers, WorkersUnavailable } from './page-workers.js';
import type { PageArgs } from './sqlite-canonical-rows.js';

const ID_SQL = 'SELECT id FROM events WHERE tenant_id = @tenantId AND seq = @seq';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function storeWithEvents(file: string | undefined): Promise<{ store: Store; file: string }> {
  let path = ':memory:';
  if (file === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'stele-rows-'));
    dirs.push(dir);
    path = join(dir, 'stele.db');
  }
  const store = openSqliteStore({ file: path });
  await store.migrate();
  await store.createTenant({ id: 't', name: 't', created_at: new Date().toISOString() });
  const at = (i: number) => new Date(Date.UTC(2026, 4, 1) + i * 1000).toISOString();
  await store.appendEvents('t', pendingEvents(25, (i) => ({ id: `e${i}`, occurred_at: at(i), received_at: at(i), actor: { id: `user_${i}` }, details: { i } })), sealEvents);
  return { store, file: path };
}

const asHex = (page: CanonicalRows | undefined) =>
  page && { ...page, leafInputs: Buffer.from(page.leafInputs).toString('hex'), storedHashes: Buffer.from(page.storedHashes).toString('hex') };

describe('SQLite canonical rows', () => {
  it('gives the same pages through worker threads as on the store\'s own connection', async () => {
    const onDisk = await storeWithEvents(undefined);
    const inMemory = await storeWithEvents(':memory:');
    try {
      for (const [afterSeq, limit] of [[0, 10], [10, 10], [20, 10], [25, 10]] as const) {
        const [a, b] = await Promise.all([onDisk.store.readCanonicalRows!('t', afterSeq, 25, limit), inMemory.store.readCanonicalRows!('t', afterSeq, 25, limit)]);
        assert.deepEqual(asHex(a), asHex(b));
        assert.equal(a === undefined, afterSeq === 25);
      }
    } finally {
      await onDisk.store.close();
      await inMemory.store.close();
    }
  });

  it('builds pages in worker threads (not only on the store\'s connection)', async () => {
    const { store, file } = await storeWithEvents(undefined);
    const workers = pageWorkers({ file, pageSql: 'SELECT count(*) AS rows, max(seq) AS last_seq FROM events WHERE tenant_id = @tenantId AND seq > @afterSeq AND seq <= @throughSeq LIMIT @limit', idSql: ID_SQL, size: 1 });
    try {
      assert.deepEqual(await workers.read({ tenantId: 't', afterSeq: 5, throughSeq: 25, limit: 100 }), { page: { rows: 20, last_seq: 25 }, lastId: 'e24' });
      // A statement error is the read's own failure, not a sign that the workers are gone.
      await assert.rejects(workers.read({ tenantId: 't', afterSeq: 5 } as PageArgs), (error: Error) => /parameter/i.test(error.message) && !(error instanceof WorkersUnavailable));
      assert.equal((await workers.read({ tenantId: 't', afterSeq: 0, throughSeq: 3, limit: 100 })).page.rows, 3);
    } finally {
      await workers.close();
      await store.close();
    }
  });

  it('reads on its own connection when the workers cannot open the file', async () => {
    const { store, file } = await storeWithEvents(undefined);
    try {
      // The store keeps its open connection; a new read-only connection finds no file.
      renameSync(file, `${file}.moved`);
      const page = await store.readCanonicalRows!('t', 0, 25, 100);
      assert.deepEqual([page?.firstSeq, page?.lastSeq, page?.exact], [1, 25, true]);
    } finally {
      await store.close();
    }
  });

  it('fails the read of a page holding a value SQLite cannot write as JSON', async () => {
    const { store, file } = await storeWithEvents(undefined);
    const dba = new Database(file);
    try {
      for (const { name } of dba.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) dba.exec(`DROP TRIGGER ${name}`);
      dba.prepare("UPDATE events SET actor_id = x'00ff' WHERE seq = 3").run();
      await assert.rejects(store.readCanonicalRows!('t', 0, 25, 100), /JSON cannot hold BLOB values/);
      assert.equal((await store.readCanonicalRows!('t', 3, 25, 100))?.firstSeq, 4, 'the other pages still read');
    } finally {
      dba.close();
      await store.close();
    }
  });
});
