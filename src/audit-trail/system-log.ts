// The instance's own log: what belongs to no tenant (tenants created, failed sign-ins with tokens
// nobody holds, the instance admin listing tenants) is recorded under a reserved tenant id. It is
// not a row of `tenants`, so it is never listed, no key or user can be made for it, and only the
// instance admin reaches it, read-only, with `tenant_id=_system` (http/guards.ts).

/** Tenant ids are UUIDv7, so this one can never be a real tenant's. */
export const SYSTEM_TENANT_ID = '_system';
