// The CLI changes the store directly, not through the server, so it records its changes itself:
// an ingest service over the same store, as the server builds one, and the audit trail on top.
// The actor is the CLI run by an OS user on a host: `alice@build-01`, type `cli`.

import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { createAuditTrail, type AuditTrail } from '../audit-trail/audit-trail.js';
import type { Requester } from '../audit-trail/requester.js';
import { loadConfig } from '../config.js';
import { createIngestService } from '../ingest/ingest-service.js';
import { sealEvents } from '@stele/integrity';
import type { Store } from '../store/port.js';
import { VERSION } from '../version.js';
import { withStore, type StoreOptions } from './_context.js';

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers).
    return process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/**
 * Who runs this command, and where: the OS user at the host as actor; the host as context
 * `location` (a command has no IP address of its own), and one request id per run, so the events
 * of one command (a tenant's creation in its log and in the instance log) can be matched.
 */
export function cliRequester(): Requester {
  const user = osUser();
  const host = hostname();
  return {
    actor: { id: `${user}@${host}`, type: 'cli', name: user },
    context: { location: host, user_agent: `stele-cli/${VERSION}`, request_id: randomUUID() },
  };
}

/** Opens the configured store with an audit trail over it (see withStore). */
export function withAuditedStore<T>(work: (store: Store, trail: AuditTrail, by: Requester) => Promise<T>, options: StoreOptions = {}): Promise<T> {
  return withStore(async (store) => {
    const ingest = createIngestService({ store, limits: loadConfig().limits, seal: sealEvents });
    const trail = createAuditTrail({ recorder: ingest });
    try {
      return await work(store, trail, cliRequester());
    } finally {
      await trail.close();
    }
  }, options);
}
