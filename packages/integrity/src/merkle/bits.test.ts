import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bitLength, onesCount, shr, trailingZeros, xor } from './bits.js';

const big = (n: number): bigint => BigInt(n);

describe('bit arithmetic on safe integers', () => {
  it('agrees with BigInt beyond 32 bits', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), fc.integer({ min: 0, max: 60 }), (a, b, k) => {
        assert.equal(big(xor(a, b)), big(a) ^ big(b));
        assert.equal(big(shr(a, k)), big(a) >> BigInt(k));
        assert.equal(bitLength(a), a === 0 ? 0 : big(a).toString(2).length);
        assert.equal(onesCount(a), [...big(a).toString(2)].filter((c) => c === '1').length);
        if (a > 0) assert.equal(trailingZeros(a), big(a).toString(2).length - 1 - big(a).toString(2).lastIndexOf('1'));
      }),
    );
  });

  it('handles the edges 0, 2^32 and 2^53 - 1', () => {
    assert.equal(bitLength(0), 0);
    assert.equal(bitLength(2 ** 32), 33);
    assert.equal(trailingZeros(2 ** 32), 32);
    assert.equal(bitLength(Number.MAX_SAFE_INTEGER), 53);
    assert.equal(onesCount(Number.MAX_SAFE_INTEGER), 53);
  });
});
