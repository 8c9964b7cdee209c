// Throws random text and random token soups at parse + compile: the only acceptable outcomes are
// a Sql value or SteleError('invalid_query') with a position inside the text (or just after it).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SteleError } from '../../domain/errors.js';
import { postgresDialect } from '../../store/postgres/postgres-dialect.js';
import { sqliteDialect } from '../../store/sqlite/sqlite-dialect.js';
import { compileQuery } from './compile.js';
import { parseQuery, SEARCH_LIMITS } from './parser.js';

const NOW = Date.parse('2025-06-15T12:00:00.000Z');

/**
 * Words that compiled SQL may contain; anything else in the text would be input leaking into it.
 * Values always travel as parameters.
 */
const SQL_WORDS = new Set([
  'AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'CASE', 'WHEN', 'THEN', 'END', 'GLOB', 'LIKE', 'COLLATE', 'C',
  'json_type', 'json_extract', 'jsonb_typeof', 'jsonb_extract_path', 'jsonb_extract_path_text', 'details',
  'id', 'action', 'category', 'actor_id', 'actor_email', 'actor_type', 'actor_name', 'actor_role',
  'target_type', 'target_id', 'target_slug', 'target_name', 'request_id', 'session_id', 'method',
  'seq', 'http_status', 'occurred_at', 'ip_bin', 'success', '1', '0',
]);

function checkOutcome(text: string): void {
  let ast;
  try {
    ast = parseQuery(text);
  } catch (error) {
    if (!(error instanceof SteleError)) throw error;
    assert.equal(error.code, 'invalid_query');
    const position = error.extra.position as number;
    assert.ok(Number.isInteger(position) && position >= 1 && position <= Math.min(text.length, SEARCH_LIMITS.maxLength) + 1,
      `position ${position} outside ${JSON.stringify(text)}`);
    return;
  }
  for (const dialect of [sqliteDialect, postgresDialect]) {
    const compiled = compileQuery(ast, { dialect, now: NOW });
    assert.equal(compiled.text.split('?').length - 1, compiled.params.length, 'one parameter per placeholder');
    for (const word of compiled.text.match(/[A-Za-z0-9_]+/g) ?? []) {
      assert.ok(SQL_WORDS.has(word), `unexpected word ${word} in SQL for ${JSON.stringify(text)}`);
    }
    assert.doesNotMatch(compiled.text, /'/, 'no string literals in SQL text');
  }
}

const TOKENS = [
  '(', ')', ' ', ' ', ' ', 'AND', 'OR', 'NOT', '-', '"', '\\', '*', ':', '>', '<', '>=', '<=', '=', '.',
  'action', 'actor', 'actor.email', 'details', 'details.a', 'details.a.b', 'time', 'seq', 'ip', 'success',
  'http_status', 'foo', 'now', 'now-7d', 'now+1h', '2025-01-01', '2025-01-01T10:00:00Z', '10.0.0.0/8', '::1',
  '/', '1', '42', '-1', 'true', 'false', 'a', 'é', '😀', '\u0000', '\ud800', '\t', '\n', '%', '_', "'", ';',
  'DROP TABLE events', '$1', '?',
];

describe('search language fuzzing', () => {
  it('answers any random string with a condition or an invalid_query error', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), checkOutcome), { numRuns: 3000 });
  });

  it('answers any soup of language tokens with a condition or an invalid_query error', () => {
    const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((parts) => parts.join(''));
    fc.assert(fc.property(soup, checkOutcome), { numRuns: 5000 });
  });

  it('answers long and deeply nested inputs without overflowing the stack', () => {
    const deep = fc.tuple(fc.constantFrom('(', 'NOT ', '-', '( NOT '), fc.integer({ min: 1, max: 3000 }), fc.constantFrom('a', 'a)', ')'))
      .map(([open, n, close]) => `${open.repeat(n)}${close.repeat(Math.min(n, 50))}`);
    fc.assert(fc.property(deep, checkOutcome), { numRuns: 200 });
    checkOutcome('a '.repeat(100_000));
    checkOutcome('('.repeat(100_000));
  });
});
