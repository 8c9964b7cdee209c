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
