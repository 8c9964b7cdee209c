// Absolute (ISO 8601) or relative (`now`, `now-7d`, `now-90m`) points in time, in epoch ms.

import { isCalendarDate } from '../domain/rfc3339.js';

const RELATIVE = /^now(?:([+-])(\d{1,9})([smhdw]))?$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants RFC 3339 can write. */
export const EARLIEST_MS = -62_167_219_200_000;
export const LATEST_MS = 253_402_300_799_999;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;

/**
 * Returns epoch milliseconds, or undefined when the text is neither form, or names an instant RFC
 * 3339 cannot write (before year 0000 or after 9999: `now-99999999w`). Dates without a zone are UTC.
 */
export function parseTimeExpression(text: string, now: number): number | undefined {
  const ms = parse(text, now);
  return ms !== undefined && ms >= EARLIEST_MS && ms <= LATEST_MS ? ms : undefined;
}

function parse(text: string, now: number): number | undefined {
  const relative = RELATIVE.exec(text);
  if (relative) {
    const [, sign, amount, unit] = relative;
    if (!sign) return now;
    const delta = Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
    return sign === '-' ? now - delta : now + delta;
  }
  const iso = ISO_DATE.exec(text);
  // Date.parse rolls impossible fields over (2024-02-30 is March 1st, T24:00 the next day): refused.
  if (!iso || !isCalendarDate(Number(iso[1]), Number(iso[2]), Number(iso[3]))) return undefined;
  const [hour, minute, second, offsetHours, offsetMinutes] = [iso[5], iso[6], iso[8], iso[11], iso[12]].map((v) => Number(v ?? 0)) as [number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const hasZone = /T.*(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = Date.parse(text.includes('T') && !hasZone ? `${text}Z` : text);
  return Number.isNaN(ms) ? undefined : ms;
}
