// The browser ways in, resolved before any guard runs: a dashboard session cookie or a viewer
// token becomes request.principal, which the guards in http/guards.ts then treat like any
// other principal (scopes, tenant). An Authorization header that is not a viewer token is left
// to the API-key authenticator; a cookie is ignored when an Authorization header is present.
//
// Two steps: `onRequest` only finds out who is calling (the rate limiter, which runs next, keys
// on it), and `preParsing` refuses what that caller may not do (a bad viewer token, a viewer
// token off its one route, a cookie request without its CSRF token). Refusing in the first step
// would answer before the rate limiter counted the request.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/authenticate.js';
import { SteleError } from '../domain/errors.js';
import { sessionTokenOf } from './cookies.js';
import { checkCsrfToken, checkOrigin, isUnsafe } from './csrf.js';
import { scopesOf } from './roles.js';
import type { Session, SessionRepository } from './session-repository.js';
import type { UserRepository } from './user-repository.js';
import { VIEWER_TOKEN_PREFIX, type ViewerClaims } from './viewer-token.js';
import type { ViewerTokenService } from './viewer-token-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The dashboard session behind request.principal, when it came from the cookie. */
    dashboardSession?: { token: string; session: Session };
    /** The viewer token's claims behind request.principal, when it came from one. */
    viewerClaims?: ViewerClaims;
  }
}

export interface BrowserAuthDependencies {
  users: UserRepository;
  sessions: SessionRepository;
  viewerTokens: ViewerTokenService;
}

/** What a viewer token may call: reading its tenant's event list, nothing else. */
export const VIEWER_ROUTES: ReadonlySet<string> = new Set(['GET /v1/events']);

// Signing in is the one unsafe request made without a session; it has its own Origin check.
const CSRF_EXEMPT = new Set(['POST /v1/session']);

const routeOf = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? ''}`;

/**
 * Pins the token's tenant and filters onto the query. They replace whatever the caller sent for
 * the same names; other filters and `q` can only narrow further, because they are ANDed.
 */
function pinViewerQuery(request: FastifyRequest, claims: ViewerClaims): void {
  const query = { ...(request.query as Record<string, unknown>) };
  delete query.tenant_id;
  Object.assign(query, claims.filters);
  request.query = query;
}

async function resolveViewer(request: FastifyRequest, token: string, deps: BrowserAuthDependencies): Promise<void> {
  const claims = await deps.viewerTokens.resolve(token);
  if (!claims) {
    request.credentialError = new SteleError('unauthenticated', 'The viewer token is invalid, expired or revoked: ask the site that embeds this viewer for a new one.');
    return;
  }
  request.principal = { kind: 'viewer', tenantId: claims.tenant_id, tokenId: claims.jti, scopes: ['audit:read'] };
  request.viewerClaims = claims;
}

async function resolveSession(request: FastifyRequest, token: string, deps: BrowserAuthDependencies): Promise<void> {
  const session = await deps.sessions.find(token);
  if (!session) return; // stale cookie: the guards answer 401 and the UI shows sign-in
  const user = await deps.users.find(session.email);
  if (!user || user.disabled) return;
  const principal: Principal = {
    kind: 'user', tenantId: user.tenant_id, email: user.email, role: user.role,
    scopes: scopesOf(user.role), instanceAdmin: user.role === 'super_admin',
  };
  request.principal = principal;
  request.dashboardSession = { token, session };
}

const viewerBearer = (request: FastifyRequest) => {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  return bearer?.startsWith(VIEWER_TOKEN_PREFIX) ? bearer : undefined;
};

/** What the caller found by `onRequest` may not do, refused before the body is read. */
function enforce(request: FastifyRequest): void {
  if (viewerBearer(request) !== undefined) {
    const claims = request.viewerClaims;
    if (!claims) throw request.credentialError!;
    if (!VIEWER_ROUTES.has(routeOf(request))) throw new SteleError('forbidden', 'A viewer token can only list its tenant\'s events.');
    pinViewerQuery(request, claims);
    return;
  }
  const current = request.dashboardSession;
  if (current && isUnsafe(request) && !CSRF_EXEMPT.has(routeOf(request))) {
    checkOrigin(request);
    checkCsrfToken(request, current.session.csrf_token);
  }
}

/** Adds the hooks at the root, so they run for every route, including those of other features. */
export function installBrowserAuth(app: FastifyInstance, deps: BrowserAuthDependencies): void {
  app.addHook('onRequest', async (request) => {
    const bearer = viewerBearer(request);
    if (bearer !== undefined) return resolveViewer(request, bearer, deps);
    if (request.headers.authorization !== undefined) return;
    const token = sessionTokenOf(request);
    if (token) await resolveSession(request, token, deps);
  });
  app.addHook('preParsing', async (request) => {
    enforce(request);
  });
}
