// Ast → one parameterised SQL condition over the events table (see store/event-columns.ts).
// Every leaf is two-valued (never NULL), so NOT means "does not match", including events that
// lack the field. Shapes are chosen for the indexes: equality, prefix ranges, integer ranges.

import { and, compare, eq, not, or, sql, startsWith, TRUE, type Sql } from '../../sql/fragments.js';
import type { SqlDialect } from '../../sql/dialect.js';
import type { GlobPart } from '../../sql/regex.js';
import type { EventTextColumn } from '../../store/event-columns.js';
import type { Ast, Comparator, TextMatch, Test } from './ast.js';
import { resolveTime } from './time-value.js';

export interface CompileOptions {
  dialect: SqlDialect;
  /** The clock reading (ms since the epoch) that `now` in the query means. */
  now: number;
}

/** Columns that are never NULL, so a match on them needs no NULL guard. */
const NOT_NULL = new Set<string>(['id', 'action', 'category', 'seq', 'occurred_at']);

const guarded = (column: string, condition: Sql): Sql =>
  NOT_NULL.has(column) ? condition : and([sql(`${column} IS NOT NULL`), condition]);

const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/**
 * startsWith's range bumps the last UTF-16 code unit, which is only the next code point, in the
 * byte order both engines compare by, when that unit is not U+D7FF, U+DFFF (end of a surrogate
 * pair) or U+FFFF. Those rare prefixes keep the lower bound for the index and match exactly with a
 * pattern instead.
 */
function prefixOnColumn(column: string, prefix: string, dialect: SqlDialect): Sql {
  const last = prefix.charCodeAt(prefix.length - 1);
  if (prefix === '' || (last !== 0xd7ff && last !== 0xdfff && last !== 0xffff)) return startsWith(column, prefix);
  return and([compare(column, '>=', prefix), dialect.matchesPattern(sql(column), [prefix, ''])]);
}

/** The leading literal of a pattern, as an index-friendly lower bound (none when it starts with *). */
function patternOnColumn(column: string, segments: readonly string[], dialect: SqlDialect): Sql {
  const head = segments[0]!;
  const pattern = dialect.matchesPattern(sql(column), segments);
  return head === '' ? pattern : and([prefixOnColumn(column, head, dialect), pattern]);
}

/** The literal a glob starts with ('' when it starts with a wildcard). */
const globHead = (parts: readonly GlobPart[]): string => (parts[0] && 'text' in parts[0] ? parts[0].text : '');

function matchColumn(column: EventTextColumn, match: TextMatch, dialect: SqlDialect): Sql {
  switch (match.kind) {
    case 'glob': {
      const head = globHead(match.parts);
      const glob = dialect.matchesGlob(sql(column), match.parts);
      return guarded(column, head === '' ? glob : and([prefixOnColumn(column, head, dialect), glob]));
    }
    case 'regex': return guarded(column, dialect.matchesRegex(sql(column), match.source));
    case 'exact': return guarded(column, eq(column, match.value));
    // startsWith('') is already `IS NOT NULL`.
    case 'prefix': return match.prefix === '' ? startsWith(column, '') : guarded(column, prefixOnColumn(column, match.prefix, dialect));
    case 'pattern': return guarded(column, patternOnColumn(column, match.segments, dialect));
  }
}

function matchExpression(expression: Sql, match: TextMatch, dialect: SqlDialect): Sql {
  const present = sql(`(${expression.text}) IS NOT NULL`, expression.params);
  switch (match.kind) {
    case 'exact': return and([present, sql(`(${expression.text}) = ?`, [...expression.params, match.value])]);
    case 'prefix': return match.prefix === '' ? present : and([present, dialect.matchesPattern(expression, [match.prefix, ''])]);
    case 'pattern': return and([present, dialect.matchesPattern(expression, match.segments)]);
    case 'glob': return and([present, dialect.matchesGlob(expression, match.parts)]);
    case 'regex': return and([present, dialect.matchesRegex(expression, match.source)]);
  }
}

function compareTime(op: Comparator, start: number, end: number): Sql {
  switch (op) {
    case '=': return and([compare('occurred_at', '>=', start), compare('occurred_at', '<', end)]);
    case '>': return compare('occurred_at', '>=', end);
    case '>=': return compare('occurred_at', '>=', start);
    case '<': return compare('occurred_at', '<', start);
    case '<=': return compare('occurred_at', '<', end);
  }
}

const EXISTS_COLUMN = { seq: 'seq', http_status: 'http_status', time: 'occurred_at', ip: 'ip_bin', success: 'success' } as const;

function compileTest(test: Test, options: CompileOptions): Sql {
  const { dialect } = options;
  switch (test.type) {
    case 'text':
    case 'bare':
      return or(test.columns.map((column) => matchColumn(column, test.match, dialect)));
    case 'details':
      return matchExpression(dialect.detailsText(test.path), test.match, dialect);
    case 'details_number': {
      const value = dialect.detailsInteger(test.path);
      return and([sql(`(${value.text}) IS NOT NULL`, value.params), sql(`(${value.text}) ${test.op} ?`, [...value.params, test.value])]);
    }
    case 'integer':
      return guarded(test.field, test.op === '=' ? eq(test.field, test.value) : compare(test.field, test.op, test.value));
    case 'time': {
      const { start, end } = resolveTime(test.value, options.now);
      return compareTime(test.op, start, end);
    }
    case 'ip':
      return guarded('ip_bin', test.low === test.high
        ? eq('ip_bin', fromHex(test.low))
        : and([compare('ip_bin', '>=', fromHex(test.low)), compare('ip_bin', '<=', fromHex(test.high))]));
    case 'boolean':
      return guarded('success', eq('success', test.value ? 1 : 0));
    case 'exists': {
      const column = EXISTS_COLUMN[test.field];
      return NOT_NULL.has(column) ? TRUE : sql(`${column} IS NOT NULL`);
    }
  }
}

/** Compiles a parsed query to a condition over the events table (the store adds the tenant). */
export function compileQuery(ast: Ast, options: CompileOptions): Sql {
  switch (ast.kind) {
    case 'and': return and(ast.children.map((child) => compileQuery(child, options)));
    case 'or': return or(ast.children.map((child) => compileQuery(child, options)));
    case 'not': return not(compileQuery(ast.child, options));
    case 'term': return compileTest(ast.test, options);
  }
}
