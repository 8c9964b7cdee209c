// Sign-in outcomes go into the user's tenant log through the audit trail, like any other change:
// the user (by email and role) as actor, the request's address, user agent and id as context.

import type { FastifyRequest } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { SYSTEM_TENANT_ID } from '../audit-trail/system-log.js';
import { contextOf } from '../http/request-audit.js';
import type { DashboardUser } from './user-repository.js';

type LoginAction = 'user.login_succeeded' | 'user.login_failed' | 'user.logged_out';

export async function recordLogin(trail: AuditTrail, request: FastifyRequest, user: DashboardUser, action: LoginAction, details: Record<string, string> = {}): Promise<void> {
  await trail.record(user.tenant_id, {
    action,
    actor: { id: user.email, type: 'user', email: user.email, role: user.role },
    target: { type: 'dashboard', id: 'session' },
    context: contextOf(request),
    success: action !== 'user.login_failed',
    details: { role: user.role, ...details },
  });
}

/**
 * A sign-in for an email no user has belongs to no tenant: it goes to the instance log, collapsed
 * per address and email, so password spraying shows as a few events with counts.
 */
export async function recordUnknownSignIn(trail: AuditTrail, request: FastifyRequest, email: string): Promise<void> {
  const claimed = email.slice(0, 320);
  await trail.recordCollapsed(SYSTEM_TENANT_ID, {
    action: 'user.login_failed',
    actor: { type: 'anonymous', email: claimed },
    target: { type: 'dashboard', id: 'session' },
    context: contextOf(request),
    success: false,
    details: { reason: 'unknown_user' },
  }, { same: { ip: request.ip, email: claimed } });
}
