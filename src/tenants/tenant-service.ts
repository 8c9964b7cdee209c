// Tenants and their API keys. A key is shown once, at creation; only its hash is stored. Each
// change is an event in the tenant's log (a new tenant in the instance log too), recorded here so
// that the API and the CLI record the same thing.

import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Requester } from '../audit-trail/requester.js';
import { SYSTEM_TENANT_ID } from '../audit-trail/system-log.js';
import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import { isScope, SCOPES, type Scope } from '../auth/scopes.js';
import { newSecret, sha256Hex } from '../auth/secrets.js';
import type { ApiKeyRecord, Store, Tenant } from '../store/port.js';

export interface ApiKeyView {
  id: string;
  tenant_id: string;
  name: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
}

const view = ({ key_hash: _hash, ...rest }: ApiKeyRecord): ApiKeyView => rest;

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    throw new SteleError('invalid_request', `${what} needs a name of 1 to 200 characters.`, [{ field: 'name', message: 'required, 1-200 characters' }]);
  }
  return name.trim();
}

export interface TenantServiceDependencies {
  store: Store;
  trail: AuditTrail;
  now?: () => number;
  /** Told once a key is revoked, so this process stops believing what it kept of it (auth/credential-cache.ts). */
  onKeyRevoked?: () => void;
}

const keyTarget = (key: { id: string; name: string }) => ({ type: 'api_key', id: key.id, name: key.name });

export function createTenantService(deps: TenantServiceDependencies) {
  const now = () => new Date((deps.now ?? Date.now)()).toISOString();

  async function requireTenant(tenantId: string): Promise<Tenant> {
    const tenant = await deps.store.getTenant(tenantId);
    if (!tenant) throw new SteleError('not_found', `No tenant with id ${tenantId}.`);
    return tenant;
  }

  return {
    requireTenant,

    /** The new tenant's log starts with its own creation; the instance log has it too. */
    async createTenant(name: unknown, by: Requester): Promise<Tenant> {
      const tenant = { id: uuidv7(), name: checkName(name, 'A tenant'), created_at: now() };
      await deps.store.createTenant(tenant);
      const entry = { action: 'tenant.created', ...by, target: { type: 'tenant', id: tenant.id, name: tenant.name }, details: { name: tenant.name } } as const;
      await deps.trail.record(tenant.id, entry);
      await deps.trail.record(SYSTEM_TENANT_ID, entry);
      return tenant;
    },

    listTenants: () => deps.store.listTenants(),

    async createKey(tenantId: string, name: unknown, scopes: unknown, by: Requester): Promise<ApiKeyView & { key: string }> {
      await requireTenant(tenantId);
      if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === 'string' && isScope(s))) {
        throw new SteleError('invalid_request', `scopes must be a non-empty list of: ${SCOPES.join(', ')}`, [{ field: 'scopes', message: 'unknown or missing scope' }]);
      }
      const key = newSecret('stele');
      const record: ApiKeyRecord = {
        id: uuidv7(), tenant_id: tenantId, name: checkName(name, 'An API key'),
        scopes: [...new Set(scopes as Scope[])], key_hash: sha256Hex(key), created_at: now(), revoked_at: null,
      };
      await deps.store.insertApiKey(record);
      await deps.trail.record(tenantId, { action: 'api_key.created', ...by, target: keyTarget(record), details: { name: record.name, scopes: record.scopes } });
      return { ...view(record), key };
    },

    async listKeys(tenantId: string): Promise<ApiKeyView[]> {
      await requireTenant(tenantId);
      return (await deps.store.listApiKeys(tenantId)).map(view);
    },

    async revokeKey(tenantId: string, keyId: string, by: Requester): Promise<void> {
      await requireTenant(tenantId);
      const key = (await deps.store.listApiKeys(tenantId)).find((k) => k.id === keyId);
      if (!key || !(await deps.store.revokeApiKey(tenantId, keyId, now()))) {
        throw new SteleError('not_found', `No active key ${keyId} in tenant ${tenantId}.`);
      }
      deps.onKeyRevoked?.();
      await deps.trail.record(tenantId, { action: 'api_key.revoked', ...by, target: keyTarget(key), details: { name: key.name, scopes: key.scopes } });
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;
