// A report as one CSV a spreadsheet can pivot: one row per value, in the order the report shows
// them. Columns: section, table (empty for the section's figures), row (the table row's name, or
// the listed event's time), column, value. Cells are neutralised against formula injection and
// quoted as the export CSV is (export/formats/csv.ts).

import { csvCell } from '../export/formats/csv.js';
import type { ReportDocument } from './report-document.js';

export const REPORT_CSV_COLUMNS = ['section', 'table', 'row', 'column', 'value'];

const record = (cells: readonly (string | number)[]) => `${cells.map((c) => (typeof c === 'number' ? String(c) : csvCell(c))).join(',')}\r\n`;

export function renderCsv(document: ReportDocument): string {
  let out = record(REPORT_CSV_COLUMNS);
  for (const section of document.sections) {
    for (const figure of section.figures) out += record([section.title, '', '', figure.label + (figure.unit === 'percent' ? ' (%)' : ''), figure.value]);
    for (const table of section.tables) {
      for (const row of table.rows) {
        for (let i = 1; i < table.columns.length; i++) out += record([section.title, table.title, String(row[0]), table.columns[i]!, row[i] ?? '']);
      }
    }
    if (section.listing) {
      for (const row of section.listing.rows) {
        for (let i = 1; i < section.listing.columns.length; i++) out += record([section.title, section.listing.title, row[0]!, section.listing.columns[i]!, row[i] ?? '']);
      }
    }
  }
  return out;
}
