// The export rows of src/export/formats/csv.ts and ndjson.ts, produced by PostgreSQL's COPY and
// finished by copy-records.ts: a page-by-page read in JavaScript spends most of its time building
// objects that the encoder throws away, and COPY streams the same bytes several times faster.
// PostgreSQL quotes CSV cells, neutralises formulas and builds the JSON of the columns; what costs
// it far more than JavaScript (times as ISO text, details as JSON.stringify writes them) comes as
// milliseconds and jsonb text, and copy-records.ts writes it. postgres-row-encodings.test.ts holds
// the result to the bytes the JavaScript encoders write for the events findEvents reads.

import type { Sql } from '../../sql/fragments.js';
import { NESTED_FIELDS } from '../event-columns.js';
import type { StoreRowEncoding } from '../port.js';
import { inlineSql, stringLiteral } from './postgres-literals.js';

// csv.ts's FORMULA_START as code points: = + - @ TAB CR, the full-width ＝ ＋ － ＠, and '.
const FORMULA_START_CODES = [61, 43, 45, 64, 9, 13, 65309, 65291, 65293, 65312, 39];

/**
 * csvCell without the quoting, which COPY's CSV mode does by the same rule (a quote, comma, CR or
 * LF). An empty cell is NULL because COPY quotes an empty string (`""`) but writes NULL as nothing.
 */
const csvCell = (column: string): string =>
  `CASE WHEN ascii(${column}) IN (${FORMULA_START_CODES.join(', ')}) THEN '''' || ${column} ELSE nullif(${column}, '') END`;

/** Details as jsonb text; a JSON null reads back as no details at all, as in rowToEvent. */
const DETAILS = `nullif(details, 'null'::jsonb)`;

/**
 * The cells of encodeCsvRow in CSV_COLUMNS order, but for the two times (milliseconds here) and
 * details (jsonb text here), which copy-records.ts rewrites.
 */
const CSV_COLUMNS = [
  'occurred_at', 'received_at', 'seq',
  ...['id', 'action', 'category', 'actor_id', 'actor_email', 'actor_type', 'target_type', 'target_id', 'target_slug'].map(csvCell),
  `CASE WHEN success IS NULL THEN NULL WHEN success = 1 THEN 'true' ELSE 'false' END`,
  ...['ip', 'user_agent', 'request_id'].map(csvCell),
  DETAILS,
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

/**
 * JSON.stringify of the StoredEvent rowToEvent builds, in pieces: the times and details, then the
 * line up to category, the nested objects and success (NULL when there are none), the hashes
 * (and a tombstone's `forgotten`).
 * copy-records.ts puts the times after category and details before the hashes.
 */
const NDJSON_COLUMNS = [
  'occurred_at', 'received_at', DETAILS,
  `'{"id":' || ${jsonString('id')} || ',"seq":' || seq || ',"tenant_id":' || ${jsonString('tenant_id')}
    || ',"action":' || ${jsonString('action')} || ',"category":' || ${jsonString('category')}`,
  `nullif(${jsonObject('actor')}
    || ${jsonObject('target')}
    || ${jsonObject('context')}
    || ${jsonObject('geo')}
    || CASE WHEN success IS NULL THEN '' WHEN success = 1 THEN ',"success":true' ELSE ',"success":false' END, '')`,
  `',"leaf_hash":"' || encode(leaf_hash, 'hex') || '","chain_hash":"' || encode(chain_hash, 'hex') || '"'
    || CASE WHEN forgotten_kind IS NULL THEN '' ELSE ',"forgotten":{"kind":' || ${jsonString('forgotten_kind')} || ',"by_seq":' || forgotten_by || '}' END || '}'`,
];

/**
 * COPY options per encoding. CSV: PostgreSQL quotes exactly as csv.ts does. NDJSON: a quote and a
 * delimiter character that neither JSON text nor jsonb text holds raw (both escape control
 * characters) make COPY write each column as it is, separated by that delimiter.
 */
const COPY_OPTIONS: Record<StoreRowEncoding, string> = {
  csv: 'FORMAT csv',
  ndjson: `FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'`,
};

const SELECT_LISTS: Record<StoreRowEncoding, string> = {
  csv: CSV_COLUMNS.join(',\n  '),
  ndjson: NDJSON_COLUMNS.join(',\n  '),
};

/**
 * `COPY (SELECT <columns> ...) TO STDOUT` for the tenant's events matching `where`, in seq order,
 * as copy-records.ts reads it. COPY takes no bind parameters, so the condition's parameters are
 * inlined as literals.
 */
export function copyEventsStatement(tenantId: string, where: Sql, encoding: StoreRowEncoding): string {
  return `COPY (
SELECT ${SELECT_LISTS[encoding]}
FROM events
WHERE tenant_id = ${stringLiteral(tenantId)} AND (${inlineSql(where)})
ORDER BY seq
) TO STDOUT (${COPY_OPTIONS[encoding]})`;
}
