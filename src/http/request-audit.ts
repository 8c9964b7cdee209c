// Who made a request and from where, as a self-audit event's actor and context; and what a read
// asked for, for `data.accessed`. Routes pass `requesterOf(request)` to the audit trail or to a
// service that records through it.

import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/authenticate.js';
import type { Requester } from '../audit-trail/requester.js';
import type { Actor, EventContext, JsonObject } from '../domain/event.js';

/**
 * The actor of a principal: an API key by id and name, a dashboard user by email and role, an
 * embedded viewer by its token id, the instance admin as `instance_admin`. The switch is
 * exhaustive, so a new kind of principal cannot silently become `anonymous`.
 */
export function actorOf(principal: Principal | undefined): Actor {
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

/** Where a request came from. The path only: a query string may carry a link token. */
export function contextOf(request: FastifyRequest): EventContext {
  const principal = request.principal;
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip,
    request_id: String(request.id).slice(0, 1024),
    method: request.method,
    url: request.url.split('?')[0]!.slice(0, 2048),
    ...(principal?.kind === 'api_key' && { api_key_id: principal.keyId }),
    ...(userAgent && { user_agent: String(userAgent).slice(0, 1024) }),
  };
}

/** The caller of an HTTP request as an event actor and context. */
export const requesterOf = (request: FastifyRequest): Requester => ({ actor: actorOf(request.principal), context: contextOf(request) });

/** The route a request matched, e.g. `GET /v1/events/:id`, for collapsing repeats of one route. */
export const routeOf = (request: FastifyRequest): string => `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;

// How an answer is paged or waited for, not what was asked: repeats differing only here are one read.
const NOT_THE_QUESTION = new Set(['tenant_id', 'page_token', 'offset', 'interval', 'limit', 'after_seq', 'wait', 'sort', 'order', 'include_total']);
const MAX_VALUE_LENGTH = 2048;

/**
 * What a read asked for: the query string's filters, `q` and `saved_search`, without paging and
 * without the tenant (the event goes to that tenant's log). Values are clipped to 2,048 characters.
 */
export function queryOf(request: FastifyRequest): JsonObject {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const asked: JsonObject = {};
  for (const name of Object.keys(query).sort()) {
    if (NOT_THE_QUESTION.has(name)) continue;
    const value = query[name];
    if (typeof value === 'string') asked[name] = value.slice(0, MAX_VALUE_LENGTH);
    else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) asked[name] = value; // a viewer token's pinned filters
    else if (Array.isArray(value)) asked[name] = value.filter((v): v is string => typeof v === 'string').map((v) => v.slice(0, MAX_VALUE_LENGTH));
  }
  return asked;
}
