import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { SYSTEM_TENANT_ID } from '../audit-trail/system-log.js';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponses, Id } from '../http/schemas.js';
import { SCOPES } from '../auth/scopes.js';
import type { TenantService } from './tenant-service.js';

export interface TenantRoutesOptions {
  guards: Guards;
  tenants: TenantService;
  trail: AuditTrail;
}

const Tenant = Type.Object({ id: Type.String(), name: Type.String(), created_at: Type.String({ format: 'date-time' }) });
const KeyView = Type.Object({
  id: Type.String(), tenant_id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String({ enum: [...SCOPES] })),
  created_at: Type.String({ format: 'date-time' }), revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const TenantParams = Type.Object({ id: Type.String({ ...Id, description: "The tenant's id" }) }, { additionalProperties: false });

export const tenantRoutes: FastifyPluginAsync<TenantRoutesOptions> = async (app, { guards, tenants, trail }) => {
  app.post('/v1/tenants', {
    preHandler: guards.adminOnly,
    schema: {
      operationId: 'createTenant', tags: ['tenants'], summary: 'Create a tenant (instance admin)',
      description: 'A tenant is an organisation with its own log, keys and settings. Recorded as `tenant.created` in its new log.',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200, description: 'A name for people; need not be unique' }) }),
      response: { 201: Tenant, ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(await tenants.createTenant((request.body as { name: string }).name, requesterOf(request))));

  app.get('/v1/tenants', {
    preHandler: guards.adminOnly,
    schema: {
      operationId: 'listTenants', tags: ['tenants'], summary: 'List tenants (instance admin)',
      description: 'Every tenant of the instance, oldest first. The read is recorded in the instance log (`_system`).',
      response: { 200: Type.Object({ tenants: Type.Array(Tenant) }), ...errorResponses },
    },
  }, async (request) => {
    const list = await tenants.listTenants();
    await trail.recordRead(SYSTEM_TENANT_ID, requesterOf(request), { view: 'tenants', query: {}, rows: list.length, target: { type: 'tenants' } });
    return { tenants: list };
  });

  app.post('/v1/tenants/:id/keys', {
    preHandler: guards.authorize('keys:manage'),
    schema: {
      operationId: 'createApiKey', tags: ['keys'], summary: 'Create an API key; the key is shown only in this answer',
      description: 'Only the key\'s SHA-256 is stored, so `key` in this answer is the one chance to copy it. A key acts on its own tenant, within its scopes. '
        + 'Least privilege: the instance admin may grant any scope, a `keys:manage` key (or dashboard user) only scopes it holds itself; asking for more is a 403 naming the missing ones, recorded as `access_denied`. Recorded as `api_key.created`.',
      params: TenantParams,
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 200, description: 'What the key is for, e.g. "backend"' }),
        scopes: Type.Array(Type.String({ enum: [...SCOPES] }), { minItems: 1, description: 'What the key may do' }),
      }),
      response: { 201: Type.Composite([KeyView, Type.Object({ key: Type.String({ description: 'The secret: `Authorization: Bearer <key>`' }) })]), ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await guards.tenantOf(request, (request.params as { id: string }).id);
    const { name, scopes } = request.body as { name: string; scopes: string[] };
    await guards.mayGrant(request, scopes);
    return reply.status(201).send(await tenants.createKey(tenantId, name, scopes, requesterOf(request)));
  });

  app.get('/v1/tenants/:id/keys', {
    preHandler: guards.authorize('keys:manage'),
    schema: {
      operationId: 'listApiKeys', tags: ['keys'], summary: 'List API keys (never the secrets)',
      description: "The tenant's keys, revoked ones included (with `revoked_at`).",
      params: TenantParams, response: { 200: Type.Object({ keys: Type.Array(KeyView) }), ...errorResponses },
    },
  }, async (request) => {
    const tenantId = await guards.tenantOf(request, (request.params as { id: string }).id);
    return { keys: await tenants.listKeys(tenantId) };
  });

  app.delete('/v1/tenants/:id/keys/:keyId', {
    preHandler: guards.authorize('keys:manage'),
    schema: {
      operationId: 'revokeApiKey', tags: ['keys'], summary: 'Revoke an API key, effective at once',
      description: 'The key is refused (401) from its next request on the node that revoked it, and within one second on every other node and process (each reads a key it has seen at most once a second). Recorded as `api_key.revoked`.',
      params: Type.Object({ id: TenantParams.properties.id, keyId: Type.String({ ...Id, description: "The key's id" }) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    const { id, keyId } = request.params as { id: string; keyId: string };
    await tenants.revokeKey(await guards.tenantOf(request, id), keyId, requesterOf(request));
    return reply.status(204).send();
  });
};
