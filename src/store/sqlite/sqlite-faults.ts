// Which errors of better-sqlite3 mean that the database file cannot take the work now, rather than
// that the work was wrong: another process held its lock past the busy timeout, or the disk is
// full. availability.ts answers them as StoreUnavailableError (503 with Retry-After).

import type { DatabaseFault } from '../availability.js';

// SQLITE_BUSY and SQLITE_LOCKED with their extended codes (SQLITE_BUSY_SNAPSHOT, ...), SQLITE_FULL.
const BUSY_CODES = /^SQLITE_(BUSY|LOCKED)(_[A-Z]+)?$|^SQLITE_FULL$/;

export function classifySqliteError(error: unknown): DatabaseFault | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && BUSY_CODES.test(code) ? 'busy' : undefined;
}
