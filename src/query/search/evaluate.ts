// The reference evaluator: a literal reading of the language over one event, used by tests to
// cross-check the SQL the compiler produces, by `stele verify --package`, which has a SOC 2
// package's events and no database (src/reports/offline-figures.ts), and by alert rules, which
// match each committed event in memory (src/alerts/alert-evaluator.ts) and count in SQL: the
// engine suite's property test keeps the two readings the same. Reads never filter rows here.

import type { JsonValue, StoredEvent } from '../../domain/event.js';
import type { EventTextColumn } from '../../store/event-columns.js';
import { ipToBytes } from '../../domain/ip.js';
import { globTest, regexContains } from '../../sql/regex.js';
import type { Ast, Comparator, TextMatch, Test } from './ast.js';
import { resolveTime } from './time-value.js';

function columnValue(event: StoredEvent, column: EventTextColumn): string | undefined {
  // Optional chaining rather than defaults: no object made per call (alert rules call this per event).
  const { actor, target, context } = event;
  switch (column) {
    case 'id': return event.id;
    case 'action': return event.action;
    case 'category': return event.category;
    case 'actor_id': return actor?.id;
    case 'actor_type': return actor?.type;
    case 'actor_email': return actor?.email;
    case 'actor_name': return actor?.name;
    case 'actor_role': return actor?.role;
    case 'target_type': return target?.type;
    case 'target_id': return target?.id;
    case 'target_name': return target?.name;
    case 'target_slug': return target?.slug;
    case 'target_version': return target?.version;
    case 'target_url': return target?.url;
    case 'ip': return context?.ip;
    case 'user_agent': return context?.user_agent;
    case 'location': return context?.location;
    case 'request_id': return context?.request_id;
    case 'session_id': return context?.session_id;
    case 'api_key_id': return context?.api_key_id;
    case 'method': return context?.method;
    case 'url': return context?.url;
    case 'geo_country': return event.geo?.country;
  }
}

/** Does `value` consist of the segments in order, with anything between them? */
function matchesSegments(value: string, segments: readonly string[]): boolean {
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  if (segments.length === 1) return value === first;
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last)) return false;
  let from = first.length;
  const until = value.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const middle = segments[i]!;
    const found = value.indexOf(middle, from);
    if (found < 0 || found + middle.length > until) return false;
    from = found + middle.length;
  }
  return true;
}

function matchesText(value: string | undefined, match: TextMatch): boolean {
  if (value === undefined) return false;
  switch (match.kind) {
    case 'exact': return value === match.value;
    case 'prefix': return value.startsWith(match.prefix);
    case 'pattern': return matchesSegments(value, match.segments);
    case 'glob': return globTest(match.parts, value);
    case 'regex': return regexContains(match.source, value);
  }
}

/** The JSON value at a path of object keys in details (undefined when a key is missing). */
function detailsValue(event: StoredEvent, path: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = event.details;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** A scalar in details as text; objects, arrays, null and missing keys have none. */
function detailsText(event: StoredEvent, path: readonly string[]): string | undefined {
  const node = detailsValue(event, path);
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return JSON.stringify(node);
  return undefined;
}

function comparesTo(actual: number, op: Comparator, expected: number): boolean {
  switch (op) {
    case '=': return actual === expected;
    case '<': return actual < expected;
    case '<=': return actual <= expected;
    case '>': return actual > expected;
    case '>=': return actual >= expected;
  }
}

/** `time:<op><period>`: equal means inside [start, end), after means at or after end, and so on. */
function inPeriodRelation(at: number, op: Comparator, start: number, end: number): boolean {
  switch (op) {
    case '=': return at >= start && at < end;
    case '>': return at >= end;
    case '>=': return at >= start;
    case '<': return at < start;
    case '<=': return at < end;
  }
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function holds(test: Test, event: StoredEvent, now: number): boolean {
  switch (test.type) {
    case 'text':
    case 'bare':
      for (const column of test.columns) if (matchesText(columnValue(event, column), test.match)) return true;
      return false;
    case 'details':
      return matchesText(detailsText(event, test.path), test.match);
    case 'details_number': {
      const node = detailsValue(event, test.path);
      return typeof node === 'number' && Number.isInteger(node) && comparesTo(node, test.op, test.value);
    }
    case 'integer': {
      const actual = test.field === 'seq' ? event.seq : event.context?.http_status;
      return actual !== undefined && comparesTo(actual, test.op, test.value);
    }
    case 'time': {
      const { start, end } = resolveTime(test.value, now);
      return inPeriodRelation(Date.parse(event.occurred_at), test.op, start, end);
    }
    case 'ip': {
      const ip = event.context?.ip;
      const bytes = ip === undefined ? undefined : ipToBytes(ip);
      if (!bytes) return false;
      const value = hex(bytes);
      // Same-length lowercase hex compares like the bytes.
      return value >= test.low && value <= test.high;
    }
    case 'boolean':
      return event.success === test.value;
    case 'exists':
      switch (test.field) {
        case 'seq':
        case 'time': return true;
        case 'http_status': return event.context?.http_status !== undefined;
        case 'ip': return event.context?.ip !== undefined && ipToBytes(event.context.ip) !== undefined;
        case 'success': return event.success !== undefined;
      }
  }
}

/** Whether `event` matches the query, with `now` (ms) as the clock reading. */
export function evaluateQuery(ast: Ast, event: StoredEvent, now: number): boolean {
  switch (ast.kind) {
    // Loops rather than every/some: no closure per call (alert rules evaluate every committed event).
    case 'and':
      for (const child of ast.children) if (!evaluateQuery(child, event, now)) return false;
      return true;
    case 'or':
      for (const child of ast.children) if (evaluateQuery(child, event, now)) return true;
      return false;
    case 'not': return !evaluateQuery(ast.child, event, now);
    case 'term': return holds(ast.test, event, now);
  }
}
