// jcs() against the `canonicalize` library (a development dependency only), which serves as the
// reference: the same text for any value, and a refusal where it refuses.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { jcs } from './jcs.js';

function outcome(serialise: (value: unknown) => string | undefined, value: unknown): { text?: string; refused?: true } {
  try {
    return { text: serialise(value) };
  } catch {
    return { refused: true };
  }
}

// Strings with lone surrogates, integer-like and special keys, non-finite numbers, undefined members.
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('a', '\ud800', '\udc00', '😀', '\u0000', '"', '\\') }),
    fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('1', '10', '__proto__', 'é', '€', '😀')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('JSON canonicalization (RFC 8785)', () => {
  it('writes what the canonicalize library writes, and refuses what it refuses', () => {
    fc.assert(fc.property(anyValue, (value) => {
      assert.deepEqual(outcome(jcs, value), outcome((v) => canonicalize(v), value));
    }), { numRuns: 2000 });
  });

  it('sorts members by UTF-16 code units and writes numbers the ECMAScript way', () => {
    assert.equal(jcs({ '€': 1, '😀': 2, 'z': 1e21, 'a': [0.1, -0, 1.5e-7] }), '{"a":[0.1,0,1.5e-7],"z":1e+21,"€":1,"😀":2}');
  });

  it('refuses values JSON cannot hold', () => {
    for (const bad of [Number.NaN, Infinity, '\ud800', { a: [-Infinity] }]) assert.throws(() => jcs(bad));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.throws(() => jcs(circular), /circular/);
  });
});
