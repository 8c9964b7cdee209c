// The export format registry: format name → a streaming encoder (see export-format.ts).
// `EXPORT_FORMATS` uses the defaults; a server that knows its own version builds its own with
// createExportFormats({ product }).

import { createCefFormat } from './cef.js';
import { createCsvFormat } from './csv.js';
import type { CsvOptions } from './csv.js';
import { DEFAULT_PRODUCT } from './export-format.js';
import type { ExportFormat, ProductInfo } from './export-format.js';
import { createJsonFormat } from './json.js';
import { createLeefFormat } from './leef.js';
import type { LeefSyntax } from './leef.js';
import { createNdjsonFormat } from './ndjson.js';
import { createOcsfFormat } from './ocsf.js';

export const EXPORT_FORMAT_NAMES = ['csv', 'ndjson', 'json', 'cef', 'leef', 'ocsf'] as const;
export type ExportFormatName = (typeof EXPORT_FORMAT_NAMES)[number];

export interface ExportFormatOptions {
  readonly product?: ProductInfo;
  readonly csv?: CsvOptions;
  readonly leef?: LeefSyntax;
}

export function createExportFormats(options: ExportFormatOptions = {}): Readonly<Record<ExportFormatName, ExportFormat>> {
  const product = options.product ?? DEFAULT_PRODUCT;
  return Object.freeze({
    csv: createCsvFormat(options.csv),
    ndjson: createNdjsonFormat(),
    json: createJsonFormat(),
    cef: createCefFormat({ product }),
    leef: createLeefFormat({ product, ...(options.leef === undefined ? {} : { syntax: options.leef }) }),
    ocsf: createOcsfFormat({ product }),
  });
}

export const EXPORT_FORMATS = createExportFormats();

export function isExportFormatName(name: string): name is ExportFormatName {
  return (EXPORT_FORMAT_NAMES as readonly string[]).includes(name);
}

export type { ExportFormat, ProductInfo } from './export-format.js';
export { DEFAULT_PRODUCT } from './export-format.js';
export { formatCef, cefRecord, cefFields } from './cef.js';
export type { CefRecord, CefField } from './cef.js';
export { formatLeef, leefRecord, leefFields } from './leef.js';
export type { LeefRecord, LeefField, LeefSyntax } from './leef.js';
export { toOcsf, classifyOcsf, OCSF_VERSION } from './ocsf.js';
export { CSV_COLUMNS, neutralizeFormula } from './csv.js';
