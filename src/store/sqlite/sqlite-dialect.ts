// SQLite's side of query compilation. details is JSON text; json_type/json_extract/-> read it.

import { sql, type Sql } from '../../sql/fragments.js';
import type { SqlDialect } from '../../sql/dialect.js';
import type { GlobPart } from '../../sql/regex.js';

/** `$."a"."b"`: keys quoted so no key character can be read as path syntax. Keys come from the
 * search parser (letters, digits, _ and -), but quoting keeps the contract for any caller. */
const jsonPath = (path: readonly string[]): string =>
  `$${path.map((key) => `."${key.replace(/["\\]/g, (c) => `\\${c}`)}"`).join('')}`;

/** GLOB is case-sensitive (LIKE is not, in SQLite); a bracket makes a special character literal. */
const globLiteral = (segment: string): string => segment.replace(/[*?[]/g, (c) => `[${c}]`);

export const sqliteDialect: SqlDialect = {
  detailsText(path) {
    const p = jsonPath(path);
    // Strings come out of json_extract as themselves; numbers and booleans via -> as their JSON
    // text (json_extract would give 1 for true and a REAL for 1.50). Objects, arrays, null: NULL.
    return sql(
      'CASE json_type(details, ?) WHEN ? THEN json_extract(details, ?) WHEN ? THEN details -> ? ' +
        'WHEN ? THEN details -> ? WHEN ? THEN details -> ? WHEN ? THEN details -> ? END',
      [p, 'text', p, 'integer', p, 'real', p, 'true', p, 'false', p],
    );
  },

  detailsInteger(path) {
    const p = jsonPath(path);
    return sql('CASE json_type(details, ?) WHEN ? THEN json_extract(details, ?) END', [p, 'integer', p]);
  },

  matchesPattern(expression: Sql, segments: readonly string[]): Sql {
    return sql(`(${expression.text}) GLOB ?`, [...expression.params, segments.map(globLiteral).join('*')]);
  },

  matchesGlob(expression: Sql, parts: readonly GlobPart[]): Sql {
    const pattern = parts.map((part) => ('text' in part ? globLiteral(part.text) : part.wildcard)).join('');
    return sql(`(${expression.text}) GLOB ?`, [...expression.params, pattern]);
  },

  /** Through the `regexp` function the store registers on its connection (sql/regex.ts). */
  matchesRegex(expression: Sql, source: string): Sql {
    return sql(`(${expression.text}) REGEXP ?`, [...expression.params, source]);
  },
};
