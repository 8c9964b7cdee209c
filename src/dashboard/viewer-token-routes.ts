// /v1/viewer-tokens: an org admin (keys:manage) or the instance admin mints a short-lived token
// that lets the embeddable viewer read one tenant's events, optionally pre-filtered; lists the
// tenant's live tokens (never their secrets); and revokes one at once.

import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Principal } from '../auth/authenticate.js';
import { SteleError } from '../domain/errors.js';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponses } from '../http/schemas.js';
import { recordViewerTokenRevoked } from './security-events.js';
import { MAX_VIEWER_TTL_SECONDS, type ViewerTokenService } from './viewer-token-service.js';

export interface ViewerTokenRoutesOptions {
  guards: Guards;
  viewerTokens: ViewerTokenService;
  trail: AuditTrail;
}

const Body = Type.Object({
  tenant_id: Type.Optional(Type.String({ description: 'Required with the admin token; a key or user acts on its own tenant' })),
  filters: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Filters of GET /v1/events the viewer cannot change, e.g. {"action": ["login.*"]}' })),
  ttl_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_VIEWER_TTL_SECONDS, default: 3600, description: 'Lifetime in seconds, at most a day' })),
});

const Filters = Type.Object({}, { additionalProperties: true });
const TokenView = Type.Object({
  id: Type.String(), tenant_id: Type.String(), filters: Filters, expires_at: Type.String({ format: 'date-time' }), created_at: Type.String({ format: 'date-time' }),
  created_by: Type.String({ description: 'The dashboard user\'s email, the API key\'s id, or admin' }),
});
const TenantQuery = Type.Object({ tenant_id: Type.Optional(Type.String({ description: 'Required with the admin token; a key or user acts on its own tenant' })) });

/** Who minted a token, as its record names it. */
const byWhom = (principal: Principal) => (principal.kind === 'user' ? principal.email : principal.kind === 'api_key' ? principal.keyId : principal.kind);

export const viewerTokenRoutes: FastifyPluginAsync<ViewerTokenRoutesOptions> = async (app, { guards, viewerTokens, trail }) => {
  app.post('/v1/viewer-tokens', {
    preHandler: guards.authorize('keys:manage'),
    schema: {
      operationId: 'createViewerToken', tags: ['dashboard'], summary: 'Mint a short-lived, read-only token for the embeddable viewer of one tenant',
      description: 'The token reads one tenant\'s events through GET /v1/events only, its filters pinned, until it expires or is revoked. Give `embed_url` to an iframe, or the token to `<stele-viewer token="…">` of /embed.js. Recorded as `viewer_token.created`.',
      body: Body,
      response: {
        201: Type.Object({
          token: Type.String({ description: 'The secret, shown only here' }), id: Type.String(), tenant_id: Type.String(), filters: Filters,
          expires_at: Type.String({ format: 'date-time' }), embed_url: Type.String({ description: 'The viewer page with the token, relative to this server' }),
        }),
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const body = request.body as { tenant_id?: string; filters?: Record<string, unknown>; ttl_seconds?: number };
    const tenantId = await guards.tenantOf(request, body.tenant_id);
    const principal = request.principal!;
    const minted = await viewerTokens.mint({ tenantId, filters: body.filters, ttlSeconds: body.ttl_seconds ?? 3600, createdBy: byWhom(principal) });
    await trail.record(tenantId, {
      action: 'viewer_token.created', ...requesterOf(request),
      target: { type: 'viewer_token', id: minted.id },
      details: { expires_at: minted.expires_at, filters: minted.filters },
    });
    return reply.status(201).send({ ...minted, embed_url: `/embed?token=${encodeURIComponent(minted.token)}` });
  });

  app.get('/v1/viewer-tokens', {
    preHandler: guards.authorize('keys:manage'),
    schema: {
      operationId: 'listViewerTokens', tags: ['dashboard'], summary: 'The tenant\'s live viewer tokens (never their secrets), oldest first',
      description: 'Tokens that have not expired nor been revoked.',
      querystring: TenantQuery,
      response: { 200: Type.Object({ tokens: Type.Array(TokenView) }), ...errorResponses },
    },
  }, async (request) => {
    const tenantId = await guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);
    return { tokens: await viewerTokens.list(tenantId) };
  });

  app.delete('/v1/viewer-tokens/:id', {
    preHandler: guards.authorize('keys:manage'),
    schema: {
      operationId: 'revokeViewerToken', tags: ['dashboard'], summary: 'Revoke a viewer token at once: the embedded viewer using it is refused from the next request',
      description: 'Every node resolves the token against its record, so it is refused (401) from its next request. Recorded as `viewer_token.revoked`.',
      params: Type.Object({ id: Type.String({ maxLength: 64, description: 'The token\'s id (not the token itself)' }) }),
      querystring: TenantQuery,
      response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);
    const { id } = request.params as { id: string };
    const revoked = await viewerTokens.revoke(tenantId, id);
    if (!revoked) throw new SteleError('not_found', `No viewer token with id ${id}.`);
    await recordViewerTokenRevoked(trail, tenantId, { tokenId: id, by: requesterOf(request), expiresAt: revoked.expires_at });
    return reply.status(204).send();
  });
};
