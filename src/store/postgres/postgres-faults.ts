// Which errors of pg (and of the sockets under it) mean that PostgreSQL cannot do the work now,
// rather than that the work itself was wrong. availability.ts turns these into
// StoreUnavailableError; everything else is a bug or a refused statement and stays as it is.

import type { DatabaseFault } from '../availability.js';

// Socket errors on the way to the server.
const UNREACHABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN',
  'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN',
]);

// SQLSTATEs of a server that is going or not yet there: admin_shutdown (a fast shutdown or
// pg_terminate_backend), crash_shutdown, cannot_connect_now (starting up or shutting down).
// Class 08, connection exceptions, is matched by its prefix, except protocol_violation (08P01)
// answered with ERROR: the server refused one message and the connection goes on, as when pg
// sends a statement with more than 65,535 parameters ("bind message has 4464 parameter formats
// but 0 parameters"). Read as an outage, that refusal was a 503 and closed the gate for everyone.
const UNREACHABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const PROTOCOL_VIOLATION = '08P01';

// SQLSTATEs of a server that is there but cannot do this now: query_canceled (statement_timeout),
// lock_not_available, idle_in_transaction_session_timeout, too_many_connections, out of resources.
const BUSY_SQLSTATES = new Set(['57014', '55P03', '25P03', '53300', '53000', '53100', '53200']);

// pg's own errors carry no code, only these messages: a connection that closed under a client or
// never opened in time, a statement whose answer did not come within query_timeout, a client used
// after its connection broke.
const UNREACHABLE_MESSAGES = [/^Connection terminated/, /^Query read timeout$/, /is not queryable$/];
// ... and a pool that had no free connection within connectionTimeoutMillis (the database may be fine).
const BUSY_MESSAGES = [/^timeout exceeded when trying to connect$/];

/** The availability fault an error of pg stands for, or undefined when it is about the work, not the database. */
export function classifyPostgresError(error: unknown): DatabaseFault | undefined {
  if (!(error instanceof Error)) return undefined;
  // Connecting to a name with several addresses fails with one error per address.
  if (error instanceof AggregateError && error.errors.length > 0) return classifyPostgresError(error.errors[0]);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === PROTOCOL_VIOLATION) return (error as { severity?: unknown }).severity === 'ERROR' ? undefined : 'unreachable';
    if (UNREACHABLE_SOCKET_CODES.has(code) || UNREACHABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return 'unreachable';
    if (BUSY_SQLSTATES.has(code)) return 'busy';
  }
  if (UNREACHABLE_MESSAGES.some((pattern) => pattern.test(error.message))) return 'unreachable';
  if (BUSY_MESSAGES.some((pattern) => pattern.test(error.message))) return 'busy';
  return undefined;
}
