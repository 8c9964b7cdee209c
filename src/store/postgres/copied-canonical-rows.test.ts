// PostgreSQL's two page readers: texts built in SQL (postgres-canonical-rows.ts), and texts written
// and hashed in C from a binary COPY (copied-canonical-rows.ts). They give the same pages (the SQL
// texts hash to the C hashes), and neither lets through a hand-edited value with no exact encoding.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { leafHashesOf, LogVerifier, sealEvents } from '@stele/integrity';
import { nativePostgresPages, nativeProblem } from '../../native/native-addons.js';
import { TRUE } from '../../sql/fragments.js';
import type { StoredEvent } from '../../domain/event.js';
import type { CanonicalRows } from '../port.js';
import { AWKWARD_EVENTS, pendingEvent, pendingEvents } from '../testing/fixtures.js';
import { openTestStore, POSTGRES_SKIP_REASON, type TestStore } from '../testing/test-stores.js';
import { copiedCanonicalRowReader, pageFromMessages, pageStatement } from './copied-canonical-rows.js';
import { copyOutMessages } from './copy-out-messages.js';
import { postgresCanonicalRowReader } from './postgres-canonical-rows.js';

const skip = POSTGRES_SKIP_REASON || (nativePostgresPages ? false : `the native code is not built (${nativeProblem})`);
const hex = (bytes: Uint8Array | undefined) => bytes && Buffer.from(bytes).toString('hex');
// The SQL reader gives texts and the native one their hashes: the same page either way when the
// texts hash to the same leaf hashes.
const asHex = (page: CanonicalRows | undefined) => {
  if (!page) return undefined;
  const { leafInputs: _texts, computedLeafHashes: _hashes, ...rest } = page;
  return { ...rest, leafHashes: hex(leafHashesOf(page)), storedLeafHashes: hex(page.storedLeafHashes), storedChainHashes: hex(page.storedChainHashes) };
};

describe('PostgreSQL canonical rows: texts built in SQL, or written and hashed in C from a binary COPY', { skip }, () => {
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

  it('give the same pages for every awkward value, which the verifier accepts', async () => {
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
    // Each text names the tenant, so only the right texts hash to its events' leaf hashes.
    assert.equal(hex(leafHashesOf(page!)), (await eventsOf(tenantId)).map((e) => e.leaf_hash).join(''));
  });

  it('reads the same page from its COPY messages however the socket cut them, and refuses a cut-off COPY', async () => {
    const client = await pool.connect();
    const messages = await copyOutMessages(client, pageStatement('awkward', 0, 2)).finally(() => client.release());
    const bytes = Buffer.concat(messages);
    const whole = asHex(pageFromMessages(nativePostgresPages!, [bytes]));
    assert.equal(whole?.rows, 2);
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(asHex(pageFromMessages(nativePostgresPages!, [bytes.subarray(0, cut), bytes.subarray(cut)])), whole, `cut at ${cut}`);
    }
    const byteByByte = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    assert.deepEqual(asHex(pageFromMessages(nativePostgresPages!, byteByByte)), whole);
    assert.throws(() => pageFromMessages(nativePostgresPages!, [bytes.subarray(0, bytes.length - 1)]), /the COPY messages end inside a message/);
    assert.throws(() => pageFromMessages(nativePostgresPages!, [bytes, bytes.subarray(0, 3)]), /end inside a message header/);
    assert.throws(() => pageFromMessages(nativePostgresPages!, [bytes, Buffer.from('Z\0\0\0\x05I')]), /a message other than COPY data/);
  });
});
