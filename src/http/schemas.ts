// Shared TypeBox schemas for the routes and the OpenAPI document. ErrorBody is added to the app
// by its $id (api/openapi.ts), so every error answer points at one named schema.

import { Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(Type.Object({
      index: Type.Optional(Type.Integer()),
      field: Type.Optional(Type.String()),
      message: Type.String(),
    })),
    request_id: Type.String(),
  }, { additionalProperties: true }),
}, { $id: 'ErrorBody', description: 'Every error answer has this shape.' });

/**
 * The error answers most routes declare. operation-contract.ts adds the statuses every route can
 * answer (and a description for each), so a route needs to declare only its own: 409, 422, 503.
 */
export const errorResponses = {
  400: { $ref: 'ErrorBody#' },
  401: { $ref: 'ErrorBody#' },
  403: { $ref: 'ErrorBody#' },
  404: { $ref: 'ErrorBody#' },
} as const;

const Str = Type.Optional(Type.String());

export const EventInput = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 128, description: 'Client id: a resend with the same id and content is a no-op' })),
  action: Type.String({ description: 'What happened, e.g. member.role_changed' }),
  occurred_at: Type.Optional(Type.String({ format: 'date-time', description: 'Defaults to the receive time' })),
  actor: Type.Optional(Type.Object({ id: Str, type: Str, email: Str, name: Str, role: Str })),
  target: Type.Optional(Type.Object({ type: Str, id: Str, name: Str, slug: Str, version: Str, url: Str })),
  context: Type.Optional(Type.Object({
    ip: Str, user_agent: Str, location: Str, request_id: Str, session_id: Str, api_key_id: Str,
    method: Str, url: Str, http_status: Type.Optional(Type.Integer()),
  })),
  success: Type.Optional(Type.Boolean()),
  details: Type.Optional(Type.Object({}, { additionalProperties: true })),
}, { description: 'An audit event as sent by an application' });

export const StoredEventDoc = Type.Object({}, {
  additionalProperties: true,
  description: 'The event as sent, plus tenant_id, seq, category, received_at, leaf_hash and chain_hash, and geo ({country}: the country of context.ip, looked up by the server when it has a GeoIP database)',
});

/** `?tenant_id=`, taken by every tenant-scoped route. */
export const tenantIdParameter = Type.Optional(Type.String({ description: 'The tenant to act on: required with the admin token; a key or user acts on its own' }));

/** The query string of a route that takes only `tenant_id`. No other parameter is accepted. */
export const TenantQuery = Type.Object({ tenant_id: tenantIdParameter }, { additionalProperties: false });

/**
 * An id in a URL path: a tenant, key, saved search, export, schedule or event id (client event ids
 * are up to 128 characters). The text itself is checked for every route in url-checks.ts.
 */
export const Id = Type.String({ minLength: 1, maxLength: 128 });

export const IdParams = Type.Object({ id: Type.String({ ...Id, description: 'The id' }) }, { additionalProperties: false });

/** A path with one `{id}`, described for the operation (`The export job's id`). */
export const idParams = (description: string) => Type.Object({ id: Type.String({ ...Id, description }) }, { additionalProperties: false });

/** `{ $ref: ErrorBody }` with what the status means on this route, e.g. 409 with when it happens. */
export const errorResponse = (description: string) => ({ $ref: 'ErrorBody#', description }) as const;
