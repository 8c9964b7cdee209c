// ArcSight CEF, version 0: `CEF:0|Vendor|Product|Version|Event Class ID|Name|Severity|Extension`.
// Escaping follows "Implementing ArcSight CEF" as restated in /work/shared/vectors/formats/README.md:
//   header:    `\` → `\\`, `|` → `\|`; CR/LF → one space (policy: the spec allows line breaks only
//              in extension values); `=` is left alone.
//   extension: `\` → `\\`, `=` → `\=`, LF → `\n`, CR → `\r`; `|`, tabs and spaces stay as they are.
// Escaping both in one pass means a backslash is never escaped twice.
// The mapping of StoredEvent fields to CEF keys is in ./README.md.

import type { StoredEvent } from '../../domain/event.js';
import { DEFAULT_PRODUCT } from './export-format.js';
import type { ExportFormat, ProductInfo } from './export-format.js';
import { epochMs, humanizeAction, ipOrUndefined, outcomeOf } from './event-text.js';
import { cefSeverity } from './severity.js';

export type CefField = readonly [key: string, value: string];

export interface CefRecord {
  readonly vendor: string;
  readonly product: string;
  readonly productVersion: string;
  readonly eventClassId: string;
  readonly name: string;
  /** 0–10 or Unknown, Low, Medium, High, Very-High; copied as given. */
  readonly severity: string | number;
  /** Extension pairs, in output order. */
  readonly fields: readonly CefField[];
}

const CEF_KEY = /^[A-Za-z0-9]+$/;
const CEF_SEVERITY = /^(?:[0-9]|10|Unknown|Low|Medium|High|Very-High)$/;
const HEADER_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '|': '\\|', '\r\n': ' ', '\r': ' ', '\n': ' ' };
const VALUE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '=': '\\=', '\n': '\\n', '\r': '\\r' };

export function escapeCefHeader(text: string): string {
  return text.replace(/\r\n|[\\|\r\n]/g, (match) => HEADER_ESCAPES[match] ?? match);
}

export function escapeCefValue(text: string): string {
  return text.replace(/[\\=\n\r]/g, (match) => VALUE_ESCAPES[match] ?? match);
}

/** One CEF line without a line ending. Throws on a key that is not alphanumeric or a bad severity. */
export function formatCef(record: CefRecord): string {
  const severity = String(record.severity);
  if (!CEF_SEVERITY.test(severity)) throw new Error(`CEF severity must be 0-10 or a level name, got ${severity}`);
  const header = [record.vendor, record.product, record.productVersion, record.eventClassId, record.name]
    .map(escapeCefHeader)
    .join('|');
  const extension = record.fields.map(([key, value]) => {
    if (!CEF_KEY.test(key)) throw new Error(`CEF extension key must be alphanumeric, got ${JSON.stringify(key)}`);
    return `${key}=${escapeCefValue(value)}`;
  });
  return `CEF:0|${header}|${severity}|${extension.join(' ')}`;
}

/** Adds [key, value] when the value is present; a labelled custom field adds its label first. */
function fieldList() {
  const fields: CefField[] = [];
  const add = (key: string, value: string | number | undefined) => {
    if (value !== undefined) fields.push([key, String(value)]);
  };
  const labelled = (key: string, label: string, value: string | number | undefined) => {
    if (value === undefined) return;
    fields.push([`${key}Label`, label], [key, String(value)]);
  };
  return { fields, add, labelled };
}

/** The extension of one event, in a fixed order (see ./README.md for the table). */
export function cefFields(event: StoredEvent): CefField[] {
  const { actor, target, context } = event;
  const { fields, add, labelled } = fieldList();
  add('rt', epochMs(event.occurred_at));
  add('externalId', event.id);
  add('act', event.action);
  add('cat', event.category);
  add('outcome', outcomeOf(event.success));
  add('suser', actor?.email ?? actor?.name);
  add('suid', actor?.id);
  add('spriv', actor?.role);
  add('src', ipOrUndefined(context?.ip));
  add('requestClientApplication', context?.user_agent);
  add('requestMethod', context?.method);
  add('request', context?.url);
  labelled('cn1', 'seq', event.seq);
  labelled('cn2', 'httpStatus', context?.http_status);
  labelled('deviceCustomDate1', 'receivedAt', epochMs(event.received_at));
  labelled('cs1', 'targetType', target?.type);
  labelled('cs2', 'targetId', target?.id);
  labelled('cs3', 'targetName', target?.name ?? target?.slug);
  labelled('cs4', 'requestId', context?.request_id);
  labelled('cs5', 'tenantId', event.tenant_id);
  labelled('cs6', 'details', event.details === undefined ? undefined : JSON.stringify(event.details));
  labelled('flexString1', 'actorType', actor?.type);
  labelled('flexString2', 'sessionId', context?.session_id);
  return fields;
}

export function cefRecord(event: StoredEvent, product: ProductInfo = DEFAULT_PRODUCT): CefRecord {
  return {
    vendor: product.vendor,
    product: product.name,
    productVersion: product.version,
    eventClassId: event.action,
    name: humanizeAction(event.action),
    severity: cefSeverity(event),
    fields: cefFields(event),
  };
}

export interface CefOptions {
  readonly product?: ProductInfo;
}

/** One CEF line per event, LF-terminated (a syslog stream adds its own framing instead). */
export function createCefFormat(options: CefOptions = {}): ExportFormat {
  const product = options.product ?? DEFAULT_PRODUCT;
  return {
    contentType: 'text/plain; charset=utf-8',
    fileExtension: 'cef',
    header: () => '',
    encode: (event) => `${formatCef(cefRecord(event, product))}\n`,
    footer: () => '',
  };
}
