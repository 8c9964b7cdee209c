// Times are shown and entered in UTC: an audit trail read by people in several time zones must
// not change with the reader's clock.

const pad = (n: number) => String(n).padStart(2, '0');

/** 2026-05-01 12:00 */
export function utcMinutes(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** 2026-05-01 12:00:05 UTC */
export function utcSeconds(iso: string): string {
  const d = new Date(iso);
  return `${utcMinutes(iso)}:${pad(d.getUTCSeconds())} UTC`;
}

/** The value of a datetime-local input, read as UTC, to ISO 8601 ('' when empty or invalid). */
export function localInputToIso(value: string): string {
  if (!value) return '';
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/** ISO 8601 to a datetime-local input value (UTC). */
export function isoToLocalInput(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 16);
}

/** 2026-05-01 12:00:05 (the table shows seconds; the zone is in the column heading) */
export function utcSecondsShort(iso: string): string {
  const d = new Date(iso);
  return `${utcMinutes(iso)}:${pad(d.getUTCSeconds())}`;
}

/**
 * What hovering a time shows: the milliseconds in UTC and the same instant in the reader's own
 * time zone, e.g. "2026-05-01 12:00:05.123 UTC · 21:00:05.123 in Asia/Tokyo (UTC+9)".
 */
export function timeDetail(iso: string): string {
  const d = new Date(iso);
  const ms = String(d.getUTCMilliseconds()).padStart(3, '0');
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${ms}`;
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const hours = Math.floor(Math.abs(offset) / 60);
  const minutes = Math.abs(offset) % 60;
  return `${utcSecondsShort(iso)}.${ms} UTC · ${local} in ${zone} (UTC${sign}${hours}${minutes ? `:${pad(minutes)}` : ''})`;
}
