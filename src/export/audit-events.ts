// The events exports leave in the tenant's own log: who exported what, in which format, how many
// rows. Reading data out is as much a part of the audit trail as writing it.

import type { JsonObject } from '../domain/event.js';
import type { ValidEvent } from '../ingest/validate-events.js';
import type { Requester } from '../audit-trail/requester.js';

// Who asked, and from where, is the audit trail's (audit-trail/requester.ts, http/request-audit.ts).
export { SYSTEM_REQUESTER, type Requester } from '../audit-trail/requester.js';
export { actorOf as actorOfPrincipal, requesterOf } from '../http/request-audit.js';

export type ExportKind = 'stream' | 'bulk' | 'download' | 'scheduled';

export function exportedEvent(by: Requester, kind: ExportKind, details: JsonObject, success = true): ValidEvent {
  const context = Object.keys(by.context).length > 0 ? { context: by.context } : {};
  return { action: 'audit.exported', actor: by.actor, ...context, success, details: { kind, ...details } };
}
