// native/canonical_json.c against packages/integrity/src/canonical.ts: for any JSON text, however it is
// spaced, ordered, escaped and its numbers written (as PostgreSQL's jsonb writes them, say), the
// native writer gives canonicalJson's text exactly, or declines (null) where it leaves the value
// to JavaScript. It never gives a different text.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '@stele/integrity';
import { AWKWARD_DETAILS } from '../store/testing/fixtures.js';
import { nativePostgresPages, nativeProblem } from './native-addons.js';

const skip = nativePostgresPages ? false : `the native code is not built (${nativeProblem})`;
const native = (text: string) => nativePostgresPages!.canonicalJson(Buffer.from(text, 'utf8'))?.toString('utf8') ?? null;

// Writes a JSON value the way another writer might: members in another order, spaces anywhere,
// every character of a string possibly \u-escaped, numbers in another (exact) notation.
function unusualJson(value: unknown, random: () => number): string {
  const space = () => [' ', '', '\n', '\t', '  ', '\r\n'][Math.floor(random() * 6)]!;
  const string = (s: string) => `"${[...s].map((c) => (random() < 0.3 ? Array.from({ length: c.length }, (_, k) => `\\u${c.charCodeAt(k).toString(16).padStart(4, '0')}`).join('') : JSON.stringify(c).slice(1, -1))).join('')}"`;
  if (typeof value === 'string') return string(value);
  if (typeof value === 'number') return unusualNumber(value, random);
  if (Array.isArray(value)) return `[${space()}${value.map((v) => unusualJson(v, random)).join(`${space()},${space()}`)}${space()}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(() => random() - 0.5);
    return `{${space()}${entries.map(([k, v]) => `${string(k)}${space()}:${space()}${unusualJson(v, random)}`).join(`${space()},${space()}`)}${space()}}`;
  }
  return JSON.stringify(value);
}

function unusualNumber(n: number, random: () => number): string {
  const plain = JSON.stringify(n);
  switch (Math.floor(random() * 4)) {
    case 0: return n.toExponential().replace('e+', random() < 0.5 ? 'E' : 'e+'); // 1.5e+0, 15E1
    case 1: return Number.isInteger(n) && Math.abs(n) < 1e21 ? `${BigInt(n)}.000` : plain; // 100.000, as numeric keeps a scale
    case 2: return n.toPrecision(Math.min(100, 17 + Math.floor(random() * 30))).replace(/\.?0+$/, (z) => (z.startsWith('.') ? '' : z)); // trailing digits
    default: return plain;
  }
}

const seeded = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

describe('native RFC 8785 (canonical_json.c)', { skip }, () => {
  it('gives canonicalJson\'s text for the awkward details, however they are written', () => {
    for (const [i, details] of AWKWARD_DETAILS.entries()) {
      const expected = canonicalJson(details);
      assert.equal(native(JSON.stringify(details)), expected, `details #${i}`);
      for (let seed = 1; seed <= 20; seed++) assert.equal(native(unusualJson(details, seeded(seed * 31 + i))), expected, `details #${i}, seed ${seed}`);
    }
  });

  it('gives canonicalJson\'s text for any JSON value, however it is written', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.jsonValue({ stringUnit: 'grapheme' }), fc.jsonValue({ stringUnit: 'binary' })), fc.integer({ min: 1, max: 1 << 30 }), (value, seed) => {
      const expected = canonicalJson(value);
      assert.equal(native(JSON.stringify(value)), expected);
      assert.equal(native(unusualJson(value, seeded(seed))), expected);
    }), { numRuns: 2000 });
  });

  it('writes every double as ECMAScript does', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 1 << 30 }), (n, seed) => {
      const text = unusualNumber(n, seeded(seed));
      assert.equal(native(`[${text}]`), `[${JSON.stringify(Number(text))}]`, text);
    }), { numRuns: 5000 });
    for (const n of [0.1, 1e21, 1e-7, 123e-20, 5e-324, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, 9007199254740993, 1e16, 123456789012345680000]) {
      assert.equal(native(String(n)), JSON.stringify(n));
    }
  });

  it('orders members by UTF-16 code units, not by bytes or code points', () => {
    // U+FF61 sorts after U+1F600 by code point and UTF-8 bytes, before it by UTF-16 (0xD83D).
    const value = { '\uff61': 1, '😀': 2, 'é': 3, e: 4, '\u007f': 5 };
    assert.equal(native(JSON.stringify(value)), canonicalJson(value));
    assert.equal(native(JSON.stringify(value)), '{"e":4,"\u007f":5,"é":3,"😀":2,"\uff61":1}');
  });

  it('declines what it leaves to JavaScript, and what is not JSON', () => {
    for (const text of ['{"a":1,"a":2}', '"\\ud800"', '"\\udc00x"', '[1e400]', '[-1e400]', '{"a":1', '{"a" 1}', '[1,]', '01', '"a\nb"', 'nul', '[1] 2', '"\\x"', '"\\u12"', '']) {
      assert.equal(native(text), null, JSON.stringify(text));
    }
    assert.equal(native('['.repeat(256) + ']'.repeat(256)), '['.repeat(256) + ']'.repeat(256));
    assert.equal(native('['.repeat(257) + ']'.repeat(257)), null);
  });
});
