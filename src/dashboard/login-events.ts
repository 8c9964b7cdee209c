// Sign-in outcomes go into the user's tenant log through the audit trail, like any other change:
// the user (by email and role) as actor, the request's address, user agent and id as context.

import type { FastifyRequest } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
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
