// Sign-in outcomes go into the user's tenant log, like any other audited action.

import type { FastifyRequest } from 'fastify';
import type { IngestService } from '../ingest/ingest-service.js';
import type { DashboardUser } from './user-repository.js';

type LoginAction = 'user.login_succeeded' | 'user.login_failed' | 'user.logged_out';

export async function recordLogin(ingest: IngestService, request: FastifyRequest, user: DashboardUser, action: LoginAction, details: Record<string, string> = {}): Promise<void> {
  const userAgent = request.headers['user-agent'];
  await ingest.record(user.tenant_id, [{
    action,
    actor: { id: user.email, type: 'user', email: user.email, role: user.role },
    target: { type: 'dashboard', id: 'session' },
    context: {
      ip: request.ip,
      request_id: request.id,
      method: request.method,
      url: request.url.slice(0, 2048),
      ...(userAgent && { user_agent: String(userAgent).slice(0, 1024) }),
    },
    success: action !== 'user.login_failed',
    details: { role: user.role, ...details },
  }]);
}
