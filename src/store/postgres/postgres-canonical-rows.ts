// PostgreSQL's side of canonical-rows.ts when the native code is not built (with it,
// copied-canonical-rows.ts is used): one statement per page aggregates the events' canonical
// texts and stored hashes, built by the server while the verifier checks the previous page.
// details is jsonb, whose text is not RFC 8785 (key order, spacing, numbers as written), so the
// server leaves a marker where each event's details go and sends the details alongside; they are
// put into canonical form here.

import { Buffer } from 'node:buffer';
import type pg from 'pg';
import { canonicalJson } from '@stele/integrity';
import type { CanonicalRows } from '../port.js';
import { canonicalTextSql, LAST_FOUR_DIGIT_YEAR_MS, type CanonicalTextDialect } from '../canonical-rows.js';

// Marks: control characters, which the canonical text of the other members and jsonb text never hold raw.
const DETAILS_MARK = '\x01';
// Starts each event's text; replaced by the leaf hash prefix 0x00, which PostgreSQL text cannot hold.
const TEXT_START = 0x02;

// Where a jsonb column gets a mark, and so where its text must be sent: the two must agree.
const nonEmpty = (column: string) => `${column} IS NOT NULL AND ${column} <> '{}'::jsonb`;

const dialect: CanonicalTextDialect = {
  // Escaping only \ and " is a third of the cost of to_json. Control characters come out raw:
  // leafInputs escapes them as JSON does (only a quoted value can hold one).
  quote: (column) => `'"' || replace(replace(${column}, '\\', '\\\\'), '"', '\\"') || '"'`,
  integer: (column) => `${column}::text`,
  // Timestamp arithmetic in whole microseconds: exact, and four times cheaper than to_timestamp().
  isoTime: (column) => `to_char(timestamp 'epoch' + ${column} * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  // A mark where the column's canonical text goes (see leafInputs).
  jsonObject: (column) => `CASE WHEN ${nonEmpty(column)} THEN chr(1) END`,
};

// Rows whose text the server might write differently from canonicalText (see canonical-rows.ts).
const INEXACT = [
  `occurred_at NOT BETWEEN 0 AND ${LAST_FOUR_DIGIT_YEAR_MS}`,
  `received_at NOT BETWEEN 0 AND ${LAST_FOUR_DIGIT_YEAR_MS}`,
  `(success IS NOT NULL AND success NOT IN (0, 1))`,
].join(' OR ');

const PAGE = `SELECT count(*)::int AS rows, min(seq) AS first_seq, max(seq) AS last_seq,
    (array_agg(id ORDER BY seq DESC))[1] AS last_id,
    string_agg(chr(${TEXT_START}) || ${canonicalTextSql(dialect)}, '' ORDER BY seq) AS texts,
    string_agg(details::text, chr(1) ORDER BY seq) FILTER (WHERE ${nonEmpty('details')}) AS details,
    string_agg(leaf_hash, ''::bytea ORDER BY seq) AS leaf_hashes,
    string_agg(chain_hash, ''::bytea ORDER BY seq) AS chain_hashes,
    count(*) FILTER (WHERE ${INEXACT})::int AS inexact
  FROM events WHERE tenant_id = $1 AND seq > $2 AND seq <= least($3, $2::bigint + $4::bigint)`;

interface PageRow {
  rows: number;
  first_seq: number | null;
  last_seq: number | null;
  last_id: string | null;
  texts: string | null;
  details: string | null;
  leaf_hashes: Buffer | null;
  chain_hashes: Buffer | null;
  inexact: number;
}

// Raw control characters other than the two marks, and their JSON escapes. A mark inside a value
// (a \x01 or \x02 in some field) upsets the counts or row starts, and the page is judged event by event.
const RAW_CONTROL = /[\x03-\x1f]/;
const RAW_CONTROL_ALL = /[\x03-\x1f]/g;
const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
const escapeControl = (c: string): string => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The texts with each event's canonical details in place of its marker, as UTF-8 with 0x00 starts; undefined when markers and details disagree. */
function leafInputs(texts: string, details: string | null): Buffer | undefined {
  let text = texts;
  if (details !== null) {
    const parts = texts.split(DETAILS_MARK);
    const values = details.split(DETAILS_MARK);
    if (parts.length !== values.length + 1) return undefined;
    text = parts[0] as string;
    for (let i = 0; i < values.length; i++) text += canonicalJson(JSON.parse(values[i] as string)) + (parts[i + 1] as string);
  } else if (texts.includes(DETAILS_MARK)) {
    return undefined;
  }
  if (RAW_CONTROL.test(text)) text = text.replace(RAW_CONTROL_ALL, escapeControl);
  const bytes = Buffer.from(text, 'utf8');
  for (let i = bytes.indexOf(TEXT_START); i !== -1; i = bytes.indexOf(TEXT_START, i + 1)) bytes[i] = 0;
  return bytes;
}

/** Store.readCanonicalRows for a PostgreSQL database. */
export function postgresCanonicalRowReader(pool: pg.Pool) {
  return async function readCanonicalRows(tenantId: string, afterSeq: number, throughSeq: number, limit: number): Promise<CanonicalRows | undefined> {
    const { rows } = await pool.query<PageRow>({ name: 'canonical_rows', text: PAGE, values: [tenantId, afterSeq, throughSeq, limit] });
    const page = rows[0];
    if (!page || page.rows === 0 || page.first_seq === null || page.last_seq === null) return undefined;
    const inputs = leafInputs(page.texts ?? '', page.details);
    return {
      rows: page.rows,
      firstSeq: page.first_seq,
      lastSeq: page.last_seq,
      lastId: page.last_id ?? '',
      leafInputs: inputs ?? new Uint8Array(0),
      storedLeafHashes: page.leaf_hashes ?? new Uint8Array(0),
      storedChainHashes: page.chain_hashes ?? new Uint8Array(0),
      exact: inputs !== undefined && page.inexact === 0,
    };
  };
}
