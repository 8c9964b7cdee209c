// The client id every event gets when record() takes it, so that a batch sent again after a
// timeout or a restart is recognised by Stele as the same events (an idempotent resend), and the
// time it happened. Both run on every record() call, so both are cheap.

import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of milliseconds, then random bits. Time-ordered like the ids Stele
 * makes itself, so the events' index grows at its right edge. Built from randomUUID (a v4, whose
 * random bits Node draws from a pooled buffer) with its first 48 bits replaced by the time.
 */
export function uuidv7(now = Date.now()): string {
  if (now !== prefixMs) {
    prefixMs = now;
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  }
  // v4 layout: xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx; keep what follows the version digit.
  return prefix + randomUUID().slice(15);
}

let prefixMs = Number.NaN;
let prefix = '';

let lastMs = Number.NaN;
let lastIso = '';

/** The current time as Stele stores it (RFC 3339 UTC, milliseconds); one Date per millisecond at most. */
export function isoNow(now = Date.now()): string {
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}
