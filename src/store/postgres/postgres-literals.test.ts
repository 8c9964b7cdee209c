import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { SteleError } from '../../domain/errors.js';
import { and, eq, inList, sql } from '../../sql/fragments.js';
import { arrayLiteral, inlineSql, literalOf, stringLiteral } from './postgres-literals.js';

// The statements these literals go into run on real PostgreSQL in postgres-row-encodings.test.ts;
// here, the text each value becomes.
describe('inlining parameters as PostgreSQL literals', () => {
  it('writes strings as escape-string literals with quotes and backslashes doubled', () => {
    assert.equal(stringLiteral('plain'), "E'plain'");
    assert.equal(stringLiteral("it's"), "E'it''s'");
    assert.equal(stringLiteral('C:\\temp\\'), "E'C:\\\\temp\\\\'");
    assert.equal(stringLiteral("\\'; DROP TABLE events; --"), "E'\\\\''; DROP TABLE events; --'");
    assert.equal(stringLiteral('$$ $tag$ ?'), "E'$$ $tag$ ?'");
    assert.equal(stringLiteral('é 🚀 \n\r\t'), "E'é 🚀 \n\r\t'");
  });

  it('refuses a NUL, which PostgreSQL text cannot hold and which would cut the statement short', () => {
    assert.throws(() => stringLiteral('a\u0000b'), (error: unknown) => error instanceof SteleError && error.code === 'invalid_request');
  });

  it('writes finite numbers, negatives in parentheses, and refuses the others', () => {
    assert.equal(literalOf(42), '42');
    assert.equal(literalOf(1_714_564_800_123), '1714564800123');
    assert.equal(literalOf(-1), '(-1)');
    assert.equal(literalOf(0.5), '0.5');
    assert.throws(() => literalOf(Number.NaN), TypeError);
    assert.throws(() => literalOf(Number.POSITIVE_INFINITY), TypeError);
  });

  it('writes bytes as a hex bytea and null as NULL', () => {
    assert.equal(literalOf(Uint8Array.from([0, 10, 255])), "E'\\\\x000aff'::bytea");
    assert.equal(literalOf(Buffer.from([1, 2, 3]).subarray(1)), "E'\\\\x0203'::bytea");
    assert.equal(literalOf(null), 'NULL');
  });

  it('replaces each placeholder by its own parameter, whatever the values hold', () => {
    const where = and([inList('actor_id', ["a'b", '?', 'c']), eq('seq', 3)]);
    assert.equal(inlineSql(where), "(actor_id IN (E'a''b', E'?', E'c')) AND (seq = 3)");
  });

  it('refuses a fragment whose placeholders and parameters do not pair up', () => {
    assert.throws(() => inlineSql(sql('a = ? AND b = ?', [1])), /more placeholders/);
    assert.throws(() => inlineSql(sql('a = ?', [1, 2])), /1 placeholders for 2 parameters/);
  });
});

describe('a column as an array parameter', () => {
  // The driver's own encoding of a JS array, which arrayLiteral stands in for.
  const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(value: unknown): string };

  it('is the text the pg driver makes of the same array', () => {
    const hash = Uint8Array.from([0, 1, 0xab, 0xff]);
    const columns: (string | number | null | Uint8Array)[][] = [
      ['plain', 'with "quotes"', 'C:\\temp\\', '{braces},commas', 'NULL', '', ' spaced ', 'é 🚀 \n\t', null],
      [1, 0, -5, 1_714_564_800_123, 0.5, null],
      [hash, Buffer.from('hi'), new Uint8Array(0), null, hash.subarray(1, 3)],
      [],
    ];
    for (const column of columns) assert.equal(arrayLiteral(column), prepareValue(column.map((v) => (v instanceof Uint8Array ? Buffer.from(v) : v))));
    // Random strings over the characters the array syntax gives a meaning to.
    let seed = 11;
    const below = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000) * n);
    const alphabet = 'a\\"{},\' NULL\n';
    for (let n = 0; n < 2_000; n++) {
      const column = Array.from({ length: below(5) }, () => (below(8) === 0 ? null : Array.from({ length: below(12) }, () => alphabet[below(alphabet.length)]).join('')));
      assert.equal(arrayLiteral(column), prepareValue(column), JSON.stringify(column));
    }
  });
});
