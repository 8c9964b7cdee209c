// PostgreSQL's two page readers: texts built in SQL (postgres-canonical-rows.ts) and written in C
// from a binary COPY (copied-canonical-rows.ts). They give the same pages byte for byte, and
// neither lets through a hand-edited value that has no exact encoding.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { sealEvents } from '../../integrity/seal.js';
import { LogVerifier } from '../../integrity/verify-log.js';
import { nativePostgresPages, nativeProblem } from '../../native/native-addons.js';
import { TRUE } from '../../query/sql.js';
import type { StoredEvent } from '../../domain/event.js';
import type { CanonicalRows } from '../port.js';
import { AWKWARD_EVENTS, pendingEvent, pendingEvents } from '../testing/fixtures.js';
import { openTestStore, POSTGRES_SKIP_REASON, type TestStore } from '../testing/test-stores.js';
import { copiedCanonicalRowReader } from './copied-canonical-rows.js';
import { postgresCanonicalRowReader } from './postgres-canonical-rows.js';

const skip = POSTGRES_SKIP_REASON || (nativePostgresPages ? false : `the native code is not built (${nativeProblem})`);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const asHex = (page: CanonicalRows | undefined) =>
  page && { ...page, leafInputs: hex(page.leafInputs), storedLeafHashes: hex(page.storedLeafHashes), storedChainHashes: hex(page.storedChainHashes) };

describe('PostgreSQL canonical rows: texts built in SQL and written in C from a binary COPY', { skip }, () => {
  let db: TestStore;
  let pool: pg.Pool;
  let readers: { SQL: ReturnType<typeof postgresCanonicalRowReader>; native: ReturnType<typeof copiedCanonicalRowReader> };
  const eventsOf = (tenantId: string): Promise<StoredEvent[]> => db.store.findEvents(tenantId, { where: TRUE, order: { key: 'seq', direction: 'asc' }, limit: 1000 });

  before(async () => {
    db = await openTestStore('postgres');
    pool = new pg.Pool({ connectionString: db.location.databaseUrl, options: `-c search_path=${db.location.pgSchema}`, max: 2 });
    readers = { SQL: postgresCanonicalRowReader(pool), native: copiedCanonicalRowReader(pool, nativePostgresPages!) };
    await db.store.createTenant({ id: 'awkward', name: 'awkward', created_at: new Date().toISOString() });
    await db.store.appendEvents('awkward', AWKWARD_EVENTS.map((fields) => pendingEvent(fields)), sealEvents);
    await db.store.createTenant({ id: 'edited', name: 'edited', created_at: new Date().toISOString() });
    await db.store.appendEvents('edited', pendingEvents(25, (i) => ({ id: `e${i}`, actor: { id: `user_${i}` }, details: { i } })), sealEvents);
  });
  after(async () => {
    await pool.end();
    await db.close();
  });

  it('are byte for byte the same for every awkward value, and the texts are canonicalText\'s', async () => {
    const events = await eventsOf('awkward');
    for (let afterSeq = 0; afterSeq < events.length; afterSeq += 10) {
      const [a, b] = [await readers.SQL('awkward', afterSeq, 1000, 10), await readers.native('awkward', afterSeq, 1000, 10)];
      assert.ok(a?.exact && b?.exact, `the page after ${afterSeq} is exact`);
      assert.deepEqual(asHex(b), asHex(a));
      const verifier = new LogVerifier({ firstSeq: afterSeq + 1, prevChainHash: Buffer.from(afterSeq ? events[afterSeq - 1]!.chain_hash : '00'.repeat(32), 'hex') });
      assert.equal(verifier.pushCanonicalRows(b), true, `the page after ${afterSeq} verifies`);
    }
    assert.equal(await readers.native('awkward', events.length, events.length + 10, 10), undefined);
  });

  it('never let a hand-edited value with no exact encoding through the fast path', async () => {
    const events = await eventsOf('edited');
    await db.raw('ALTER TABLE events DISABLE TRIGGER USER');
    const edits: [seq: number, set: string][] = [
      [2, 'success = 2'],
      [4, 'occurred_at = -1'],
      [6, 'received_at = 253402300800000'],
      [8, `details = '{"i": 1e400}'::jsonb`], // no double holds it
      [10, `details = '{"i": 10, "forged": true}'::jsonb`],
      [12, `actor_id = 'user_12 '`],
    ];
    const CONTROL_SEQ = 14;
    for (const [seq, set] of edits) await db.raw(`UPDATE events SET ${set} WHERE tenant_id = 'edited' AND seq = ?`, [seq]);
    for (const [name, read] of Object.entries(readers)) {
      for (const [seq, set] of [...edits, [CONTROL_SEQ, 'nothing'] as const]) {
        const page = await read('edited', seq - 1, seq, 1).catch(() => undefined);
        const verifier = new LogVerifier({ firstSeq: seq, prevChainHash: Buffer.from(events[seq - 2]!.chain_hash, 'hex') });
        assert.equal(page !== undefined && verifier.pushCanonicalRows(page), seq === CONTROL_SEQ, `${name}: ${set}`);
      }
    }
  });

  it('reads a tenant whose id needs quoting, and only its events', async () => {
    const tenantId = "it's \\ a tenant";
    await db.store.createTenant({ id: tenantId, name: 'quoted', created_at: new Date().toISOString() });
    await db.store.appendEvents(tenantId, pendingEvents(3), sealEvents);
    const page = await readers.native(tenantId, 0, 10, 10);
    assert.deepEqual([page?.rows, page?.firstSeq, page?.lastSeq, page?.exact], [3, 1, 3, true]);
    assert.ok(Buffer.from(page!.leafInputs).toString('utf8').includes(`"tenant_id":${JSON.stringify(tenantId)}`));
  });
});
