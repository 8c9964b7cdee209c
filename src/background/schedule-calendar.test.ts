import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRunAfter } from './schedule-calendar.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('nextRunAfter', () => {
  it('runs daily schedules at the next UTC midnight, even from exactly midnight', () => {
    assert.equal(iso(nextRunAfter('daily', at('2026-05-01T12:34:56Z'))), '2026-05-02T00:00:00.000Z');
    assert.equal(iso(nextRunAfter('daily', at('2026-05-01T00:00:00Z'))), '2026-05-02T00:00:00.000Z');
  });

  it('runs weekly schedules on the next Monday', () => {
    assert.equal(iso(nextRunAfter('weekly', at('2026-05-01T12:00:00Z'))), '2026-05-04T00:00:00.000Z'); // a Friday
    assert.equal(iso(nextRunAfter('weekly', at('2026-05-04T00:00:00Z'))), '2026-05-11T00:00:00.000Z'); // a Monday
    assert.equal(iso(nextRunAfter('weekly', at('2026-05-03T23:59:59Z'))), '2026-05-04T00:00:00.000Z'); // a Sunday
  });

  it('runs monthly schedules on the first of the next month, across a year end', () => {
    assert.equal(iso(nextRunAfter('monthly', at('2026-01-31T10:00:00Z'))), '2026-02-01T00:00:00.000Z');
    assert.equal(iso(nextRunAfter('monthly', at('2026-12-15T10:00:00Z'))), '2027-01-01T00:00:00.000Z');
  });
});
