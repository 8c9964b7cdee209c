// A computed report, whatever it is rendered as (HTML, PDF, CSV, JSON): its period and sections
// of figures, tables and event listings. The JSON format is this document as it is; a SOC 2
// package carries it as summary.json, from which `stele verify --package` re-renders the HTML.

import type { EventFilters } from '../query/event-filters.js';
import type { StoredEvent } from '../domain/event.js';
import type { PackageType, ReportType } from './definitions.js';

export interface Figure {
  id: string;
  label: string;
  value: number;
  /** `percent`: a ratio of two figures, one decimal. */
  unit?: 'percent';
}

export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface Listing {
  title: string;
  /** Every matching event of the period; `rows` holds the first ones. */
  total: number;
  columns: string[];
  rows: string[][];
}

export interface Section {
  id: string;
  title: string;
  description: string;
  figures: Figure[];
  tables: Table[];
  listing?: Listing;
}

export interface ReportDocument {
  report_version: 1;
  type: ReportType | PackageType;
  title: string;
  description: string;
  tenant_id: string;
  /** [from, to) on occurred_at, UTC. */
  period: { from: string; to: string };
  filters: EventFilters;
  /** Events with seq up to this are counted: the log size the report was pinned to. */
  log_size: number;
  generated_at: string;
  sections: Section[];
}

export const LISTING_COLUMNS = ['Time (UTC)', 'Actor', 'Action', 'Target', 'Result', 'Change'];

/** A change as people read it: `from_role`/`to_role` or `before`/`after` pairs in details, `role: viewer → editor`. */
export function changeOf(details: StoredEvent['details']): string {
  if (!details || typeof details !== 'object') return '';
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const parts: string[] = [];
  for (const key of Object.keys(details).sort()) {
    if (key.startsWith('from_')) {
      const name = key.slice(5);
      if (Object.hasOwn(details, `to_${name}`)) parts.push(`${name}: ${text(details[key])} → ${text(details[`to_${name}`])}`);
    }
  }
  if (Object.hasOwn(details, 'before') && Object.hasOwn(details, 'after')) parts.push(`${text(details.before)} → ${text(details.after)}`);
  if (parts.length === 0) {
    for (const key of Object.keys(details).sort()) if (key.startsWith('to_')) parts.push(`${key.slice(3)}: → ${text(details[key])}`);
  }
  return parts.join('; ');
}

const actorText = (event: StoredEvent) => event.actor?.email ?? event.actor?.id ?? event.actor?.name ?? '';
const targetText = (event: StoredEvent) => {
  const t = event.target;
  if (!t) return '';
  const name = t.name ?? t.id ?? t.slug ?? '';
  return t.type ? `${t.type}: ${name}` : name;
};

/** One listing row: seconds precision, as printed. */
export function listingRow(event: StoredEvent): string[] {
  return [
    event.occurred_at.replace('T', ' ').replace(/\.\d{3}Z$/, ''), actorText(event), event.action, targetText(event),
    event.success === undefined ? '' : event.success ? 'success' : 'failure', changeOf(event.details),
  ];
}

/** A ratio as a percentage with one decimal; 0 when there is nothing to divide by. */
export const percent = (numerator: number, denominator: number): number =>
  (denominator === 0 ? 0 : Math.round((numerator / denominator) * 1000) / 10);
