// The SQLite page reader: worker threads and the store's own connection give the same pages, a
// reader whose workers cannot start still reads, and the texts written in SQL and by the native
// extension are the same, and never let a hand-edited value through.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { LogVerifier, sealEvents } from '@stele/integrity';
import { Buffer } from 'node:buffer';
import { nativeProblem, nativeSqliteExtension } from '../../native/native-addons.js';
import { TRUE } from '../../sql/fragments.js';
import type { CanonicalRows, PendingEvent, Store } from '../port.js';
import { AWKWARD_EVENTS, pendingEvent, pendingEvents } from '../testing/fixtures.js';
import { openSqliteStore } from './sqlite-store.js';
import { pageWorkers, WorkersUnavailable } from './page-workers.js';
import { sqliteCanonicalRowReader, type PageArgs } from './sqlite-canonical-rows.js';

const ID_SQL = 'SELECT id FROM events WHERE tenant_id = @tenantId AND seq = @seq';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function storeWithEvents(file: string | undefined, events?: PendingEvent[]): Promise<{ store: Store; file: string }> {
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
  await store.appendEvents('t', events ?? pendingEvents(25, (i) => ({ id: `e${i}`, occurred_at: at(i), received_at: at(i), actor: { id: `user_${i}` }, details: { i } })), sealEvents);
  return { store, file: path };
}

const asHex = (page: CanonicalRows | undefined) =>
  page && Object.fromEntries(Object.entries(page).map(([key, value]) => [key, value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value]));

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
    const workers = pageWorkers({ file, pageSql: 'SELECT count(*) AS rows, max(seq) AS last_seq FROM events WHERE tenant_id = @tenantId AND seq > @afterSeq AND seq <= @throughSeq LIMIT @limit', idSql: ID_SQL, extension: undefined, size: 1 });
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

});

describe('SQLite canonical rows: texts written in SQL and by the native extension', () => {
  // Each reader on a connection of its own, as the store would have it.
  async function readersOn(file: string) {
    const connections = [new Database(file), new Database(file)];
    const inSql = sqliteCanonicalRowReader(connections[0]!, file, undefined);
    const native = sqliteCanonicalRowReader(connections[1]!, file, nativeSqliteExtension);
    const close = async () => {
      await Promise.all([inSql.close(), native.close()]);
      connections.forEach((c) => c.close());
    };
    return { inSql, native, close };
  }
  const withoutNative = nativeSqliteExtension ? false : `the native extension is not built (${nativeProblem})`;

  it('are byte for byte the same for every awkward value', { skip: withoutNative }, async () => {
    const { file } = await storeWithEvents(undefined, AWKWARD_EVENTS.map((fields) => pendingEvent(fields)));
    const { inSql, native, close } = await readersOn(file);
    try {
      assert.deepEqual([inSql.native, native.native], [false, true]);
      for (const afterSeq of [0, 10, 20, 30, 40]) {
        const args = { tenantId: 't', afterSeq, throughSeq: 1000, limit: 10 };
        const [a, b] = [await inSql.read(args), await native.read(args)];
        assert.ok(a?.exact, `the page after ${afterSeq} is exact`);
        assert.deepEqual(asHex(b), asHex(a));
      }
    } finally {
      await close();
    }
  });

  // Hand edits a DBA could make, each of a value the texts cannot encode exactly.
  const edits: [seq: number, set: string][] = [
    [2, 'success = 2'],
    [4, 'actor_name = 123'],
    [6, 'occurred_at = -1'],
    [8, "occurred_at = '2026-05-01'"],
    [10, 'received_at = 253402300800000'],
    [12, 'http_status = 200.5'],
    [14, `details = '{"i":14},"id":"forged"'`],
    [16, "actor_id = x'00ff'"],
  ];
  const CONTROL_SEQ = 18;

  for (const writer of ['SQL', 'native'] as const) {
    it(`never let a hand-edited value with no exact encoding through the fast path (${writer})`, { skip: writer === 'native' && withoutNative }, async () => {
      const { store, file } = await storeWithEvents(undefined);
      const events = await store.findEvents('t', { where: TRUE, order: { key: 'seq', direction: 'asc' }, limit: 1000 });
      const dba = new Database(file);
      for (const { name } of dba.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) dba.exec(`DROP TRIGGER ${name}`);
      for (const [seq, set] of edits) dba.prepare(`UPDATE events SET ${set} WHERE tenant_id = 't' AND seq = ?`).run(seq);
      dba.close();
      const { inSql, native, close } = await readersOn(file);
      const reader = writer === 'SQL' ? inSql : native;
      try {
        assert.equal(reader.native, writer === 'native');
        for (const [seq, set] of [...edits, [CONTROL_SEQ, 'nothing'] as const]) {
          const page = await reader.read({ tenantId: 't', afterSeq: seq - 1, throughSeq: seq, limit: 1 }).catch(() => undefined);
          const verifier = new LogVerifier({ firstSeq: seq, prevChainHash: Buffer.from(events[seq - 2]!.chain_hash, 'hex') });
          assert.equal(page !== undefined && verifier.pushCanonicalRows(page), seq === CONTROL_SEQ, set);
        }
        // SQLite's JSON functions refuse the blob outright (the read fails); C leaves its row out.
        const blobPage = reader.read({ tenantId: 't', afterSeq: 15, throughSeq: 16, limit: 1 });
        if (writer === 'SQL') await assert.rejects(blobPage, /JSON cannot hold BLOB values/);
        else assert.equal((await blobPage)?.leafInputs.length, 0);
      } finally {
        await close();
        await store.close();
      }
    });
  }
});

