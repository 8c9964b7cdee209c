// Route guards. `authorize(scope)` admits the instance admin and keys holding the scope; a key
// without it gets 403, and the refusal is recorded as an `access_denied` event in its tenant's log.
// A request is authenticated once: `identify` remembers the principal (or why the credential was
// refused) on the request, so the rate limiter, which keys on it, and the guards share one lookup.

import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Authenticate, Principal } from '../auth/authenticate.js';
import type { Scope } from '../auth/scopes.js';
import { isSteleError, SteleError } from '../domain/errors.js';
import type { ValidEvent } from '../domain/event.js';
import type { Store } from '../store/port.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Why the request's credential was refused, once it was checked; the guards answer it as the 401. */
    credentialError?: SteleError;
  }
}

/** Where guards record refusals: the tenant's own log (the ingest service in the running app). */
export interface EventRecorder {
  record(tenantId: string, events: ValidEvent[]): Promise<unknown>;
}

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
   * exist). The admin token belongs to no tenant, so it must name an existing one.
   */
  tenantOf(request: FastifyRequest, explicit?: string): Promise<string>;
}

// A super_admin dashboard user has the instance admin's powers, but still has a home tenant.
const isInstanceAdmin = (principal: Principal): boolean =>
  principal.kind === 'admin' || (principal.kind === 'user' && principal.instanceAdmin);

function actorOf(principal: Exclude<Principal, { kind: 'admin' }>) {
  switch (principal.kind) {
    case 'api_key': return { id: principal.keyId, type: 'api_key', name: principal.keyName };
    case 'user': return { id: principal.email, type: 'user', email: principal.email, role: principal.role };
    case 'viewer': return { id: principal.tokenId, type: 'viewer_token' };
  }
}

export function createGuards(authenticate: Authenticate, ingest: EventRecorder, store: Store): Guards {
  async function identify(request: FastifyRequest): Promise<Principal | undefined> {
    if (request.principal || request.credentialError) return request.principal;
    try {
      request.principal = await authenticate(request.headers.authorization);
    } catch (error) {
      if (!isSteleError(error) || error.code !== 'unauthenticated') throw error;
      request.credentialError = error;
    }
    return request.principal;
  }

  async function principalOf(request: FastifyRequest): Promise<Principal> {
    const principal = await identify(request);
    if (!principal) throw request.credentialError!;
    return principal;
  }

  async function recordDenied(request: FastifyRequest, principal: Exclude<Principal, { kind: 'admin' }>, required: string) {
    await ingest.record(principal.tenantId, [{
      action: 'access_denied',
      actor: actorOf(principal),
      context: {
        ip: request.ip,
        method: request.method,
        url: request.url.slice(0, 2048),
        request_id: request.id,
        ...(principal.kind === 'api_key' && { api_key_id: principal.keyId }),
        ...(request.headers['user-agent'] && { user_agent: String(request.headers['user-agent']).slice(0, 1024) }),
        http_status: 403,
      },
      success: false,
      details: { required_scope: required, granted_scopes: [...principal.scopes] },
    }]);
  }

  return {
    identify,
    authorize(scope) {
      return async (request) => {
        const principal = await principalOf(request);
        if (principal.kind === 'admin' || principal.scopes.includes(scope)) return;
        await recordDenied(request, principal, scope);
        throw new SteleError('forbidden', principal.kind === 'api_key' ? `This API key lacks the ${scope} scope.` : `Your role lacks the ${scope} scope.`);
      };
    },
    async adminOnly(request) {
      const principal = await principalOf(request);
      if (principal.kind === 'admin' || isInstanceAdmin(principal)) return;
      await recordDenied(request, principal, 'instance admin');
      throw new SteleError('forbidden', 'Only the instance admin token may do this.');
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
      if (!(await store.getTenant(explicit))) throw new SteleError('not_found', `No tenant with id ${explicit}.`);
      return explicit;
    },
  };
}
