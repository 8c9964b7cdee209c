// The structured filters of GET /v1/events (and export, feed, ...) compiled to one SQL condition.
// Each filter is index-friendly: exact matches and prefixes on indexed columns, time ranges on
// occurred_at, CIDR blocks as byte ranges on ip_bin.
//
// Each value is a parameter and each prefix an OR branch, so a filter holds at most
// FILTER_LIMITS.maxValues values, of which at most maxPrefixes prefixes: a request, its saved
// search and a viewer token's pinned filters together stay far below SQLite's 32,766 parameters
// and expression depth of 1,000, and PostgreSQL's 65,535 parameters (which 40,000 actor ids, or
// 1,100 action prefixes, went past before: a 500 at every use).

import { SteleError, type ErrorDetail } from '../domain/errors.js';
import { cidrRange, ipToBytes } from '../domain/ip.js';
import { and, compare, eq, inList, or, sql, startsWith, type Sql } from '../sql/fragments.js';
import { parseTimeExpression } from './time-expression.js';

export interface EventFilters {
  action?: string[];
  category?: string[];
  actor_id?: string[];
  actor_email?: string[];
  target_type?: string[];
  target_id?: string[];
  target_slug?: string[];
  success?: boolean;
  ip?: string;
  since?: string;
  until?: string;
}

/** The filter names, their operators and meaning, as published by GET /v1/events/filters. */
export const FILTER_FIELDS = [
  { name: 'action', type: 'string', multiple: true, operators: ['eq', 'prefix'], description: 'Exact action, or a prefix ending in * (login.*)' },
  { name: 'category', type: 'string', multiple: true, operators: ['eq'], description: 'Category from the action registry' },
  { name: 'actor_id', type: 'string', multiple: true, operators: ['eq'], description: 'actor.id' },
  { name: 'actor_email', type: 'string', multiple: true, operators: ['eq'], description: 'actor.email' },
  { name: 'target_type', type: 'string', multiple: true, operators: ['eq'], description: 'target.type' },
  { name: 'target_id', type: 'string', multiple: true, operators: ['eq'], description: 'target.id' },
  { name: 'target_slug', type: 'string', multiple: true, operators: ['eq'], description: 'target.slug' },
  { name: 'success', type: 'boolean', multiple: false, operators: ['eq'], description: 'true or false' },
  { name: 'ip', type: 'ip', multiple: false, operators: ['eq', 'cidr'], description: 'An address or a CIDR block (10.0.0.0/8)' },
  { name: 'since', type: 'time', multiple: false, operators: ['gte'], description: 'occurred_at >= an ISO time or now-7d' },
  { name: 'until', type: 'time', multiple: false, operators: ['lt'], description: 'occurred_at < an ISO time or now-1h' },
] as const;

/** Per filter, wherever filters are given: query string, saved search, viewer token, export, stream. */
export const FILTER_LIMITS = { maxValues: 1000, maxPrefixes: 100 } as const;

const COLUMN_OF: Record<string, string> = {
  category: 'category', actor_id: 'actor_id', actor_email: 'actor_email',
  target_type: 'target_type', target_id: 'target_id', target_slug: 'target_slug',
};

function actionCondition(values: string[]): Sql {
  const exact = values.filter((v) => !v.endsWith('*'));
  const prefixes = values.filter((v) => v.endsWith('*')).map((v) => startsWith('action', v.slice(0, -1)));
  return or([...(exact.length > 0 ? [inList('action', exact)] : []), ...prefixes]);
}

function ipCondition(value: string, problems: ErrorDetail[]): Sql | undefined {
  if (value.includes('/')) {
    const range = cidrRange(value);
    if (range) return sql('ip_bin >= ? AND ip_bin <= ?', [range.low, range.high]);
  } else if (ipToBytes(value)) {
    return sql('ip_bin = ?', [ipToBytes(value)!]);
  }
  problems.push({ field: 'ip', message: 'must be an IP address or a CIDR block such as 10.0.0.0/8' });
  return undefined;
}

function timeCondition(field: 'since' | 'until', value: string, now: number, problems: ErrorDetail[]): Sql | undefined {
  const ms = parseTimeExpression(value, now);
  if (ms === undefined) {
    problems.push({ field, message: 'must be an ISO 8601 time (2026-05-01T12:00:00Z) or relative (now-7d, now-1h)' });
    return undefined;
  }
  return compare('occurred_at', field === 'since' ? '>=' : '<', ms);
}

/** Compiles filters to a condition; invalid values throw invalid_request naming each field. */
export function compileFilters(filters: EventFilters, now: number): Sql {
  const problems: ErrorDetail[] = [];
  // No stored value holds a NUL (ingest refuses it) and PostgreSQL cannot even compare with one.
  for (const [field, value] of Object.entries(filters)) {
    if ((Array.isArray(value) ? value : [value]).some((v) => typeof v === 'string' && v.includes('\u0000'))) {
      problems.push({ field, message: 'must not contain NUL characters' });
    }
  }
  // Bounded before any SQL runs (see FILTER_LIMITS).
  for (const [field, value] of Object.entries(filters)) {
    if (!Array.isArray(value)) continue;
    const prefixes = field === 'action' ? value.filter((v) => typeof v === 'string' && v.endsWith('*')).length : 0;
    if (prefixes > FILTER_LIMITS.maxPrefixes) {
      problems.push({ field, message: `at most ${FILTER_LIMITS.maxPrefixes} prefixes (${prefixes} given)` });
    } else if (value.length > FILTER_LIMITS.maxValues) {
      problems.push({ field, message: `at most ${FILTER_LIMITS.maxValues.toLocaleString('en-US')} values (${value.length} given)` });
    }
  }
  const parts: (Sql | undefined)[] = [];
  if (filters.action?.length) parts.push(actionCondition(filters.action));
  for (const [name, column] of Object.entries(COLUMN_OF)) {
    const values = filters[name as keyof EventFilters] as string[] | undefined;
    if (values?.length) parts.push(inList(column, values));
  }
  if (filters.success !== undefined) parts.push(eq('success', filters.success ? 1 : 0));
  if (filters.ip !== undefined) parts.push(ipCondition(filters.ip, problems));
  if (filters.since !== undefined) parts.push(timeCondition('since', filters.since, now, problems));
  if (filters.until !== undefined) parts.push(timeCondition('until', filters.until, now, problems));
  if (problems.length > 0) throw new SteleError('invalid_request', 'Some filters are invalid.', problems);
  return and(parts.filter((p): p is Sql => p !== undefined));
}
