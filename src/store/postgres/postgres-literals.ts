// Writes a compiled Sql fragment with its parameters inlined as literals, for the one statement
// that cannot take bind parameters: COPY (SELECT ...) TO STDOUT. Every value is rendered by type,
// never pasted: strings as E'' literals (backslash and quote escaped, so the result does not
// depend on standard_conforming_strings), numbers only when finite, bytes as hex bytea. A `?` in
// a fragment's text is always a placeholder (sql/fragments.ts keeps literals out of fragment text).

import { SteleError } from '../../domain/errors.js';
import type { Sql, SqlParam } from '../../sql/fragments.js';

/** A string as an escape-string literal: E'...' with `\` and `'` doubled, valid under any setting. */
export function stringLiteral(value: string): string {
  // PostgreSQL text cannot hold NUL, and a NUL in a simple-query message would end the statement
  // early; refusing it here keeps the statement exactly the one that was compiled.
  if (value.includes('\u0000')) {
    throw new SteleError('invalid_request', 'Filter values must not contain NUL characters.', [{ message: 'NUL character' }]);
  }
  return `E'${value.replace(/[\\']/g, (c) => c + c)}'`;
}

export function literalOf(value: SqlParam): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return stringLiteral(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot inline the number ${value}`);
    // Parenthesised so a negative number can follow any operator (`x - -1` would be a comment start in `x --1`).
    return value < 0 ? `(${value})` : String(value);
  }
  if (value instanceof Uint8Array) return `E'\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}'::bytea`;
  throw new TypeError(`cannot inline a ${typeof value}`);
}

/** The fragment's text with each `?` replaced by its parameter as a literal. */
export function inlineSql(fragment: Sql): string {
  let next = 0;
  const text = fragment.text.replace(/\?/g, () => {
    if (next >= fragment.params.length) throw new Error(`Sql has more placeholders than its ${fragment.params.length} parameters`);
    return literalOf(fragment.params[next++]!);
  });
  if (next !== fragment.params.length) throw new Error(`Sql has ${next} placeholders for ${fragment.params.length} parameters`);
  return text;
}

const NEEDS_ESCAPE = /["\\]/;

/**
 * A column of values as one array parameter's text, `{"a",NULL,"1",\\x00ff}`: exactly what the pg
 * driver makes of a JS array (its arrayString), written without its per-element dispatch and its
 * two replaces on every string. The append of a commit group sends its rows as such columns
 * (one `unnest` parameter each): the driver's encoding took ~5 µs of the serving thread an event.
 */
export function arrayLiteral(values: readonly (string | number | null | Uint8Array)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    const value = values[i];
    if (value === null || value === undefined) text += 'NULL';
    else if (typeof value === 'number') text += `"${value}"`;
    else if (typeof value === 'string') text += NEEDS_ESCAPE.test(value) ? `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${value}"`;
    else text += `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }
  return `${text}}`;
}
