// Route guards. `authorize(scope)` admits the instance admin and keys holding the scope; a key
// without it gets 403, and the refusal is recorded as an `access_denied` event in its tenant's log.
// A credential that fails is recorded as `authentication.failed`: in its tenant's log for a
// revoked key, in the instance's log (`_system`) for a token nobody holds. Both collapse repeats
// (audit-trail/collapsing-recorder.ts), so a script hammering a route leaves a few events with
// counts, not one per request. A request is authenticated once: `identify` remembers the principal (or why the credential was
// refused) on the request, so the rate limiter, which keys on it, and the guards share one lookup.

import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AuthenticationFailure, type Authenticate, type Principal } from '../auth/authenticate.js';
import type { Scope } from '../auth/scopes.js';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { SYSTEM_TENANT_ID } from '../audit-trail/system-log.js';
import { SteleError } from '../domain/errors.js';
import type { Store } from '../store/port.js';
import { actorOf, contextOf, routeOf } from './request-audit.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** The scope the route's guard asked for (authorize), so tenantOf can tell reads from changes. */
    requiredScope?: Scope;
    /** Why the request's credential was refused, once it was checked; the guards answer it as the 401. */
    credentialError?: SteleError;
  }
}

/**
 * What a guard lets through, as the OpenAPI document states it: the operation contract
 * (operation-contract.ts) reads it from a route's preHandler to give the operation its security.
 */
export type Access = { kind: 'scope'; scope: Scope } | { kind: 'instance_admin' };

const guardAccess = new WeakMap<object, Access>();

/** The access the first of our guards among a route's preHandlers grants; undefined for a route with none. */
export function accessOf(preHandler: unknown): Access | undefined {
  for (const handler of [preHandler].flat()) {
    if (typeof handler === 'function' && guardAccess.has(handler)) return guardAccess.get(handler);
  }
  return undefined;
}

const withAccess = <T extends object>(guard: T, access: Access): T => {
  guardAccess.set(guard, access);
  return guard;
};

export interface Guards {
  /**
   * The caller, authenticated at most once per request: undefined when the request carries no
   * valid credential (request.credentialError then says why). Never throws for a bad credential.
   */
  identify(request: FastifyRequest): Promise<Principal | undefined>;
  /** Any authenticated caller whose key has `scope` (the admin always passes). */
  authorize(scope: Scope): preHandlerAsyncHookHandler;
  /** Only the instance admin. */
  adminOnly: preHandlerAsyncHookHandler;
  /**
   * The tenant a request acts on: a key's own tenant (naming another is a 404, as if it did not
   * exist). The admin token belongs to no tenant, so it must name an existing one, or the
   * instance's own log `_system`, which it may read and export but not change.
   */
  tenantOf(request: FastifyRequest, explicit?: string): Promise<string>;
  /**
   * Least privilege for what the caller hands out (a new API key's scopes): the instance admin may
   * grant any scope, anyone else only scopes it holds itself. Otherwise 403 naming the scopes it
   * lacks, recorded as `access_denied` like any other refusal. Call after a guard admitted the request.
   */
  mayGrant(request: FastifyRequest, scopes: readonly string[]): Promise<void>;
}

// A super_admin dashboard user has the instance admin's powers, but still has a home tenant.
const isInstanceAdmin = (principal: Principal): boolean =>
  principal.kind === 'admin' || (principal.kind === 'user' && principal.instanceAdmin);

// What the instance admin may do with the instance log: read it, export it, verify it.
const SYSTEM_LOG_SCOPES: ReadonlySet<Scope> = new Set(['audit:read', 'audit:export']);

export function createGuards(authenticate: Authenticate, trail: AuditTrail, store: Store): Guards {
  async function identify(request: FastifyRequest): Promise<Principal | undefined> {
    if (request.principal || request.credentialError) return request.principal;
    try {
      request.principal = await authenticate(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof AuthenticationFailure)) throw error;
      request.credentialError = error;
      await recordFailedAuthentication(request, error);
    }
    return request.principal;
  }

  // No credential at all is an ordinary "not signed in" and is not recorded.
  async function recordFailedAuthentication(request: FastifyRequest, failure: AuthenticationFailure) {
    if (failure.reason === 'missing') return;
    const key = failure.revokedKey;
    await trail.recordCollapsed(key?.tenantId ?? SYSTEM_TENANT_ID, {
      action: 'authentication.failed',
      actor: key ? { id: key.keyId, type: 'api_key', name: key.keyName } : { type: 'anonymous' },
      context: { ...contextOf(request), http_status: 401 },
      success: false,
      details: { reason: failure.reason, ...(failure.presented && { presented: failure.presented }) },
    }, { same: { ip: request.ip, route: routeOf(request), reason: failure.reason, presented: failure.presented ?? null } });
  }

  async function principalOf(request: FastifyRequest): Promise<Principal> {
    const principal = await identify(request);
    if (!principal) throw request.credentialError!;
    return principal;
  }

  async function recordDenied(request: FastifyRequest, principal: Exclude<Principal, { kind: 'admin' }>, required: string) {
    await trail.recordCollapsed(principal.tenantId, {
      action: 'access_denied',
      actor: actorOf(principal),
      context: { ...contextOf(request), http_status: 403 },
      success: false,
      details: { required_scope: required, granted_scopes: [...principal.scopes], route: routeOf(request) },
    }, { same: { route: routeOf(request), required_scope: required } });
  }

  return {
    identify,
    authorize(scope) {
      return withAccess<preHandlerAsyncHookHandler>(async (request) => {
        const principal = await principalOf(request);
        request.requiredScope = scope;
        if (principal.kind === 'admin' || principal.scopes.includes(scope)) return;
        await recordDenied(request, principal, scope);
        throw new SteleError('forbidden', principal.kind === 'api_key' ? `This API key lacks the ${scope} scope.` : `Your role lacks the ${scope} scope.`);
      }, { kind: 'scope', scope });
    },
    adminOnly: withAccess<preHandlerAsyncHookHandler>(async (request) => {
      const principal = await principalOf(request);
      if (principal.kind === 'admin' || isInstanceAdmin(principal)) return;
      await recordDenied(request, principal, 'instance admin');
      throw new SteleError('forbidden', 'Only the instance admin token may do this.');
    }, { kind: 'instance_admin' }),
    async mayGrant(request, scopes) {
      const principal = await principalOf(request);
      if (principal.kind === 'admin' || isInstanceAdmin(principal)) return;
      const lacking = [...new Set(scopes)].filter((scope) => !(principal.scopes as readonly string[]).includes(scope));
      if (lacking.length === 0) return;
      await recordDenied(request, principal, lacking.join(','));
      const who = principal.kind === 'api_key' ? 'This API key' : principal.kind === 'user' ? 'Your role' : 'This token';
      throw new SteleError('forbidden', `${who} may grant only scopes it holds, and lacks ${lacking.join(', ')}.`,
        lacking.map((scope) => ({ field: 'scopes', message: `${scope} is not held by the caller` })));
    },
    async tenantOf(request, explicit) {
      const principal = await principalOf(request);
      // A super_admin user acts on its home tenant unless it names another.
      if (principal.kind === 'user' && principal.instanceAdmin) explicit ??= principal.tenantId;
      if (principal.kind !== 'admin' && !isInstanceAdmin(principal)) {
        if (explicit !== undefined && explicit !== principal.tenantId) throw new SteleError('not_found', `No tenant with id ${explicit}.`);
        return principal.tenantId;
      }
      if (explicit === undefined) {
        throw new SteleError('invalid_request', 'The admin token acts on no tenant by itself: pass tenant_id, or use a tenant API key.',
          [{ field: 'tenant_id', message: 'required with the admin token' }]);
      }
      if (explicit === SYSTEM_TENANT_ID) {
        // Only Stele writes the instance log; nobody may add to it, key it or hand out viewers of it.
        if (request.requiredScope && SYSTEM_LOG_SCOPES.has(request.requiredScope)) return SYSTEM_TENANT_ID;
        throw new SteleError('forbidden', `The instance log (${SYSTEM_TENANT_ID}) can be read, exported and verified, not changed.`);
      }
      if (!(await store.getTenant(explicit))) throw new SteleError('not_found', `No tenant with id ${explicit}.`);
      return explicit;
    },
  };
}
