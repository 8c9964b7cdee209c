// A report definition read over events in JavaScript: what `stele verify --package` uses to
// recompute a SOC 2 summary from the package's own events, with no database. It follows the SQL
// of report-figures.ts exactly (selections by the search language's reference evaluator, fields
// by their JavaScript readings, ties broken in UTF-8 byte order as the databases do), and the
// tests hold the two against each other on both engines. The events are pushed one at a time, so
// a package of a million events is read in constant memory (but for the groups of the tables).

import type { StoredEvent } from '../domain/event.js';
import { compareText, detailsInteger } from '../query/aggregation.js';
import { evaluateQuery } from '../query/search/evaluate.js';
import { parseQuery, type Ast } from '../query/search/index.js';
import type { LatestSpec, ListingSpec, Measure, ReportSpec, SectionSpec, TableSpec } from './definitions.js';
import { listingRow, LISTING_COLUMNS, percent, type Figure, type Section, type Table } from './report-document.js';
import { fieldOf } from './report-figures.js';

/** One measure's running value. */
class Tally {
  private n = 0;
  private readonly seen = new Set<string>();
  constructor(private readonly measure: Measure) {}

  add(event: StoredEvent): void {
    const m = this.measure;
    if (m === 'count') this.n += 1;
    else if (m === 'failures') { if (event.success === false) this.n += 1; }
    else if ('distinct' in m) { const v = fieldOf(m.distinct).read(event); if (v !== undefined) this.seen.add(v); }
    else this.n += detailsInteger(event, m.sum.split('.')) ?? 0;
  }

  get value(): number {
    return typeof this.measure === 'object' && 'distinct' in this.measure ? this.seen.size : this.n;
  }
}

const matcher = (match: string): ((event: StoredEvent) => boolean) => {
  const ast: Ast = parseQuery(match);
  return (event) => evaluateQuery(ast, event, 0);
};

class TableTally {
  private readonly groups = new Map<string, Tally[]>();
  private readonly matches: (event: StoredEvent) => boolean;
  constructor(private readonly spec: TableSpec) { this.matches = matcher(spec.match); }

  add(event: StoredEvent): void {
    if (!this.matches(event)) return;
    const key = fieldOf(this.spec.by).read(event);
    if (key === undefined) return;
    let tallies = this.groups.get(key);
    if (!tallies) this.groups.set(key, (tallies = this.spec.columns.map((c) => new Tally(c.measure))));
    for (const t of tallies) t.add(event);
  }

  result(): Table {
    const rows = [...this.groups].map(([key, tallies]): (string | number)[] => [key, ...tallies.map((t) => t.value)])
      .sort((a, b) => (b[1] as number) - (a[1] as number) || compareText(a[0] as string, b[0] as string))
      .slice(0, this.spec.limit);
    return { id: this.spec.id, title: this.spec.title, columns: [this.spec.byLabel, ...this.spec.columns.map((c) => c.label)], rows };
  }
}

class LatestTally {
  private readonly latest = new Map<string, StoredEvent>();
  private readonly matches: (event: StoredEvent) => boolean;
  constructor(private readonly spec: LatestSpec) { this.matches = matcher(spec.match); }

  add(event: StoredEvent): void {
    if (!this.matches(event)) return;
    const key = fieldOf(this.spec.by).read(event);
    if (key === undefined || this.spec.value.every((ref) => fieldOf(ref).read(event) === undefined)) return;
    const held = this.latest.get(key);
    if (!held || held.seq < event.seq) this.latest.set(key, event);
  }

  result(): Table {
    const rows = [...this.latest].sort(([a], [b]) => compareText(a, b)).slice(0, this.spec.limit).map(([key, event]) => [
      key, this.spec.value.map((ref) => fieldOf(ref).read(event)).find((v) => v !== undefined) ?? '',
      event.actor?.email ?? event.actor?.id ?? '', event.occurred_at.replace('T', ' ').replace(/\.\d{3}Z$/, ''),
    ]);
    return { id: this.spec.id, title: this.spec.title, columns: [this.spec.byLabel, this.spec.valueLabel, 'Changed by', 'At (UTC)'], rows };
  }
}

class ListingTally {
  total = 0;
  private readonly first: StoredEvent[] = [];
  private readonly matches: (event: StoredEvent) => boolean;
  constructor(private readonly spec: ListingSpec) { this.matches = matcher(spec.match); }

  add(event: StoredEvent): void {
    if (!this.matches(event)) return;
    this.total += 1;
    this.first.push(event);
    // Keep only the earliest `limit` (by time, then seq), as the database orders them.
    if (this.first.length > this.spec.limit * 2) this.trim();
  }

  private trim(): void {
    this.first.sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at) || a.seq - b.seq);
    this.first.length = Math.min(this.first.length, this.spec.limit);
  }

  result() {
    this.trim();
    return { title: this.spec.title, total: this.total, columns: LISTING_COLUMNS, rows: this.first.map(listingRow) };
  }
}

class SectionTally {
  private readonly figures: { matches: (e: StoredEvent) => boolean; tally: Tally }[];
  private readonly tables: TableTally[];
  private readonly latest: LatestTally | undefined;
  private readonly listing: ListingTally | undefined;
  private readonly inSection: (e: StoredEvent) => boolean;
  /** Events of the section (its `match`), for checking the section's CSV. */
  sectionEvents = 0;

  constructor(private readonly spec: SectionSpec) {
    this.figures = spec.figures.map((f) => ({ matches: matcher(f.match), tally: new Tally(f.measure ?? 'count') }));
    this.tables = (spec.tables ?? []).map((t) => new TableTally(t));
    this.latest = spec.latest && new LatestTally(spec.latest);
    this.listing = spec.listing && new ListingTally(spec.listing);
    this.inSection = matcher(spec.match);
  }

  add(event: StoredEvent): void {
    for (const f of this.figures) if (f.matches(event)) f.tally.add(event);
    for (const t of this.tables) t.add(event);
    this.latest?.add(event);
    this.listing?.add(event);
    if (this.inSection(event)) this.sectionEvents += 1;
  }

  result(): Section {
    const values = new Map(this.spec.figures.map((f, i) => [f.id, this.figures[i]!.tally.value]));
    const figures: Figure[] = [
      ...this.spec.figures.map((f) => ({ id: f.id, label: f.label, value: values.get(f.id)! })),
      ...(this.spec.ratios ?? []).map((r) => ({ id: r.id, label: r.label, value: percent(values.get(r.numerator)!, values.get(r.denominator)!), unit: 'percent' as const })),
    ];
    const section: Section = {
      id: this.spec.id, title: this.spec.title, description: this.spec.description, figures,
      tables: [...(this.latest ? [this.latest.result()] : []), ...this.tables.map((t) => t.result())],
    };
    if (this.listing) section.listing = this.listing.result();
    return section;
  }
}

/** Recomputes a report's sections from its events, pushed one by one in any order. */
export function createOfflineReport(spec: ReportSpec) {
  const sections = spec.sections.map((s) => new SectionTally(s));
  return {
    push(event: StoredEvent): void {
      for (const s of sections) s.add(event);
    },
    sections: (): Section[] => sections.map((s) => s.result()),
    /** How many events each section's selection holds, by section id. */
    sectionCounts: (): Record<string, number> => Object.fromEntries(spec.sections.map((s, i) => [s.id, sections[i]!.sectionEvents])),
  };
}
