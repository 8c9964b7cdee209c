// CSV with the columns a spreadsheet or SIEM already expects (seed 002): `columns=` lists fields in
// order, each optionally renamed, e.g. `occurred_at:Time,actor.email:User,action,details.to_role:New role`.
// A field is a top-level event field, `actor.*`, `target.*`, `context.*`, `geo.country`, `details` (its JSON) or any
// path inside details (`details.a.b`: a string as itself, other values as JSON). Cells follow the
// export CSV's rules (csv.ts): RFC 4180 quoting, formula injection neutralised.

import type { JsonValue, StoredEvent } from '../../domain/event.js';
import { SteleError } from '../../domain/errors.js';
import { NESTED_FIELDS } from '../../store/event-columns.js';
import { csvCell } from './csv.js';
import type { ExportFormat } from './export-format.js';

export interface CsvColumn {
  path: string;
  header: string;
  read(event: StoredEvent): string;
}

export const MAX_COLUMNS = 100;
const TOP_LEVEL = ['id', 'seq', 'tenant_id', 'action', 'category', 'occurred_at', 'received_at', 'success', 'leaf_hash', 'chain_hash'] as const;
const DETAILS_KEY = /^[A-Za-z0-9_$@-]{1,100}$/;

const text = (value: JsonValue | undefined): string =>
  (value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value));

function reader(path: string): ((event: StoredEvent) => string) | undefined {
  if ((TOP_LEVEL as readonly string[]).includes(path)) return (event) => text((event as unknown as Record<string, JsonValue>)[path]);
  if (path === 'details') return (event) => (event.details === undefined ? '' : JSON.stringify(event.details));
  const [group, ...rest] = path.split('.');
  if (group === 'details' && rest.length > 0 && rest.length <= 8 && rest.every((key) => DETAILS_KEY.test(key))) {
    return (event) => {
      let node: JsonValue | undefined = event.details;
      for (const key of rest) {
        node = node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, key) ? node[key] : undefined;
      }
      return text(node);
    };
  }
  if ((group === 'actor' || group === 'target' || group === 'context' || group === 'geo') && rest.length === 1 && Object.hasOwn(NESTED_FIELDS[group], rest[0]!)) {
    const key = rest[0]!;
    return (event) => text((event[group] as Record<string, JsonValue> | undefined)?.[key]);
  }
  return undefined;
}

/** Parses `columns=`; throws invalid_request naming the bad entry. Repeated parameters are joined in order. */
export function parseCsvColumns(value: string | readonly string[]): CsvColumn[] {
  const entries = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((entry) => entry.trim()).filter((entry) => entry !== '');
  const bad = (message: string) => new SteleError('invalid_request', `columns: ${message}`, [{ field: 'columns', message }]);
  if (entries.length === 0) throw bad('name at least one field');
  if (entries.length > MAX_COLUMNS) throw bad(`at most ${MAX_COLUMNS} columns`);
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    const path = (colon < 0 ? entry : entry.slice(0, colon)).trim();
    const header = colon < 0 ? path : entry.slice(colon + 1).trim();
    const read = reader(path);
    if (!read) throw bad(`${JSON.stringify(path)} is not a field: use ${TOP_LEVEL.join(', ')}, actor.*, target.*, context.*, geo.country, details or details.<path>`);
    if (header === '' || header.length > 200) throw bad(`the header of ${path} must be 1 to 200 characters`);
    return { path, header, read };
  });
}

/** The CSV export format with these columns. */
export function createCsvColumnsFormat(columns: readonly CsvColumn[], options: { bom?: boolean } = {}): ExportFormat {
  return {
    contentType: 'text/csv; charset=utf-8; header=present',
    fileExtension: 'csv',
    header: () => `${options.bom ? '\uFEFF' : ''}${columns.map((c) => csvCell(c.header)).join(',')}\r\n`,
    encode: (event) => `${columns.map((c) => csvCell(c.read(event))).join(',')}\r\n`,
    footer: () => '',
  };
}
