// Business hours: `{timezone, days, from, to, outside?}` limits a rule to events that occur within
// (or, with outside: true, outside) those hours in the tenant's time zone. The local day and time
// come from Intl with the IANA zone, so a DST change moves the window with the clock on the wall.

import { invalid } from './alert-fields.js';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export interface Schedule {
  timezone: string;
  days: Day[];
  /** HH:MM, local, inclusive. */
  from: string;
  /** HH:MM, local, exclusive; before `from` means the window runs over midnight. */
  to: string;
  outside: boolean;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function zoneOk(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export function readSchedule(value: unknown): Schedule {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('schedule', 'must be {timezone, days, from, to, outside?}');
  const s = value as Record<string, unknown>;
  const extra = Object.keys(s).find((key) => !['timezone', 'days', 'from', 'to', 'outside'].includes(key));
  if (extra) throw invalid(`schedule.${extra}`, 'is not a member of a schedule');
  if (typeof s.timezone !== 'string' || !zoneOk(s.timezone)) throw invalid('schedule.timezone', 'must be an IANA time zone such as Europe/Berlin');
  const days = s.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'];
  if (!Array.isArray(days) || days.length === 0 || !days.every((d) => typeof d === 'string' && (DAYS as readonly string[]).includes(d))) {
    throw invalid('schedule.days', `must be a list of ${DAYS.join(', ')}`);
  }
  for (const key of ['from', 'to'] as const) if (typeof s[key] !== 'string' || !HHMM.test(s[key] as string)) throw invalid(`schedule.${key}`, 'must be a local time HH:MM');
  if (s.from === s.to) throw invalid('schedule.to', 'must differ from schedule.from');
  if (s.outside !== undefined && typeof s.outside !== 'boolean') throw invalid('schedule.outside', 'must be true or false');
  return { timezone: s.timezone, days: [...new Set(days as Day[])], from: s.from as string, to: s.to as string, outside: s.outside === true };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, Day> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

// Intl's formatting costs microseconds; a minute's answer serves every event within it.
const minutes = new Map<string, { day: Day; time: string }>();

/** The local weekday and HH:MM of an instant in a zone. */
export function localTime(ms: number, timezone: string): { day: Day; time: string } {
  const key = `${timezone} ${Math.floor(ms / 60_000)}`;
  let found = minutes.get(key);
  if (!found) {
    if (minutes.size >= 10_000) minutes.clear();
    minutes.set(key, (found = formatLocal(ms, timezone)));
  }
  return found;
}

function formatLocal(ms: number, timezone: string): { day: Day; time: string } {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, format);
  }
  let day: Day = 'mon';
  let hour = '00';
  let minute = '00';
  for (const part of format.formatToParts(ms)) {
    if (part.type === 'weekday') day = WEEKDAY[part.value] ?? 'mon';
    else if (part.type === 'hour') hour = part.value;
    else if (part.type === 'minute') minute = part.value;
  }
  return { day, time: `${hour}:${minute}` };
}

/** Whether an event at `ms` falls where the rule looks. A window over midnight belongs to the day it starts. */
export function inSchedule(schedule: Schedule, ms: number): boolean {
  const { day, time } = localTime(ms, schedule.timezone);
  let inside: boolean;
  if (schedule.from < schedule.to) {
    inside = schedule.days.includes(day) && time >= schedule.from && time < schedule.to;
  } else {
    const previous = DAYS[(DAYS.indexOf(day) + 6) % 7]!;
    inside = (schedule.days.includes(day) && time >= schedule.from) || (schedule.days.includes(previous) && time < schedule.to);
  }
  return inside !== schedule.outside;
}
