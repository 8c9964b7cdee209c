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
