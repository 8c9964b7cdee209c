// SQLite's side of canonical-rows.ts: one statement per page aggregates the events' canonical
// texts and stored hashes into two blobs, so JavaScript handles two values per page instead of
// thirty per event.

import type { Database, Statement } from 'better-sqlite3';
import type { CanonicalRows } from '../port.js';
import { canonicalTextSql, LAST_FOUR_DIGIT_YEAR_MS, type CanonicalTextDialect } from '../canonical-rows.js';

const dialect: CanonicalTextDialect = {
  quote: (column) => `json_quote(${column})`,
  integer: (column) => column,
  // Integer arithmetic, so every whole millisecond in range is written exactly.
  isoTime: (column) => `strftime('%Y-%m-%dT%H:%M:%S.', ${column} / 1000, 'unixepoch') || substr(1000 + ${column} % 1000, 2) || 'Z'`,
  detailsMember: `CASE WHEN details IS NOT NULL AND details <> '{}' THEN ',"details":' || details END`,
};

const wholeTime = (column: string) => `typeof(${column}) <> 'integer' OR ${column} NOT BETWEEN 0 AND ${LAST_FOUR_DIGIT_YEAR_MS}`;

// Rows whose text the database might write differently from canonicalText (see canonical-rows.ts).
const INEXACT = [
  wholeTime('occurred_at'),
  wholeTime('received_at'),
  `(success IS NOT NULL AND success NOT IN (0, 1))`,
  `(details IS NOT NULL AND NOT json_valid(details))`,
].join(' OR ');

// char(0) starts each text: it is the leaf hash prefix, and a byte no canonical text contains.
// The subquery hands rows to the aggregate in seq order; were that ever not so, the texts would
// not match the hashes and the verifier would read the page the ordinary way.
const PAGE = `SELECT count(*) AS rows, min(seq) AS first_seq, max(seq) AS last_seq,
    CAST(group_concat(char(0) || ${canonicalTextSql(dialect)}, '') AS BLOB) AS texts,
    CAST(group_concat(leaf_hash || chain_hash, '') AS BLOB) AS hashes,
    sum(${INEXACT}) AS inexact
  FROM (SELECT * FROM events WHERE tenant_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?)`;

interface PageRow {
  rows: number;
  first_seq: number | null;
  last_seq: number | null;
  texts: Buffer | null;
  hashes: Buffer | null;
  inexact: number | null;
}

/** Store.readCanonicalRows for a SQLite database. */
export function sqliteCanonicalRowReader(db: Database) {
  let statements: { page: Statement<unknown[], PageRow>; idAt: Statement<unknown[], string> } | undefined;
  return async function readCanonicalRows(tenantId: string, afterSeq: number, throughSeq: number, limit: number): Promise<CanonicalRows | undefined> {
    statements ??= {
      page: db.prepare<unknown[], PageRow>(PAGE),
      idAt: db.prepare<unknown[], string>('SELECT id FROM events WHERE tenant_id = ? AND seq = ?').pluck(),
    };
    const page = statements.page.get(tenantId, afterSeq, throughSeq, limit) as PageRow;
    if (page.rows === 0 || page.first_seq === null || page.last_seq === null) return undefined;
    return {
      rows: page.rows,
      firstSeq: page.first_seq,
      lastSeq: page.last_seq,
      lastId: String(statements.idAt.get(tenantId, page.last_seq)),
      leafInputs: page.texts ?? new Uint8Array(0),
      storedHashes: page.hashes ?? new Uint8Array(0),
      exact: page.inexact === 0,
    };
  };
}
