// IBM QRadar LEEF 1.0 and 2.0 (rules in /work/shared/vectors/formats/README.md):
//   LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v
//   LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|k=v<D>k=v
// LEEF has no escape mechanism, so text that would break the framing is replaced, not escaped:
//   header fields: `|`, TAB, CR, LF → one space (CRLF counts as one);
//   values: CR, LF, TAB and the active delimiter → one space; `=` and `\` stay (parsers split a
//   pair at its first `=`); keys must match [A-Za-z0-9_]+.
// This is lossy by design; NDJSON is the exact export.

import type { StoredEvent } from '../../domain/event.js';
import { DEFAULT_PRODUCT } from './export-format.js';
import type { ExportFormat, ProductInfo } from './export-format.js';
import { epochMs, ipOrUndefined, outcomeOf } from './event-text.js';
import { cefSeverity } from './severity.js';

export type LeefField = readonly [key: string, value: string];

/** LEEF 2.0 names its delimiter in the header: one character (`^`) or a hex code (`x09`, `0x5E`). */
export type LeefSyntax = { readonly version: '1.0' } | { readonly version: '2.0'; readonly delimiter: string };

export interface LeefRecord {
  readonly vendor: string;
  readonly product: string;
  readonly productVersion: string;
  readonly eventId: string;
  readonly fields: readonly LeefField[];
}

const LEEF_KEY = /^[A-Za-z0-9_]+$/;
const HEX_DELIMITER = /^0?x([0-9A-Fa-f]{1,4})$/;
// A delimiter that can occur in keys, or is `=`, `|` or a line break, would make the line ambiguous.
const UNUSABLE_DELIMITER = /^[A-Za-z0-9_=|\r\n]$/;

/** The character a LEEF 2.0 delimiter field stands for. Throws on one that would be ambiguous. */
export function leefDelimiterChar(spec: string): string {
  const hex = HEX_DELIMITER.exec(spec);
  const char = hex?.[1] !== undefined ? String.fromCharCode(parseInt(hex[1], 16)) : spec;
  if (char.length !== 1 || UNUSABLE_DELIMITER.test(char)) {
    throw new Error(`LEEF delimiter must be one usable character or its hex code, got ${JSON.stringify(spec)}`);
  }
  return char;
}

export function sanitizeLeefHeader(text: string): string {
  return text.replace(/\r\n|[|\t\r\n]/g, ' ');
}

export function sanitizeLeefValue(text: string, delimiter: string): string {
  return text.replace(/\r\n|[\t\r\n]/g, ' ').replaceAll(delimiter, ' ');
}

/** One LEEF line without a line ending. Throws on a key outside [A-Za-z0-9_] or a bad delimiter. */
export function formatLeef(record: LeefRecord, syntax: LeefSyntax): string {
  const delimiter = syntax.version === '1.0' ? '\t' : leefDelimiterChar(syntax.delimiter);
  const header = [record.vendor, record.product, record.productVersion, record.eventId].map(sanitizeLeefHeader);
  if (syntax.version === '2.0') header.push(syntax.delimiter);
  const attributes = record.fields.map(([key, value]) => {
    if (!LEEF_KEY.test(key)) throw new Error(`LEEF key must match [A-Za-z0-9_]+, got ${JSON.stringify(key)}`);
    return `${key}=${sanitizeLeefValue(value, delimiter)}`;
  });
  return `LEEF:${syntax.version}|${header.join('|')}|${attributes.join(delimiter)}`;
}

// QRadar's devTimeFormat is a Java SimpleDateFormat; its `Z` reads `+0000`, not a literal `Z`.
export const LEEF_DEV_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSZ";

export function leefDevTime(iso: string): string | undefined {
  const ms = epochMs(iso);
  return ms === undefined ? undefined : new Date(ms).toISOString().replace('Z', '+0000');
}

/** The attributes of one event, in a fixed order (see ./README.md for the table). */
export function leefFields(event: StoredEvent): LeefField[] {
  const { actor, target, context } = event;
  const fields: LeefField[] = [];
  const add = (key: string, value: string | number | undefined) => {
    if (value !== undefined) fields.push([key, String(value)]);
  };
  const devTime = leefDevTime(event.occurred_at);
  add('devTime', devTime);
  add('devTimeFormat', devTime === undefined ? undefined : LEEF_DEV_TIME_FORMAT);
  add('cat', event.category);
  add('sev', Math.max(1, cefSeverity(event)));
  add('usrName', actor?.email ?? actor?.name);
  add('src', ipOrUndefined(context?.ip));
  add('action', event.action);
  add('outcome', outcomeOf(event.success));
  add('auditId', event.id);
  add('seq', event.seq);
  add('tenantId', event.tenant_id);
  add('receivedAt', event.received_at);
  add('actorId', actor?.id);
  add('actorType', actor?.type);
  add('actorRole', actor?.role);
  add('targetType', target?.type);
  add('targetId', target?.id);
  add('targetName', target?.name);
  add('targetSlug', target?.slug);
  add('userAgent', context?.user_agent);
  add('requestId', context?.request_id);
  add('sessionId', context?.session_id);
  add('httpMethod', context?.method);
  add('url', context?.url);
  add('httpStatus', context?.http_status);
  add('details', event.details === undefined ? undefined : JSON.stringify(event.details));
  return fields;
}

export function leefRecord(event: StoredEvent, product: ProductInfo = DEFAULT_PRODUCT): LeefRecord {
  return {
    vendor: product.vendor,
    product: product.name,
    productVersion: product.version,
    eventId: event.action,
    fields: leefFields(event),
  };
}

export interface LeefOptions {
  readonly product?: ProductInfo;
  /** Default LEEF 1.0 (TAB-delimited), which every QRadar version reads. */
  readonly syntax?: LeefSyntax;
}

/** One LEEF line per event, LF-terminated. */
export function createLeefFormat(options: LeefOptions = {}): ExportFormat {
  const product = options.product ?? DEFAULT_PRODUCT;
  const syntax = options.syntax ?? { version: '1.0' };
  if (syntax.version === '2.0') leefDelimiterChar(syntax.delimiter); // fail at setup, not mid-stream
  return {
    contentType: 'text/plain; charset=utf-8',
    fileExtension: 'leef',
    header: () => '',
    encode: (event) => `${formatLeef(leefRecord(event, product), syntax)}\n`,
    footer: () => '',
  };
}
