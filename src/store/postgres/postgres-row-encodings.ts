// The export rows of src/export/formats/csv.ts and ndjson.ts written as SQL, so that PostgreSQL's
// COPY can produce them: a page-by-page read in JavaScript spends most of its time building
// objects that the encoder throws away, and COPY streams the same bytes several times faster.
// Each expression mirrors one line of the JavaScript encoder, as it encodes an event that
// findEvents read back; postgres-row-encodings.test.ts holds the two to the same bytes.

import type { Sql } from '../../query/sql.js';
import { NESTED_FIELDS } from '../event-columns.js';
import type { StoreRowEncoding } from '../port.js';
import { inlineSql, stringLiteral } from './postgres-literals.js';

/** ISO 8601 with milliseconds, as Date#toISOString writes it; to_char reads no session setting. */
const isoTime = (column: string): string =>
  `to_char(timestamp '1970-01-01' + ${column} * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The text of details as JavaScript writes it. jsonb's own text differs from JSON.stringify in
 * spacing (`{"a": 1, "b": [1, 2]}`); json_strip_nulls re-emits a json value without it, and is
 * exact except where it drops null members, or where JavaScript reads the value differently:
 * keys that are array indexes come first in a JavaScript object, and numbers below 1e-6 or from
 * 1e21 up are written with an exponent. Those values (and anything but an object, which only
 * another writer than Stele could store) take stele_json_text (migration 4), exact but slower.
 * The tests are on the jsonb text, where a string can only contain `"` escaped, so a match inside
 * a string value at worst sends a value to the exact function without need. Numbers are assumed
 * to be as JSON.stringify wrote them at ingest (shortest form), which Stele always does.
 */
const DETAILS_JSON = `CASE
  WHEN details_text IS NULL OR details_text = 'null' THEN NULL
  WHEN details_text NOT LIKE '{%'
    OR details_text LIKE '%: null%'
    OR details_text LIKE '%0.000000%'
    OR (details_text LIKE '%00000%' AND details_text ~ '[0-9]{22}')
    OR details_text ~ '"(0|[1-9][0-9]*)": '
    THEN stele_json_text(details)
  ELSE json_strip_nulls(details_text::json)::text
END`;

// csv.ts's FORMULA_START as code points: = + - @ TAB CR, the full-width ＝ ＋ － ＠, and '.
const FORMULA_START_CODES = [61, 43, 45, 64, 9, 13, 65309, 65291, 65293, 65312, 39];

/**
 * csvCell without the quoting, which COPY's CSV mode does by the same rule (a quote, comma, CR or
 * LF). An empty cell is NULL because COPY quotes an empty string (`""`) but writes NULL as nothing.
 */
const csvCell = (expression: string): string =>
  `CASE WHEN ascii(${expression}) IN (${FORMULA_START_CODES.join(', ')}) THEN '''' || ${expression} ELSE nullif(${expression}, '') END`;

/**
 * encodeCsvRow's cells in CSV_COLUMNS order. Of JSON texts only a negative number starts a
 * formula, and its text starts with `-` in jsonb as in JavaScript.
 */
const CSV_CELLS = [
  isoTime('occurred_at'), isoTime('received_at'), 'seq',
  ...['id', 'action', 'category', 'actor_id', 'actor_email', 'actor_type', 'target_type', 'target_id', 'target_slug'].map(csvCell),
  `CASE WHEN success IS NULL THEN NULL WHEN success = 1 THEN 'true' ELSE 'false' END`,
  ...['ip', 'user_agent', 'request_id'].map(csvCell),
  `CASE WHEN details_text LIKE '-%' THEN '''' ELSE '' END || ${DETAILS_JSON}`,
];

const jsonString = (column: string): string => `to_json(${column})::text`;

/** `,"name":{...}` with the present fields in NESTED_FIELDS order (rowToEvent's), or '' when none is. */
function jsonObject(name: keyof typeof NESTED_FIELDS): string {
  const fields = Object.entries(NESTED_FIELDS[name]) as [string, string][];
  const members = fields.map(([field, column]) =>
    `coalesce(',"${field}":' || ${column === 'http_status' ? `${column}::text` : jsonString(column)}, '')`);
  const present = fields.map(([, column]) => column).join(', ');
  // Each member brings a leading comma; substr drops the first one.
  return `CASE WHEN num_nonnulls(${present}) = 0 THEN '' ELSE ',"${name}":{' || substr(${members.join(' || ')}, 2) || '}' END`;
}

/** JSON.stringify of the StoredEvent rowToEvent builds, keys in its order, absent fields omitted. */
const NDJSON_LINE = [
  `'{"id":' || ${jsonString('id')}`,
  `',"seq":' || seq`,
  `',"tenant_id":' || ${jsonString('tenant_id')}`,
  `',"action":' || ${jsonString('action')}`,
  `',"category":' || ${jsonString('category')}`,
  `',"occurred_at":"' || ${isoTime('occurred_at')} || '"'`,
  `',"received_at":"' || ${isoTime('received_at')} || '"'`,
  jsonObject('actor'),
  jsonObject('target'),
  jsonObject('context'),
  `CASE WHEN success IS NULL THEN '' WHEN success = 1 THEN ',"success":true' ELSE ',"success":false' END`,
  `coalesce(',"details":' || ${DETAILS_JSON}, '')`,
  `',"leaf_hash":"' || encode(leaf_hash, 'hex') || '","chain_hash":"' || encode(chain_hash, 'hex') || '"}'`,
].join('\n  || ');

/**
 * COPY options per encoding. CSV: PostgreSQL quotes exactly as csv.ts does, but ends records with
 * LF, which copy-records.ts turns into CRLF. NDJSON: one column whose text is the whole line; a
 * quote and a delimiter character that JSON text never holds raw (control characters are
 * escaped in it) make COPY write each line as it is.
 */
const COPY_OPTIONS: Record<StoreRowEncoding, string> = {
  csv: 'FORMAT csv',
  ndjson: `FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'`,
};

const SELECT_LISTS: Record<StoreRowEncoding, string> = {
  csv: CSV_CELLS.join(',\n  '),
  ndjson: NDJSON_LINE,
};

/**
 * `COPY (SELECT <encoded row> ...) TO STDOUT` for the tenant's events matching `where`, in seq
 * order. COPY takes no bind parameters, so the condition's parameters are inlined as literals.
 * The inner query reads the rows and details' jsonb text, which the encodings test several times
 * (OFFSET 0 keeps it from being merged into the outer query, which would compute it per use).
 */
export function copyEventsStatement(tenantId: string, where: Sql, encoding: StoreRowEncoding): string {
  return `COPY (
SELECT ${SELECT_LISTS[encoding]}
FROM (
  SELECT *, details::text AS details_text FROM events
  WHERE tenant_id = ${stringLiteral(tenantId)} AND (${inlineSql(where)})
  ORDER BY seq OFFSET 0
) AS read_rows
ORDER BY seq
) TO STDOUT (${COPY_OPTIONS[encoding]})`;
}
