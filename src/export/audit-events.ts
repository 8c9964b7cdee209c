// The events exports leave in the tenant's own log: who exported what, in which format, how many
// rows. Reading data out is as much a part of the audit trail as writing it.

import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/authenticate.js';
import type { Actor, EventContext, JsonObject } from '../domain/event.js';
import type { ValidEvent } from '../ingest/validate-events.js';

export interface Requester {
  actor: Actor;
  context: EventContext;
}

/**
 * The actor of a principal, in the shape the guards use for `access.denied` (api/authorization.ts):
 * a dashboard user by email and role, an embedded viewer by its token id. The switch is exhaustive,
 * so a new kind of principal cannot silently become `anonymous`.
 */
export function actorOfPrincipal(principal: Principal | undefined): Actor {
  if (!principal) return { type: 'anonymous' };
  switch (principal.kind) {
    case 'admin': return { id: 'instance_admin', type: 'admin' };
    case 'api_key': return { id: principal.keyId, type: 'api_key', name: principal.keyName };
    case 'user': return { id: principal.email, type: 'user', email: principal.email, role: principal.role };
    case 'viewer': return { id: principal.tokenId, type: 'viewer_token' };
    default: {
      const unknown: never = principal;
      throw new Error(`no actor for principal ${JSON.stringify(unknown)}`);
    }
  }
}

/** The caller of an HTTP request as an event actor and context. */
export function requesterOf(request: FastifyRequest): Requester {
  const principal = request.principal;
  const actor = actorOfPrincipal(principal);
  const userAgent = request.headers['user-agent'];
  return {
    actor,
    context: {
      ip: request.ip,
      request_id: request.id,
      method: request.method,
      url: request.url.split('?')[0]!.slice(0, 2048),
      ...(principal?.kind === 'api_key' && { api_key_id: principal.keyId }),
      ...(userAgent && { user_agent: String(userAgent).slice(0, 1024) }),
    },
  };
}

/** The server itself, for scheduled runs and background jobs. */
export const SYSTEM_REQUESTER: Requester = { actor: { id: 'stele', type: 'system' }, context: {} };

export type ExportKind = 'stream' | 'bulk' | 'download' | 'scheduled';

export function exportedEvent(by: Requester, kind: ExportKind, details: JsonObject, success = true): ValidEvent {
  const context = Object.keys(by.context).length > 0 ? { context: by.context } : {};
  return { action: 'audit.exported', actor: by.actor, ...context, success, details: { kind, ...details } };
}
