// Time values in queries: `now`, `now-7d`, `now+1h`, or an ISO 8601 date or date-time. A date-time
// without an offset is UTC. An absolute value names a period as long as its precision (a whole day
// for a date, a minute for 10:00), so `time:2025-01-01` is that day and `time:>2025-01-01` is after it.

import type { TimeValue } from './ast.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** About 270 years either way. */
export const MAX_RELATIVE_MS = 100_000 * UNIT_MS.d;

const RELATIVE = /^now(?:([+-])(\d{1,9})([smhdw]))?$/;
const ABSOLUTE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?([Zz]|[+-]\d{2}:\d{2})?)?$/;

/** Returns undefined when the text is not a time value. */
export function parseTimeValue(text: string): TimeValue | undefined {
  const relative = RELATIVE.exec(text);
  if (relative) {
    const [, sign, amount, unit] = relative;
    if (sign === undefined) return { kind: 'relative', offsetMs: 0 };
    const offsetMs = Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS] * (sign === '-' ? -1 : 1);
    // Keeps now + offset a safe integer that both engines compare exactly.
    if (Math.abs(offsetMs) > MAX_RELATIVE_MS) return undefined;
    return { kind: 'relative', offsetMs };
  }
  const m = ABSOLUTE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h ?? 0), minute = Number(mi ?? 0), second = Number(s ?? 0);
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0'));
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // setUTCFullYear, not Date.UTC, so that years below 100 are not taken as 19xx.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, ms);
  let offsetMs = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3)), om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMs = (oh * 60 + om) * 60_000 * (zone[0] === '-' ? -1 : 1);
  }
  const start = date.getTime() - offsetMs;
  const precision = h === undefined ? UNIT_MS.d : s === undefined ? UNIT_MS.m : frac === undefined ? UNIT_MS.s : 1;
  return { kind: 'absolute', start, end: start + precision };
}

/** The period [start, end) in ms that a time value names, given the clock reading `now`. */
export function resolveTime(value: TimeValue, now: number): { start: number; end: number } {
  if (value.kind === 'absolute') return { start: value.start, end: value.end };
  const start = now + value.offsetMs;
  return { start, end: start + 1 };
}
