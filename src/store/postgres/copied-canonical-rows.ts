// PostgreSQL's side of canonical-rows.ts when the native code is built: each page of events is
// read with a binary COPY of its plain columns, the cheapest thing the server can send, and
// native/stele_postgres.c writes the canonical texts from them and hashes each at once: the page
// carries computedLeafHashes, not texts. Building the texts in SQL (postgres-canonical-rows.ts,
// used without the native code) costs the server about three times as much per event as sending
// the columns, and details still had to be put into RFC 8785 form in JavaScript.

import type pg from 'pg';
import type { NativePostgresPages } from '../../native/native-addons.js';
import type { CanonicalRows } from '../port.js';
import { LEAF_INPUT_SHAPE, SHAPE_VALUES, type ValueKind } from '../canonical-rows.js';
import { copyOutMessages } from './copy-out-messages.js';
import { checkout } from './postgres-pools.js';
import { stringLiteral } from './postgres-literals.js';

// The binary encodings native/stele_postgres.c reads. The casts keep them so whatever a DBA does to
// a column's type; a cast to the column's own type costs nothing.
const CASTS: Record<ValueKind, string> = { string: 'text', integer: 'int8', time: 'int8', boolean: 'int8', json: 'jsonb' };
const COLUMNS = ['leaf_hash::bytea', 'chain_hash::bytea', ...SHAPE_VALUES.map((v) => `${v.column}::${CASTS[v.kind]}`)].join(', ');

const SEQ_VALUE = SHAPE_VALUES.findIndex((v) => v.column === 'seq');
const ID_VALUE = SHAPE_VALUES.findIndex((v) => v.column === 'id');

/** The COPY that reads the events of one tenant after afterSeq, through throughSeq. */
export function pageStatement(tenantId: string, afterSeq: number, throughSeq: number): string {
  for (const seq of [afterSeq, throughSeq]) if (!Number.isSafeInteger(seq)) throw new TypeError(`not a seq: ${seq}`);
  return `COPY (SELECT ${COLUMNS} FROM events WHERE tenant_id = ${stringLiteral(tenantId)} AND seq > ${afterSeq} AND seq <= ${throughSeq} ORDER BY seq) TO STDOUT (FORMAT binary)`;
}

/** Store.readCanonicalRows for a PostgreSQL database, by binary COPY and native code. */
export function copiedCanonicalRowReader(pool: pg.Pool, native: NativePostgresPages) {
  return async function readCanonicalRows(tenantId: string, afterSeq: number, throughSeq: number, limit: number): Promise<CanonicalRows | undefined> {
    const statement = pageStatement(tenantId, afterSeq, Math.min(throughSeq, afterSeq + limit));
    const { client, release } = await checkout(pool);
    let messages: Buffer[];
    try {
      messages = await copyOutMessages(client, statement);
    } catch (error) {
      release(error); // discarded: it may be broken
      throw error;
    }
    release();
    const page = pageFromMessages(native, messages);
    return page.rows === 0 ? undefined : page;
  };
}

/** The page the protocol messages of pageStatement's COPY hold, however they were cut into chunks. */
export function pageFromMessages(native: NativePostgresPages, messages: readonly Uint8Array[]): CanonicalRows {
  return native.canonicalRowsFromCopy(LEAF_INPUT_SHAPE, SEQ_VALUE, ID_VALUE, messages);
}
