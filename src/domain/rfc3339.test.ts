import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { daysFromEpoch, parseRfc3339 } from './rfc3339.js';

const msOf = (text: string): number => {
  const result = parseRfc3339(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.reason}`);
  return result.ms;
};
const reasonOf = (text: string): string => {
  const result = parseRfc3339(text);
  assert.ok(!result.ok, `${text} was accepted`);
  return result.reason;
};

describe('RFC 3339 date-times', () => {
  it('reads a UTC time with milliseconds exactly', () => {
    assert.equal(msOf('2026-05-01T12:00:00.123Z'), Date.UTC(2026, 4, 1, 12, 0, 0, 123));
    assert.equal(msOf('1970-01-01T00:00:00Z'), 0);
    assert.equal(msOf('9999-12-31T23:59:59.999Z'), Date.UTC(9999, 11, 31, 23, 59, 59, 999));
  });

  it('accepts 29 February in leap years only', () => {
    assert.equal(msOf('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
    assert.equal(msOf('2000-02-29T00:00:00Z'), Date.UTC(2000, 1, 29)); // divisible by 400
    assert.match(reasonOf('2023-02-29T00:00:00Z'), /day 29, but 2023-02 has 28 days/);
    assert.match(reasonOf('1900-02-29T00:00:00Z'), /1900-02 has 28 days/); // divisible by 100
  });

  it('refuses days, months, hours, minutes and seconds that a calendar does not have, instead of rolling over', () => {
    assert.match(reasonOf('2024-02-30T00:00:00Z'), /day 30/);
    assert.match(reasonOf('2024-04-31T00:00:00Z'), /day 31/);
    assert.match(reasonOf('2024-01-00T00:00:00Z'), /day 00/);
    assert.match(reasonOf('2024-13-01T00:00:00Z'), /month 13/);
    assert.match(reasonOf('2024-00-01T00:00:00Z'), /month 00/);
    assert.match(reasonOf('2024-01-01T24:00:00Z'), /hour 24/);
    assert.match(reasonOf('2024-01-01T12:60:00Z'), /minute 60/);
    assert.match(reasonOf('2024-01-01T12:00:61Z'), /second 61/);
  });

  it('refuses the leap second 23:59:60, which Unix milliseconds cannot hold', () => {
    assert.match(reasonOf('2016-12-31T23:59:60Z'), /leap second/);
  });

  it('applies offsets up to ±23:59 and reads −00:00 as UTC', () => {
    const utc = Date.UTC(2026, 4, 1, 12, 0, 0);
    assert.equal(msOf('2026-05-02T02:00:00+14:00'), utc);
    assert.equal(msOf('2026-05-01T00:00:00-12:00'), utc);
    assert.equal(msOf('2026-05-01T17:30:00+05:30'), utc);
    assert.equal(msOf('2026-05-01T12:00:00-00:00'), utc);
    assert.equal(msOf('2026-05-01T12:00:00+00:00'), utc);
    assert.match(reasonOf('2026-05-01T12:00:00+24:00'), /offset/);
    assert.match(reasonOf('2026-05-01T12:00:00+01:60'), /offset/);
  });

  it('accepts lowercase t and z, as RFC 3339 §5.6 allows', () => {
    assert.equal(msOf('2026-05-01t12:00:00.5z'), Date.UTC(2026, 4, 1, 12, 0, 0, 500));
  });

  it('insists on seconds and a time zone, and on nothing around the time', () => {
    for (const text of [
      '2026-05-01T12:00Z', '2026-05-01T12:00:00', '2026-05-01', '2026-05-01 12:00:00Z', ' 2026-05-01T12:00:00Z',
      '2026-05-01T12:00:00Z ', '2026-5-01T12:00:00Z', '+02026-05-01T12:00:00Z', '2026-05-01T12:00:00.Z', '2026-05-01T12:00:00+0100',
      '２０２６-05-01T12:00:00Z',
    ]) {
      assert.match(reasonOf(text), /RFC 3339/, text);
    }
  });

  it('says when a fraction has non-zero digits beyond milliseconds, and ignores trailing zeros', () => {
    const fine = parseRfc3339('2026-05-01T12:00:00.123000000Z');
    assert.deepEqual(fine, { ok: true, ms: Date.UTC(2026, 4, 1, 12, 0, 0, 123), subMillisecond: false });
    const finer = parseRfc3339('2026-05-01T12:00:00.1234Z');
    assert.deepEqual(finer, { ok: true, ms: Date.UTC(2026, 4, 1, 12, 0, 0, 123), subMillisecond: true });
    assert.equal(msOf('2026-05-01T12:00:00.1Z'), Date.UTC(2026, 4, 1, 12, 0, 0, 100));
  });

  it('gives years below 100 their own value (Date.UTC would read 0099 as 1999)', () => {
    assert.equal(msOf('0099-01-01T00:00:00Z'), new Date('0099-01-01T00:00:00Z').getTime());
    assert.equal(msOf('0000-03-01T00:00:00Z'), new Date('0000-03-01T00:00:00Z').getTime());
  });

  it('agrees with Date on every valid date-time it generates', () => {
    fc.assert(fc.property(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
      const text = date.toISOString();
      assert.equal(msOf(text), date.getTime());
      assert.equal(daysFromEpoch(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()), Math.floor(date.getTime() / 86_400_000));
    }), { seed: 3339, numRuns: 500 });
  });
});
