// A report definition computed by the database: all the figures of a report in one scan (each a
// conditional aggregate, `sum(CASE WHEN <selection> THEN 1 ELSE 0 END)`), each table one GROUP BY,
// the latest values per group one GROUP BY plus a read of those events, each listing one page of
// events. Nothing loads the period into memory; the answers are a few hundred rows at most.

import { compileQuery, parseQuery } from '../query/search/index.js';
import { COUNT, detailsField, EVENT_FIELDS, type EventField, type EventFieldName } from '../query/aggregation.js';
import { compileFilters, type EventFilters } from '../query/event-filters.js';
import { and, compare, inList, sql, type Sql } from '../sql/fragments.js';
import type { SqlDialect } from '../sql/dialect.js';
import type { Store } from '../store/port.js';
import type { FieldRef, LatestSpec, Measure, ReportSpec, SectionSpec, TableSpec } from './definitions.js';
import { listingRow, LISTING_COLUMNS, percent, type Figure, type ReportDocument, type Section, type Table } from './report-document.js';

export interface ReportScope {
  tenantId: string;
  /** [from, to) in epoch ms. */
  from: number;
  to: number;
  filters: EventFilters;
  /** Only events with seq <= logSize. */
  logSize: number;
}

export function fieldOf(ref: FieldRef): EventField {
  return ref.startsWith('details.') ? detailsField(ref.slice('details.'.length).split('.')) : EVENT_FIELDS[ref as EventFieldName];
}

const wrap = (template: (inner: string) => string, part: Sql): Sql => sql(template(part.text), part.params);

function measureSql(measure: Measure, when: Sql, dialect: SqlDialect): Sql {
  if (measure === 'count') return wrap((c) => `sum(CASE WHEN ${c} THEN 1 ELSE 0 END)`, when);
  if (measure === 'failures') return wrap((c) => `sum(CASE WHEN (${c}) AND success = 0 THEN 1 ELSE 0 END)`, when);
  const value = 'distinct' in measure ? fieldOf(measure.distinct).sql(dialect) : dialect.detailsInteger(measure.sum.split('.'));
  const inner = sql(`CASE WHEN ${when.text} THEN ${value.text} END`, [...when.params, ...value.params]);
  return 'distinct' in measure ? wrap((v) => `count(DISTINCT ${v})`, inner) : wrap((v) => `sum(${v})`, inner);
}

export function createReportFigures(deps: { store: Store }) {
  const { store } = deps;
  const dialect = store.dialect;
  // Definitions hold no time terms, so `now` plays no part.
  const selection = (match: string): Sql => wrap((c) => `(${c})`, compileQuery(parseQuery(match), { dialect, now: 0 }));

  const periodOf = (scope: ReportScope): Sql => and([
    compileFilters(scope.filters, scope.to),
    compare('occurred_at', '>=', scope.from), compare('occurred_at', '<', scope.to), compare('seq', '<=', scope.logSize),
  ]);

  async function figures(scope: ReportScope, section: SectionSpec): Promise<Figure[]> {
    const measures = section.figures.map((f) => measureSql(f.measure ?? 'count', selection(f.match), dialect));
    const [row] = await store.aggregateEvents(scope.tenantId, { where: periodOf(scope), keys: [], measures });
    const values = new Map(section.figures.map((f, i) => [f.id, Number(row?.[i] ?? 0)]));
    return [
      ...section.figures.map((f) => ({ id: f.id, label: f.label, value: values.get(f.id)! })),
      ...(section.ratios ?? []).map((r) => ({ id: r.id, label: r.label, value: percent(values.get(r.numerator)!, values.get(r.denominator)!), unit: 'percent' as const })),
    ];
  }

  async function table(scope: ReportScope, spec: TableSpec): Promise<Table> {
    const key = fieldOf(spec.by).sql(dialect);
    const rows = await store.aggregateEvents(scope.tenantId, {
      where: and([periodOf(scope), selection(spec.match), sql(`(${key.text}) IS NOT NULL`, key.params)]),
      keys: [key],
      measures: spec.columns.map((c) => measureSql(c.measure, sql('1 = 1'), dialect)),
      orderBy: [{ column: 1, direction: 'desc' }, { column: 0, direction: 'asc' }],
      limit: spec.limit,
    });
    return {
      id: spec.id, title: spec.title, columns: [spec.byLabel, ...spec.columns.map((c) => c.label)],
      rows: rows.map(([value, ...measures]) => [String(value), ...measures.map((m) => Number(m ?? 0))]),
    };
  }

  /** The latest value per group up to the end of the period (all history before it counts). */
  async function latest(scope: ReportScope, spec: LatestSpec): Promise<Table> {
    const key = fieldOf(spec.by).sql(dialect);
    const values = spec.value.map((ref) => fieldOf(ref).sql(dialect));
    const present = sql(`(${values.map((v) => `(${v.text}) IS NOT NULL`).join(' OR ')})`, values.flatMap((v) => v.params));
    const groups = await store.aggregateEvents(scope.tenantId, {
      where: and([compileFilters(scope.filters, scope.to), compare('occurred_at', '<', scope.to), compare('seq', '<=', scope.logSize),
        selection(spec.match), sql(`(${key.text}) IS NOT NULL`, key.params), present]),
      keys: [key],
      measures: [sql('max(seq)')],
      orderBy: [{ column: 0, direction: 'asc' }],
      limit: spec.limit,
    });
    const seqs = groups.map((g) => Number(g[1]));
    const events = seqs.length === 0 ? [] : await store.findEvents(scope.tenantId, { where: inList('seq', seqs), order: { key: 'seq', direction: 'asc' }, limit: seqs.length });
    const bySeq = new Map(events.map((e) => [e.seq, e]));
    return {
      id: spec.id, title: spec.title, columns: [spec.byLabel, spec.valueLabel, 'Changed by', 'At (UTC)'],
      rows: groups.map(([group, seq]) => {
        const event = bySeq.get(Number(seq))!;
        const value = spec.value.map((ref) => fieldOf(ref).read(event)).find((v) => v !== undefined) ?? '';
        return [String(group), value, event.actor?.email ?? event.actor?.id ?? '', event.occurred_at.replace('T', ' ').replace(/\.\d{3}Z$/, '')];
      }),
    };
  }

  async function section(scope: ReportScope, spec: SectionSpec): Promise<Section> {
    const done: Section = { id: spec.id, title: spec.title, description: spec.description, figures: await figures(scope, spec), tables: [] };
    if (spec.latest) done.tables.push(await latest(scope, spec.latest));
    for (const t of spec.tables ?? []) done.tables.push(await table(scope, t));
    if (spec.listing) {
      const where = and([periodOf(scope), selection(spec.listing.match)]);
      const [[total]] = await store.aggregateEvents(scope.tenantId, { where, keys: [], measures: [COUNT] }) as [[number]];
      const events = await store.findEvents(scope.tenantId, { where, order: { key: 'occurred_at', direction: 'asc' }, limit: spec.listing.limit });
      done.listing = { title: spec.listing.title, total, columns: LISTING_COLUMNS, rows: events.map(listingRow) };
    }
    return done;
  }

  /** Computes a report; `onSection` is told after each section (progress). */
  async function compute(scope: ReportScope, spec: ReportSpec, generatedAt: string, onSection?: (done: number) => Promise<void>): Promise<ReportDocument> {
    const sections: Section[] = [];
    for (const s of spec.sections) {
      sections.push(await section(scope, s));
      await onSection?.(sections.length);
    }
    return {
      report_version: 1, type: spec.type, title: spec.title, description: spec.description, tenant_id: scope.tenantId,
      period: { from: new Date(scope.from).toISOString(), to: new Date(scope.to).toISOString() },
      filters: scope.filters, log_size: scope.logSize, generated_at: generatedAt, sections,
    };
  }

  return { compute, periodOf, selection };
}

export type ReportFigures = ReturnType<typeof createReportFigures>;
