// CSV per RFC 4180: UTF-8, a header row, CRLF after every record, a cell quoted when it holds a
// quote, comma, CR or LF (quotes doubled inside). Nested fields are flattened to the columns below;
// `details` is its JSON text.
//
// Formula injection (OWASP "CSV Injection"): a spreadsheet executes a cell that starts with
// `=`, `+`, `-`, `@`, TAB or CR, so such a cell gets a leading `'`. The full-width `＝ ＋ － ＠`
// get one too (some locales' spreadsheets treat them as formula starts). A cell that already
// starts with `'` also gets one, which keeps the rule reversible: removing exactly one leading
// `'` from every cell that has one gives the original text back.
//
// store/postgres/postgres-row-encodings.ts writes the same rows with COPY: change both together.

import type { StoredEvent } from '../../domain/event.js';
import type { ExportFormat } from './export-format.js';

export const CSV_COLUMNS = [
  'occurred_at', 'received_at', 'seq', 'id', 'action', 'category',
  'actor_id', 'actor_email', 'actor_type', 'target_type', 'target_id', 'target_slug',
  'success', 'ip', 'user_agent', 'request_id', 'details',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

const FORMULA_START = /^[=+\-@\t\r＝＋－＠']/;
const NEEDS_QUOTES = /[",\r\n]/;
// Most cells need neither rule: one test lets them through untouched.
const NEEDS_ANY = /^[=+\-@\t\r＝＋－＠']|[",\r\n]/;

/** Neutralises a cell a spreadsheet would run as a formula (see the rule at the top of this file). */
export function neutralizeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** One RFC 4180 field: neutralised, then quoted only when it must be. */
export function csvCell(value: string): string {
  if (!NEEDS_ANY.test(value)) return value;
  const safe = neutralizeFormula(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The text of each column for one event; absent fields are empty cells. */
export function csvValues(event: StoredEvent): Record<CsvColumn, string> {
  const { actor, target, context } = event;
  return {
    occurred_at: event.occurred_at,
    received_at: event.received_at,
    seq: String(event.seq),
    id: event.id,
    action: event.action,
    category: event.category,
    actor_id: actor?.id ?? '',
    actor_email: actor?.email ?? '',
    actor_type: actor?.type ?? '',
    target_type: target?.type ?? '',
    target_id: target?.id ?? '',
    target_slug: target?.slug ?? '',
    success: event.success === undefined ? '' : String(event.success),
    ip: context?.ip ?? '',
    user_agent: context?.user_agent ?? '',
    request_id: context?.request_id ?? '',
    details: event.details === undefined ? '' : JSON.stringify(event.details),
  };
}

/**
 * One CSV row, the cells of csvValues in CSV_COLUMNS order. Written out by hand because it is the
 * hot path of a CSV export (no intermediate object or arrays); csv.test.ts checks it against
 * csvValues. seq and success need no escaping.
 */
export function encodeCsvRow(event: StoredEvent): string {
  const { actor, target, context } = event;
  return `${csvCell(event.occurred_at)},${csvCell(event.received_at)},${event.seq},${csvCell(event.id)},${csvCell(event.action)},${csvCell(event.category)},`
    + `${csvCell(actor?.id ?? '')},${csvCell(actor?.email ?? '')},${csvCell(actor?.type ?? '')},`
    + `${csvCell(target?.type ?? '')},${csvCell(target?.id ?? '')},${csvCell(target?.slug ?? '')},`
    + `${event.success === undefined ? '' : event.success},${csvCell(context?.ip ?? '')},${csvCell(context?.user_agent ?? '')},${csvCell(context?.request_id ?? '')},`
    + `${event.details === undefined ? '' : csvCell(JSON.stringify(event.details))}\r\n`;
}

function csvRecord(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export interface CsvOptions {
  /** Start the file with a UTF-8 byte order mark so that Excel reads it as UTF-8. Default false. */
  readonly bom?: boolean;
}

export function createCsvFormat(options: CsvOptions = {}): ExportFormat {
  return {
    contentType: 'text/csv; charset=utf-8; header=present',
    fileExtension: 'csv',
    header: () => (options.bom === true ? '\uFEFF' : '') + csvRecord(CSV_COLUMNS),
    encode: encodeCsvRow,
    footer: () => '',
  };
}
