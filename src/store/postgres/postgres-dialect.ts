// PostgreSQL's side of query compilation. details is jsonb; results are given the "C" collation
// so comparisons and patterns work byte by byte, as on the text columns and in SQLite.

import { sql, type Sql } from '../../sql/fragments.js';
import type { SqlDialect } from '../../sql/dialect.js';
import type { GlobPart } from '../../sql/regex.js';

/** LIKE with C collation is case-sensitive; backslash is LIKE's default escape character. */
const likeLiteral = (segment: string): string => segment.replace(/[\\%_]/g, (c) => `\\${c}`);

export const postgresDialect: SqlDialect = {
  detailsText(path) {
    const keys = path.map(() => '?').join(', ');
    // jsonb_extract_path would read an integer-looking key as an array index; the search parser
    // only passes keys starting with a letter or _, and objects, arrays and null give NULL here.
    return sql(
      `(CASE WHEN jsonb_typeof(jsonb_extract_path(details, ${keys})) IN (?, ?, ?) ` +
        `THEN jsonb_extract_path_text(details, ${keys}) END) COLLATE "C"`,
      [...path, 'string', 'number', 'boolean', ...path],
    );
  },

  detailsInteger(path) {
    const keys = path.map(() => '?').join(', ');
    // jsonb keeps a number's text as sent (5.0 stays 5.0), so "integer" is read from that text,
    // as SQLite's json_type does.
    return sql(
      `(CASE WHEN jsonb_typeof(jsonb_extract_path(details, ${keys})) = ? AND jsonb_extract_path_text(details, ${keys}) ~ ? ` +
        `THEN (jsonb_extract_path_text(details, ${keys}))::bigint END)`,
      [...path, 'number', ...path, '^-?[0-9]+$', ...path],
    );
  },

  matchesPattern(expression: Sql, segments: readonly string[]): Sql {
    return sql(`(${expression.text}) LIKE ?`, [...expression.params, segments.map(likeLiteral).join('%')]);
  },

  matchesGlob(expression: Sql, parts: readonly GlobPart[]): Sql {
    const pattern = parts.map((part) => ('text' in part ? likeLiteral(part.text) : part.wildcard === '*' ? '%' : '_')).join('');
    return sql(`(${expression.text}) LIKE ?`, [...expression.params, pattern]);
  },

  matchesRegex(expression: Sql, source: string): Sql {
    return sql(`(${expression.text}) ~ ?`, [...expression.params, source]);
  },
};
