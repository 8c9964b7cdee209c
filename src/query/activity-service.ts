// Activity at a glance, computed by the database: a histogram of the events a selection matches
// (counts, failures and categories per time bucket) and the most frequent values of a field.
// Both take exactly what GET /v1/events takes (filters, q, saved search), so a chart and the
// table below it always describe the same events.

import { SteleError } from '../domain/errors.js';
import { and, compare, sql, type Sql } from '../sql/fragments.js';
import type { Store } from '../store/port.js';
import { COUNT, EVENT_FIELDS, FAILURES, maxOf, minOf, timeBucket, type EventFieldName } from './aggregation.js';
import { compileFilters } from './event-filters.js';
import type { EventSelection } from './selection.js';
import { EARLIEST_MS, parseTimeExpression } from './time-expression.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Bucket sizes, smallest first; `auto` takes the smallest that draws the window in at most AUTO_BUCKETS bars. */
export const INTERVALS = {
  '1m': MINUTE, '5m': 5 * MINUTE, '15m': 15 * MINUTE, '30m': 30 * MINUTE,
  '1h': HOUR, '3h': 3 * HOUR, '6h': 6 * HOUR, '12h': 12 * HOUR, '1d': DAY, '7d': 7 * DAY,
} as const;
export type IntervalName = keyof typeof INTERVALS;
export const INTERVAL_NAMES = ['auto', ...Object.keys(INTERVALS)] as readonly string[];
const AUTO_BUCKETS = 200;
/** More bars than any chart can show: an explicit interval that small for the window is refused. */
export const MAX_BUCKETS = 10_000;

export const TOP_FIELDS = ['actor', 'action', 'ip', 'target', 'category'] as const;
export type TopField = (typeof TOP_FIELDS)[number];
export const MAX_TOP = 100;

export interface HistogramBucket {
  start: string;
  count: number;
  failures: number;
  by_category: Record<string, number>;
}

export interface Histogram {
  interval: IntervalName;
  interval_ms: number;
  /** The window drawn: since (aligned down to the interval) to until. */
  since: string;
  until: string;
  total: number;
  failures: number;
  buckets: HistogramBucket[];
}

export interface TopValue {
  value: string;
  count: number;
  failures: number;
  /** actor: its email and type; target: its type and name (one of the group's, as max() picks it). */
  email?: string;
  type?: string;
  name?: string;
}

/** Extra columns shown beside a top value, read with max() (any one of the group's values). */
const TOP_EXTRAS: Partial<Record<TopField, { name: keyof TopValue; column: string }[]>> = {
  actor: [{ name: 'email', column: 'actor_email' }, { name: 'type', column: 'actor_type' }],
  target: [{ name: 'type', column: 'target_type' }, { name: 'name', column: 'target_name' }],
};

export function createActivityService(deps: { store: Store; now?: () => number }) {
  const clock = deps.now ?? Date.now;
  const whereOf = (selection: EventSelection, now: number): Sql =>
    and([compileFilters(selection.filters, now), ...(selection.extra ? [selection.extra] : [])]);

  function timeOf(field: 'since' | 'until', text: string | undefined, now: number): number | undefined {
    if (text === undefined) return undefined;
    const ms = parseTimeExpression(text, now);
    // compileFilters names the bad value with the same message; this only keeps the types honest.
    if (ms === undefined) throw new SteleError('invalid_request', `${field} is not a time`, [{ field, message: 'invalid time' }]);
    return ms;
  }

  function chooseInterval(name: string | undefined, spanMs: number): IntervalName {
    if (name === undefined || name === 'auto') {
      const fits = (Object.keys(INTERVALS) as IntervalName[]).find((n) => Math.ceil(spanMs / INTERVALS[n]) <= AUTO_BUCKETS);
      return fits ?? '7d';
    }
    if (!(name in INTERVALS)) {
      throw new SteleError('invalid_request', `interval must be one of: ${INTERVAL_NAMES.join(', ')}`, [{ field: 'interval', message: `unknown interval ${name}` }]);
    }
    const chosen = name as IntervalName;
    if (Math.ceil(spanMs / INTERVALS[chosen]) > MAX_BUCKETS) {
      throw new SteleError('invalid_request', `interval ${name} would draw more than ${MAX_BUCKETS} buckets for this window; choose a larger interval or a shorter window.`,
        [{ field: 'interval', message: 'too many buckets' }]);
    }
    return chosen;
  }

  /**
   * The histogram of a selection. The window is since..until from the filters; without since it
   * starts at the first matching event, without until it ends now.
   */
  async function histogram(tenantId: string, selection: EventSelection, intervalName?: string): Promise<Histogram> {
    const now = clock();
    const where = whereOf(selection, now);
    const until = timeOf('until', selection.filters.until, now) ?? now;
    let since = timeOf('since', selection.filters.since, now);
    if (since === undefined) {
      const [[first]] = await deps.store.aggregateEvents(tenantId, { where, keys: [], measures: [minOf(sql('occurred_at'))] }) as [[number | null]];
      since = first ?? until - DAY;
    }
    const span = Math.max(until - since, 1);
    const interval = chooseInterval(intervalName, span);
    const ms = INTERVALS[interval];
    const origin = Math.floor(since / ms) * ms;
    // The first bucket starts at since aligned down: it must still be an instant RFC 3339 can write.
    if (origin < EARLIEST_MS) throw new SteleError('invalid_request', 'since is too early to draw in buckets: start at 0000-01-08 or later', [{ field: 'since', message: 'too early' }]);
    const rows = until <= since ? [] : await deps.store.aggregateEvents(tenantId, {
      where: and([where, compare('occurred_at', '>=', since), compare('occurred_at', '<', until)]),
      keys: [timeBucket(origin, ms), sql('category')],
      measures: [COUNT, FAILURES],
    });
    const buckets = new Map<number, HistogramBucket>();
    for (let start = origin; start < until; start += ms) buckets.set(start, { start: new Date(start).toISOString(), count: 0, failures: 0, by_category: {} });
    let total = 0;
    let failures = 0;
    for (const [start, category, count, failed] of rows as [number, string, number, number][]) {
      const bucket = buckets.get(start)!;
      bucket.count += count;
      bucket.failures += failed;
      bucket.by_category[category] = count;
      total += count;
      failures += failed;
    }
    return {
      interval, interval_ms: ms, since: new Date(origin).toISOString(), until: new Date(until).toISOString(),
      total, failures, buckets: [...buckets.values()],
    };
  }

  /** The `limit` most frequent values of a field among the selected events, most frequent first (ties by value). */
  async function top(tenantId: string, selection: EventSelection, field: TopField, limit = 10): Promise<{ field: TopField; values: TopValue[] }> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOP) {
      throw new SteleError('invalid_request', `limit must be an integer from 1 to ${MAX_TOP}`, [{ field: 'limit', message: 'out of range' }]);
    }
    const key = EVENT_FIELDS[field as EventFieldName].sql(deps.store.dialect);
    const extras = TOP_EXTRAS[field] ?? [];
    const rows = await deps.store.aggregateEvents(tenantId, {
      where: and([whereOf(selection, clock()), sql(`(${key.text}) IS NOT NULL`, key.params)]),
      keys: [key],
      measures: [COUNT, FAILURES],
      labels: extras.map((extra) => maxOf(sql(extra.column))),
      orderBy: [{ column: 1, direction: 'desc' }, { column: 0, direction: 'asc' }],
      limit,
    });
    return {
      field,
      values: rows.map(([value, count, failed, ...extra]) => {
        const item: TopValue = { value: String(value), count: Number(count), failures: Number(failed ?? 0) };
        extras.forEach((e, i) => {
          if (extra[i] !== null && extra[i] !== undefined) (item as unknown as Record<string, unknown>)[e.name] = String(extra[i]);
        });
        return item;
      }),
    };
  }

  return { histogram, top };
}

export type ActivityService = ReturnType<typeof createActivityService>;
