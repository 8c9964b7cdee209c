// Dashboard sign-in: POST /v1/session exchanges email and password for an HttpOnly session
// cookie; GET says who is signed in (and hands the page its CSRF token); DELETE signs out.
// Sign-in goes through the throttle (sign-in-throttle.ts) before any password is checked.

import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { errorResponse, errorResponses } from '../http/schemas.js';
import { SECURITY } from '../http/security-schemes.js';
import { SteleError } from '../domain/errors.js';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { SYSTEM_TENANT_ID } from '../audit-trail/system-log.js';
import { clearedSessionCookie, overHttps, plainHttpOnLoopback, sessionCookie, sessionCookiePolicy } from './cookies.js';
import { checkOrigin } from './csrf.js';
import type { DashboardConfig } from './dashboard-config.js';
import { recordLogin, recordUnknownSignIn } from './login-events.js';
import { decoyHash, verifyPassword } from './password-hash.js';
import { ROLES, scopesOf } from './roles.js';
import { recordBruteForceDetected } from './security-events.js';
import type { Session, SessionRepository } from './session-repository.js';
import type { SignInAttempt, SignInThrottle } from './sign-in-throttle.js';
import { normaliseEmail, type DashboardUser, type UserRepository } from './user-repository.js';

export interface SessionRoutesOptions {
  config: DashboardConfig;
  users: UserRepository;
  sessions: SessionRepository;
  trail: AuditTrail;
  throttle: SignInThrottle;
}

const SessionView = Type.Object({
  email: Type.String(), role: Type.String({ enum: [...ROLES] }), tenant_id: Type.String(), scopes: Type.Array(Type.String()),
  instance_admin: Type.Boolean(), csrf_token: Type.String({ description: 'Send it as X-Stele-CSRF on every unsafe request made with the cookie' }),
  expires_at: Type.String({ format: 'date-time' }),
  export_max_rows: Type.Integer({ description: 'Most rows GET /v1/events/export returns; more needs POST /v1/exports' }),
});

const viewOf = (config: DashboardConfig, user: DashboardUser, session: Session) => ({
  email: user.email, role: user.role, tenant_id: user.tenant_id, scopes: [...scopesOf(user.role)],
  instance_admin: user.role === 'super_admin', csrf_token: session.csrf_token, expires_at: session.expires_at,
  export_max_rows: config.exportMaxRows,
});

const WRONG = 'The email or password is wrong.';

export const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (app, { config, users, sessions, trail, throttle }) => {
  const cookiePolicy = (request: FastifyRequest) => sessionCookiePolicy(request, config.secureCookies === 'always');

  /** Counts a failure; the one that takes the account's run to its threshold is reported. */
  async function failed(request: FastifyRequest, attempt: SignInAttempt, email: string, user: DashboardUser | undefined): Promise<void> {
    const run = await attempt.failed();
    if (!run) return;
    const found = { email, address: request.ip, run, threshold: throttle.accountThreshold, windowSeconds: throttle.windowSeconds };
    // An email no user has belongs to no tenant: the instance log holds it.
    await recordBruteForceDetected(trail, user?.tenant_id ?? SYSTEM_TENANT_ID, { ...found, context: { ip: request.ip, request_id: request.id } });
  }

  app.post('/v1/session', {
    schema: {
      operationId: 'signIn', tags: ['dashboard'], summary: 'Sign in to the dashboard; sets an HttpOnly session cookie', security: [],
      description: 'Exchanges a dashboard user\'s email and password (`stele users create`) for the session cookie (HttpOnly, SameSite=Strict; Secure and `__Host-` prefixed unless the server is reached over plain http on loopback). Failed sign-ins are throttled per account and per address. Recorded as `user.login_succeeded` or `user.login_failed`.',
      body: Type.Object({
        email: Type.String({ minLength: 1, maxLength: 320, description: 'The user\'s email (case does not matter)' }),
        password: Type.String({ minLength: 1, maxLength: 1024 }),
      }),
      response: {
        200: { ...SessionView, description: 'Signed in: `Set-Cookie` holds the session.', headers: { 'set-cookie': { type: 'string', description: 'The session cookie' } } },
        ...errorResponses,
        401: errorResponse('The email or password is wrong (the answer does not say which).'),
        403: errorResponse('The request names another Origin than this server.'),
        429: errorResponse('Too many failed sign-ins for this account or from this address; `Retry-After` says when to try again.'),
      },
    },
  }, async (request, reply) => {
    // Login CSRF: a JSON body already forces a CORS preflight cross-site; the Origin check
    // refuses the rest.
    checkOrigin(request);
    const { email: given, password } = request.body as { email: string; password: string };
    const email = normaliseEmail(given).slice(0, 320);
    const admission = await throttle.admit(email, normalizeIP(request.ip));
    if (!admission.admitted) {
      // Refused before the password is looked at: the answer says nothing about it, nor about the account.
      reply.header('retry-after', admission.retryAfterSeconds);
      throw new SteleError('rate_limit_exceeded',
        `Too many failed sign-ins ${admission.subject === 'account' ? 'for this account' : 'from your address'}: try again in ${admission.retryAfterSeconds} s.`);
    }
    const { attempt } = admission;
    try {
      const user = await users.find(email);
      // An unknown email costs the same scrypt work as a wrong password, so timing tells nothing.
      const passwordOk = await verifyPassword(password, user?.password ?? (await decoyHash));
      if (!user) {
        // No tenant log to record it in: the instance log and the operator's log keep it, for brute-force hunting.
        request.log.warn({ event: 'dashboard_sign_in_unknown_email', email: given.slice(0, 320), ip: request.ip }, 'sign-in for an unknown email');
        await recordUnknownSignIn(trail, request, given);
        await failed(request, attempt, email, undefined);
        throw new SteleError('unauthenticated', WRONG);
      }
      if (!passwordOk || user.disabled) {
        await recordLogin(trail, request, user, 'user.login_failed', { reason: user.disabled ? 'user_disabled' : 'wrong_password' });
        await failed(request, attempt, email, user);
        throw new SteleError('unauthenticated', WRONG);
      }
      await attempt.succeeded();
      const { token, session } = await sessions.create(user.email);
      await recordLogin(trail, request, user, 'user.login_succeeded');
      const policy = cookiePolicy(request);
      if (!overHttps(request) && !plainHttpOnLoopback(request)) {
        // The browser drops a Secure cookie set over plain http: say why sign-in will not stick.
        request.log.warn({ event: 'dashboard_sign_in_over_http', host: request.host }, 'dashboard sign-in over plain http on a non-loopback address: browsers drop the Secure session cookie; serve Stele over https (or through a TLS proxy listed in STELE_TRUSTED_PROXIES)');
      }
      reply.header('set-cookie', sessionCookie(token, Math.floor(config.sessionTtlMs / 1000), policy));
      return viewOf(config, user, session);
    } finally {
      await attempt.end();
    }
  });

  app.get('/v1/session', {
    schema: {
      operationId: 'getSession', tags: ['dashboard'], summary: 'The signed-in dashboard user, role, tenant, scopes and CSRF token',
      description: 'Who the session cookie belongs to, and the CSRF token its unsafe requests must carry. Never cached.',
      security: [SECURITY.session],
      response: { 200: SessionView, ...errorResponses, 401: errorResponse('Not signed in: no session cookie, or its session ended.') },
    },
  }, async (request) => {
    const current = request.dashboardSession;
    const user = current && (await users.find(current.session.email));
    if (!current || !user) throw new SteleError('unauthenticated', 'Not signed in.');
    return viewOf(config, user, current.session);
  });

  app.delete('/v1/session', {
    schema: {
      operationId: 'signOut', tags: ['dashboard'], summary: 'Sign out',
      description: 'Ends the session and clears the cookie; answers 204 whether or not one was signed in. Recorded as `user.logged_out`.',
      security: [SECURITY.sessionWithCsrf, SECURITY.none],
      response: { 204: { ...Type.Null(), description: 'Signed out: `Set-Cookie` clears the cookie.' }, ...errorResponses },
    },
  }, async (request, reply: FastifyReply) => {
    const current = request.dashboardSession;
    if (current) {
      await sessions.delete(current.token);
      const user = await users.find(current.session.email);
      if (user) await recordLogin(trail, request, user, 'user.logged_out');
    }
    return reply.status(204).header('set-cookie', clearedSessionCookie(cookiePolicy(request))).send();
  });
};
