// The browser ways in, resolved before any guard runs: a dashboard session cookie or a viewer
// token becomes request.principal, which the guards in api/authorization.ts then treat like any
// other principal (scopes, tenant). An Authorization header that is not a viewer token is left
// to the API-key authenticator; a cookie is ignored when an Authorization header is present.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/authenticate.js';
import { SteleError } from '../domain/errors.js';
import { SESSION_COOKIE, readCookie } from './cookies.js';
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
  }
}

export interface BrowserAuthDependencies {
  users: UserRepository;
  sessions: SessionRepository;
  viewerTokens: ViewerTokenService;
}

/** What a viewer token may call: reading its tenant's event list, nothing else. */
const VIEWER_ROUTES = new Set(['GET /v1/events']);

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
  if (!claims) throw new SteleError('unauthenticated', 'The viewer token is invalid, expired or revoked: ask the site that embeds this viewer for a new one.');
  if (!VIEWER_ROUTES.has(routeOf(request))) throw new SteleError('forbidden', 'A viewer token can only list its tenant\'s events.');
  pinViewerQuery(request, claims);
  request.principal = { kind: 'viewer', tenantId: claims.tenant_id, tokenId: claims.jti, scopes: ['audit:read'] };
}

async function resolveSession(request: FastifyRequest, token: string, deps: BrowserAuthDependencies): Promise<void> {
  const session = await deps.sessions.find(token);
  if (!session) return; // stale cookie: the guards answer 401 and the UI shows sign-in
  const user = await deps.users.find(session.email);
  if (!user || user.disabled) return;
  if (isUnsafe(request) && !CSRF_EXEMPT.has(routeOf(request))) {
    checkOrigin(request);
    checkCsrfToken(request, session.csrf_token);
  }
  const principal: Principal = {
    kind: 'user', tenantId: user.tenant_id, email: user.email, role: user.role,
    scopes: scopesOf(user.role), instanceAdmin: user.role === 'super_admin',
  };
  request.principal = principal;
  request.dashboardSession = { token, session };
}

/** Adds the hook at the root, so it runs for every route, including those of other features. */
export function installBrowserAuth(app: FastifyInstance, deps: BrowserAuthDependencies): void {
  app.addHook('onRequest', async (request) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer?.startsWith(VIEWER_TOKEN_PREFIX)) return resolveViewer(request, bearer, deps);
    if (request.headers.authorization !== undefined) return;
    const token = readCookie(request, SESSION_COOKIE);
    if (token) await resolveSession(request, token, deps);
  });
}
