// What differs between the engines when compiling a query. Each store adapter provides one
// (sqlite/sqlite-dialect.ts, postgres/postgres-dialect.ts); the compilers stay engine-agnostic.

import type { Sql } from './fragments.js';
import type { GlobPart } from './regex.js';

export interface SqlDialect {
  /**
   * An expression giving the value at `path` inside the `details` JSON as text: strings as
   * themselves, numbers and booleans as their JSON text (`42`, `true`), NULL when absent or
   * JSON null. Path segments are user input and must travel as parameters.
   */
  detailsText(path: readonly string[]): Sql;

  /**
   * The value at `path` inside `details` as an integer when it is a JSON integer (42, not 42.5,
   * "42" or true), else NULL: what report figures sum (row counts). Path segments travel as parameters.
   */
  detailsInteger(path: readonly string[]): Sql;

  /**
   * True when the text `expression` is the segments joined by runs of any characters (`*`
   * wildcards between them): ['a', ''] is "starts with a", ['', 'b', ''] is "contains b".
   * Case-sensitive on both engines; NULL when the expression is NULL. Every character of the
   * segments is literal (the dialect escapes its own wildcard characters); the pattern is a parameter.
   */
  matchesPattern(expression: Sql, segments: readonly string[]): Sql;

  /** The same with one-character wildcards too (`?`: one character, a code point on both engines). */
  matchesGlob(expression: Sql, parts: readonly GlobPart[]): Sql;

  /**
   * True when the text `expression` contains a match of the regular expression `source`, one of
   * the canonical patterns query/search/regex.ts lets through (read the same by both engines).
   */
  matchesRegex(expression: Sql, source: string): Sql;
}
