// Everything browser-facing, wired in one place so app.ts needs one line: users, sessions,
// viewer tokens, the cookie/viewer-token hook and the UI.

import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Guards } from '../http/guards.js';
import type { Store } from '../store/port.js';
import { installBrowserAuth } from './browser-auth.js';
import { loadDashboardConfig, type DashboardConfig } from './dashboard-config.js';
import { createSessionRepository } from './session-repository.js';
import { sessionRoutes } from './session-routes.js';
import { createSignInThrottle } from './sign-in-throttle.js';
import { uiRoutes } from './ui-routes.js';
import { createUserRepository } from './user-repository.js';
import { createViewerTokenService } from './viewer-token-service.js';
import { viewerTokenRoutes } from './viewer-token-routes.js';

export interface DashboardDependencies {
  store: Store;
  guards: Guards;
  trail: AuditTrail;
  config?: DashboardConfig;
  /** The export cap the server enforces (config.exportMaxRows); without it, read from the environment. */
  exportMaxRows?: number;
  now?: () => number;
}

/** Call before other routes are registered: the browser-auth hook must cover all of them. */
export async function installDashboard(app: FastifyInstance, deps: DashboardDependencies): Promise<void> {
  const loaded = deps.config ?? loadDashboardConfig();
  const config = deps.exportMaxRows === undefined ? loaded : Object.freeze({ ...loaded, exportMaxRows: deps.exportMaxRows });
  const users = createUserRepository(deps.store, deps.now);
  const sessions = createSessionRepository(deps.store, { ttlMs: config.sessionTtlMs, now: deps.now });
  const viewerTokens = createViewerTokenService({ store: deps.store, now: deps.now });
  installBrowserAuth(app, { users, sessions, viewerTokens });
  const throttle = createSignInThrottle(deps.store, { now: deps.now });
  await app.register(sessionRoutes, { config, users, sessions, trail: deps.trail, throttle });
  await app.register(viewerTokenRoutes, { guards: deps.guards, viewerTokens, trail: deps.trail });
  await app.register(uiRoutes, { config });
}
