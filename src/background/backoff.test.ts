import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, retryAfterMs } from './backoff.js';

describe('backoff', () => {
  it('doubles its ceiling with each failure, between half and all of it, up to the cap', () => {
    const low = () => 0;
    const high = () => 0.999999;
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, { baseMs: 1000 }, undefined, low)), [500, 1000, 2000, 4000]);
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, { baseMs: 1000 }, undefined, high)), [1000, 2000, 4000, 8000]);
    assert.equal(backoffDelay(40, { baseMs: 1000, maxMs: 60_000 }, undefined, high), 60_000);
    assert.equal(backoffDelay(1_000_000, { maxMs: 60_000 }, undefined, low), 30_000);
  });

  it('never retries sooner than the receiver asked', () => {
    assert.equal(backoffDelay(1, { baseMs: 1000 }, 30_000, () => 0), 30_000);
    assert.equal(backoffDelay(5, { baseMs: 1000 }, 100, () => 0), 8000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs('Sun, 06 Dec 2026 12:01:00 GMT', now), 60_000);
    assert.equal(retryAfterMs('Sun, 06 Dec 2026 11:00:00 GMT', now), 0);
    assert.equal(retryAfterMs(undefined, now), undefined);
    assert.equal(retryAfterMs('soon', now), undefined);
  });
});
