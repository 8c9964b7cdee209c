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

const Tenant = Type.Object({ id: Type.String(), name: Type.String(), created_at: Type.String() });
const KeyView = Type.Object({
  id: Type.String(), tenant_id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()),
  created_at: Type.String(), revoked_at: Type.Union([Type.String(), Type.Null()]),
});
const TenantParams = Type.Object({ id: Id }, { additionalProperties: false });

export const tenantRoutes: FastifyPluginAsync<TenantRoutesOptions> = async (app, { guards, tenants, trail }) => {
  app.post('/v1/tenants', {
    preHandler: guards.adminOnly,
    schema: {
      tags: ['tenants'], summary: 'Create a tenant (instance admin)',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: { 201: Tenant, ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(await tenants.createTenant((request.body as { name: string }).name, requesterOf(request))));

  app.get('/v1/tenants', {
    preHandler: guards.adminOnly,
    schema: { tags: ['tenants'], summary: 'List tenants (instance admin)', response: { 200: Type.Object({ tenants: Type.Array(Tenant) }), ...errorResponses } },
  }, async (request) => {
    const list = await tenants.listTenants();
    await trail.recordRead(SYSTEM_TENANT_ID, requesterOf(request), { view: 'tenants', query: {}, rows: list.length, target: { type: 'tenants' } });
    return { tenants: list };
  });

  app.post('/v1/tenants/:id/keys', {
    preHandler: guards.authorize('keys:manage'),
    schema: {
      tags: ['keys'], summary: 'Create an API key; the key is shown only in this answer',
      params: TenantParams,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), scopes: Type.Array(Type.String({ enum: [...SCOPES] }), { minItems: 1 }) }),
      response: { 201: Type.Composite([KeyView, Type.Object({ key: Type.String() })]), ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await guards.tenantOf(request, (request.params as { id: string }).id);
    const { name, scopes } = request.body as { name: string; scopes: string[] };
    return reply.status(201).send(await tenants.createKey(tenantId, name, scopes, requesterOf(request)));
  });

  app.get('/v1/tenants/:id/keys', {
    preHandler: guards.authorize('keys:manage'),
    schema: { tags: ['keys'], summary: 'List API keys (never the secrets)', params: TenantParams, response: { 200: Type.Object({ keys: Type.Array(KeyView) }), ...errorResponses } },
  }, async (request) => {
    const tenantId = await guards.tenantOf(request, (request.params as { id: string }).id);
    return { keys: await tenants.listKeys(tenantId) };
  });

  app.delete('/v1/tenants/:id/keys/:keyId', {
    preHandler: guards.authorize('keys:manage'),
    schema: { tags: ['keys'], summary: 'Revoke an API key, effective at once', params: Type.Object({ id: Id, keyId: Id }, { additionalProperties: false }), response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    const { id, keyId } = request.params as { id: string; keyId: string };
    await tenants.revokeKey(await guards.tenantOf(request, id), keyId, requesterOf(request));
    return reply.status(204).send();
  });
};
