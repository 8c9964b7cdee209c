// SQLite's side of canonical-rows.ts: one statement per page aggregates the events' canonical
// texts, stored leaf hashes and stored chain hashes into three blobs, so JavaScript handles a few
// values per page instead of thirty per event.

import type { Database, Statement } from 'better-sqlite3';
import { pageWorkers, WorkersUnavailable } from './page-workers.js';
import type { WithLeafInputs } from '@stele/integrity';
import type { CanonicalRows } from '../port.js';
import { canonicalTextSql, LAST_FOUR_DIGIT_YEAR_MS, leafInputCall, type CanonicalTextDialect } from '../canonical-rows.js';

const dialect: CanonicalTextDialect = {
  quote: (column) => `json_quote(${column})`,
  integer: (column) => column,
  // Integer arithmetic, so every whole millisecond in range is written exactly; datetime() is a
  // third of the cost of strftime() with a format.
  isoTime: (column) => `replace(datetime(${column} / 1000, 'unixepoch'), ' ', 'T') || '.' || substr(1000 + ${column} % 1000, 2) || 'Z'`,
  jsonObject: (column) => `CASE WHEN ${column} IS NOT NULL AND ${column} <> '{}' THEN ${column} END`,
};

// Two: one builds the next page while the other's is being checked, on a 2-core machine.
const PAGE_WORKERS = 2;

const wholeTime = (column: string) => `typeof(${column}) <> 'integer' OR ${column} NOT BETWEEN 0 AND ${LAST_FOUR_DIGIT_YEAR_MS}`;

// Rows whose text SQL might write differently from canonicalText (see canonical-rows.ts).
const INEXACT_IN_SQL = [
  wholeTime('occurred_at'),
  wholeTime('received_at'),
  `(success IS NOT NULL AND success NOT IN (0, 1))`,
  `(details IS NOT NULL AND NOT json_valid(details))`,
].join(' OR ');

// stele_leaf_input() gives NULL for a value it has no exact encoding for, which leaves the page a
// text short (and refused); only the validity of details is left to check.
const INEXACT_NATIVE = `details IS NOT NULL AND NOT json_valid(details)`;

// Each text starts with char(0): it is the leaf hash prefix, and a byte no canonical text contains.
// The primary key scan hands rows to the aggregates in seq order (asking for the order again, or
// reading through an ordered subquery, costs a third more); were that ever not so, the texts
// would not match the hashes and the verifier would read the page the ordinary way.
const pageSql = (leafInput: string, inexact: string) => `SELECT count(*) AS rows, min(seq) AS first_seq, max(seq) AS last_seq,
    CAST(group_concat(${leafInput}, '') AS BLOB) AS texts,
    CAST(group_concat(leaf_hash, '') AS BLOB) AS leaf_hashes,
    CAST(group_concat(chain_hash, '') AS BLOB) AS chain_hashes,
    sum(${inexact}) AS inexact
  FROM events WHERE tenant_id = @tenantId AND seq > @afterSeq AND seq <= min(@throughSeq, @afterSeq + @limit)`;

/** The page statement when the texts are written in SQL. */
const SQL_PAGE = pageSql(`char(0) || ${canonicalTextSql(dialect)}`, INEXACT_IN_SQL);
/** The page statement when native/stele_sqlite.c writes the texts, about three times faster. */
const NATIVE_PAGE = pageSql(leafInputCall(), INEXACT_NATIVE);

const ID_AT = 'SELECT id FROM events WHERE tenant_id = @tenantId AND seq = @seq';

/** A page as the statements give it, from this thread or a worker's. */
export interface PageResult {
  page: PageRow;
  lastId: unknown;
}

interface PageRow {
  rows: number;
  first_seq: number | null;
  last_seq: number | null;
  texts: Uint8Array | null;
  leaf_hashes: Uint8Array | null;
  chain_hashes: Uint8Array | null;
  inexact: number | null;
}

/** The page statement's parameters. */
export interface PageArgs {
  tenantId: string;
  afterSeq: number;
  throughSeq: number;
  limit: number;
}

function toCanonicalRows({ page, lastId }: PageResult): (CanonicalRows & WithLeafInputs) | undefined {
  if (page.rows === 0 || page.first_seq === null || page.last_seq === null) return undefined;
  return {
    rows: page.rows,
    firstSeq: page.first_seq,
    lastSeq: page.last_seq,
    lastId: String(lastId),
    leafInputs: page.texts ?? new Uint8Array(0),
    storedLeafHashes: page.leaf_hashes ?? new Uint8Array(0),
    storedChainHashes: page.chain_hashes ?? new Uint8Array(0),
    exact: page.inexact === 0,
  };
}

/** Reads pages on the store's own connection (the event loop waits while SQLite builds them). */
function inThreadReader(db: Database, pageSql: string) {
  let statements: { page: Statement<unknown[], PageRow>; idAt: Statement<unknown[], unknown> } | undefined;
  return (args: PageArgs): PageResult => {
    statements ??= { page: db.prepare<unknown[], PageRow>(pageSql), idAt: db.prepare<unknown[], unknown>(ID_AT).pluck() };
    const page = statements.page.get(args) as PageRow;
    return { page, lastId: page.last_seq === null ? null : statements.idAt.get({ tenantId: args.tenantId, seq: page.last_seq }) };
  };
}

export interface CanonicalRowReader {
  /** True when native/stele_sqlite.c writes the texts. */
  native: boolean;
  read(args: PageArgs): Promise<(CanonicalRows & WithLeafInputs) | undefined>;
  close(): Promise<void>;
}

/**
 * Store.readCanonicalRows for a SQLite database. For a database file, pages are built by worker
 * threads with read-only connections of their own, so that SQLite writes the next pages on the
 * other core while the verifier hashes this one (and the event loop stays free meanwhile). An
 * in-memory database, or a machine where the workers cannot start, reads on the store's connection.
 * The texts are written by the native extension (nativeSqliteExtension) when it is given and
 * loads, else in SQL.
 */
export function sqliteCanonicalRowReader(db: Database, file: string, extension: string | undefined): CanonicalRowReader {
  const native = extension !== undefined && loads(db, extension);
  const pageSql = native ? NATIVE_PAGE : SQL_PAGE;
  const inThread = inThreadReader(db, pageSql);
  const workers = file === ':memory:' ? undefined : pageWorkers({ file, pageSql, idSql: ID_AT, extension: native ? extension : undefined, size: PAGE_WORKERS });
  return {
    native,
    async read(args) {
      const result = workers ? await workers.read(args).catch((error: unknown) => (error instanceof WorkersUnavailable ? inThread(args) : Promise.reject(error))) : inThread(args);
      return toCanonicalRows(result);
    },
    close: async () => workers?.close(),
  };
}

function loads(db: Database, extension: string): boolean {
  try {
    db.loadExtension(extension);
    return true;
  } catch {
    return false;
  }
}
