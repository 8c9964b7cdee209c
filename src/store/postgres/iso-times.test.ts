import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createIsoTimeWriter } from './iso-times.js';

describe('writing millisecond times as ISO text', () => {
  it('writes what Date#toISOString writes, in and out of its minute cache', () => {
    const write = createIsoTimeWriter();
    const out = Buffer.alloc(64);
    const check = (ms: number) => assert.equal(out.toString('latin1', 0, write(ms, out, 0)), new Date(ms).toISOString(), String(ms));
    for (const ms of [0, 59_999, 60_000, 1_714_564_800_000, 1_714_564_800_120, 1_714_564_859_999, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -1]) check(ms);
    fc.assert(fc.property(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), fc.nat(120_000), (ms, step) => {
      check(ms);
      check(ms + step);
    }), { numRuns: 2000 });
  });
});
