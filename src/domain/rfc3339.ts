// RFC 3339 date-times, read field by field. `new Date` and Date.parse quietly roll impossible
// dates over (2024-02-30 becomes March 1st, T24:00:00 the next day); here every field is checked
// against the calendar and the instant is computed with integer arithmetic, so a time is either
// exactly what was written or refused with the reason.
//
// Choices, per RFC 3339 §5.6: `T` and `Z` may be lowercase; the offset is Z or ±HH:MM with HH up
// to 23 (−00:00 is UTC); years are 0000-9999. A leap second (:60) is refused: the stored form is
// milliseconds of Unix time, which has no leap seconds, so 23:59:60 has no faithful encoding.

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

const MS_PER_DAY = 86_400_000;

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True when year-month-day is a day of the proleptic Gregorian calendar (years 0000-9999). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  return year >= 0 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Days from 1970-01-01 to a valid calendar date (negative before), without Date's 19xx quirks. */
export function daysFromEpoch(year: number, month: number, day: number): number {
  // Howard Hinnant's days_from_civil: years start in March, so the leap day ends a year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export type Rfc3339Result =
  | {
    ok: true;
    /** The instant in Unix milliseconds (digits beyond milliseconds cut off). */
    ms: number;
    /** True when the fraction has non-zero digits beyond milliseconds, which `ms` does not hold. */
    subMillisecond: boolean;
  }
  | { ok: false; reason: string };

/** Reads an RFC 3339 date-time (`2026-05-01T12:00:00.123Z`, `2026-05-01t14:00:00+02:00`). */
export function parseRfc3339(text: string): Rfc3339Result {
  const m = DATE_TIME.exec(text);
  if (!m) return { ok: false, reason: 'must be an RFC 3339 date-time with seconds and a time zone, e.g. 2026-05-01T12:00:00.123Z' };
  const [, y, mo, d, h, mi, s, fraction = '', zone] = m as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12) return { ok: false, reason: `has month ${mo}; months are 01 to 12` };
  if (!isCalendarDate(year, month, day)) return { ok: false, reason: `has day ${d}, but ${y}-${mo} has ${daysInMonth(year, month)} days` };
  if (hour > 23) return { ok: false, reason: `has hour ${h}; hours are 00 to 23 (write T24:00:00 as 00:00:00 of the next day)` };
  if (minute > 59) return { ok: false, reason: `has minute ${mi}; minutes are 00 to 59` };
  if (second === 60) return { ok: false, reason: 'is a leap second (:60), which Unix time cannot hold; send :59.999 instead' };
  if (second > 59) return { ok: false, reason: `has second ${s}; seconds are 00 to 59` };
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const offsetHours = Number(zone.slice(1, 3)), offsetMins = Number(zone.slice(4, 6));
    if (offsetHours > 23 || offsetMins > 59) return { ok: false, reason: `has time zone offset ${zone}; offsets are -23:59 to +23:59` };
    offsetMinutes = (offsetHours * 60 + offsetMins) * (zone[0] === '-' ? -1 : 1);
  }
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const ms = daysFromEpoch(year, month, day) * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
  return { ok: true, ms, subMillisecond: /[1-9]/.test(fraction.slice(3)) };
}
