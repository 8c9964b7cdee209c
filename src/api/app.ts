// The composition root of the HTTP service: services are built from explicit dependencies and
// each feature registers its own routes.

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { createAuthenticator } from '../auth/authenticate.js';
import { installDashboard } from '../dashboard/install-dashboard.js';
import { createIngestService } from '../ingest/ingest-service.js';
import { ingestRoutes } from '../ingest/ingest-routes.js';
import { sealEvents } from '../integrity/seal.js';
import { createQueryService } from '../query/query-service.js';
import { eventRoutes } from '../query/event-routes.js';
import { createEventSelector } from '../query/selection.js';
import { createSavedSearchService } from '../saved-searches/saved-search-service.js';
import { savedSearchRoutes } from '../saved-searches/saved-search-routes.js';
import type { Store } from '../store/port.js';
import { createTenantService } from '../tenants/tenant-service.js';
import { tenantRoutes } from '../tenants/tenant-routes.js';
import { createGuards } from '../http/guards.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from '../http/error-handler.js';
import { installJsonBody } from '../http/json-body.js';
import { installUrlChecks } from '../http/url-checks.js';
import { healthRoutes } from './health-routes.js';
import { createMetrics, installMetrics } from './metrics.js';
import { installOpenApi } from './openapi.js';
import { installRateLimit } from './rate-limit.js';
import { VERSION } from '../version.js';
import { exportFeature } from '../export/export-feature.js';
import { createCommitNotifier } from '../feed/commit-notifier.js';
import { createFeedService } from '../feed/feed-service.js';
import { feedRoutes } from '../feed/feed-routes.js';
import { createCheckpointPublisher } from '../checkpoints/checkpoint-publisher.js';
import { createCheckpointService } from '../checkpoints/checkpoint-service.js';
import type { SigningKey } from '../checkpoints/signing-key.js';
import { integrityRoutes } from '../verification/integrity-routes.js';
import { createProofService } from '../verification/proof-service.js';
import { createVerificationService } from '../verification/verification-service.js';

export interface AppOptions {
  config: Config;
  store: Store;
  /** The instance's checkpoint signing key (see checkpoints/signing-key.ts). */
  signingKey: SigningKey;
  /** A pino logger; without one the app logs nothing (tests). */
  logger?: FastifyBaseLogger;
  now?: () => number;
}

export interface SteleApp {
  app: FastifyInstance;
  /** Stop answering /readyz with 200 so load balancers drain this node before it closes. */
  startDraining(): void;
}

export async function buildApp({ config, store, signingKey, logger, now }: AppOptions): Promise<SteleApp> {
  let draining = false;
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: config.limits.maxBodyBytes,
    trustProxy: false,
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // Our error shape also for what Fastify and Node refuse before any route runs.
    frameworkErrors,
    clientErrorHandler,
    // Node answers an HTTP/1.1 request without Host with a bare 400; installErrorHandling refuses it in our shape.
    http: { requireHostHeader: false },
    // A client event id is up to 128 characters, up to 9 each once percent-encoded (%XX of UTF-8).
    routerOptions: { maxParamLength: 1200 },
  });
  const metrics = createMetrics();
  const commits = createCommitNotifier(); // wakes long-polling feed readers
  const checkpoints = createCheckpointService({
    store, key: signingKey, now,
    everyEvents: config.integrity.checkpointEveryEvents,
    everySeconds: config.integrity.checkpointEverySeconds,
    publish: createCheckpointPublisher({ file: config.integrity.checkpointFile, webhookUrl: config.integrity.checkpointWebhookUrl, logger: app.log }),
    onError: (error, tenantId) => app.log.error({ err: error, tenantId }, 'checkpoint failed'),
  });
  const ingest = createIngestService({
    store, limits: config.limits, seal: sealEvents, now,
    onCommitted: (tenant, outcomes) => {
      metrics.eventsIngested.inc(outcomes.filter((o) => !o.duplicate).length);
      commits.notify(tenant);
      const size = Math.max(...outcomes.map((o) => o.seq));
      checkpoints.onCommitted(tenant, size).catch((error) => app.log.error({ err: error, tenant }, 'checkpoint failed'));
    },
  });
  const guards = createGuards(createAuthenticator(store, config.adminToken), ingest, store);
  const query = createQueryService({ store, now });
  const savedSearches = createSavedSearchService({ store, now });
  const select = createEventSelector({ dialect: store.dialect, now, findSavedSearch: savedSearches.findForSelection });
  const tenants = createTenantService({ store, now });

  // While draining, finished requests close their connection, so shutdown does not wait for
  // keep-alive timeouts of clients that were mid-request.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  installErrorHandling(app);
  // Bodies nest a little deeper than the details of an event in a batch may.
  installJsonBody(app, { maxDepth: Math.max(64, config.limits.maxJsonDepth + 3) });
  installUrlChecks(app);
  installMetrics(app, metrics);
  await installRateLimit(app, config.rateLimitPerMinute);
  await installOpenApi(app, VERSION);
  await installDashboard(app, { store, guards, ingest, now, exportMaxRows: config.exportMaxRows }); // before the routes its auth hook must cover
  await app.register(healthRoutes, { store, isDraining: () => draining });
  await app.register(tenantRoutes, { guards, tenants });
  await app.register(ingestRoutes, { guards, ingest });
  await app.register(eventRoutes, { guards, query, select });
  await app.register(savedSearchRoutes, { guards, savedSearches });
  await app.register(exportFeature, {
    config, store, guards, ingest, now, search: select.compileSearch, savedSearch: select.compileSaved, checkpoints, noteKey: signingKey.noteKey,
  });
  await app.register(integrityRoutes, {
    guards, key: signingKey, checkpoints,
    proofs: createProofService({ store, checkpoints }),
    verification: createVerificationService({ store, key: signingKey, now }),
  });
  await app.register(feedRoutes, { guards, feed: createFeedService({ store, commits, now }), select });
  checkpoints.start();
  app.addHook('onClose', async () => checkpoints.stop());
  await app.ready();
  return { app, startDraining: () => { draining = true; } };
}
