// The composition root of the HTTP service: services are built from explicit dependencies and
// each feature registers its own routes.

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { createAuthenticator } from '../auth/authenticate.js';
import { createCredentialLookup } from '../auth/credential-cache.js';
import { createAuditTrail, type AuditTrail } from '../audit-trail/audit-trail.js';
import { createSecretBox, loadSecretKey } from '../background/secret-box.js';
import { SYSTEM_REQUESTER } from '../audit-trail/requester.js';
import { installDashboard } from '../dashboard/install-dashboard.js';
import { createLeases } from '../background/lease.js';
import { createIngestService } from '../ingest/ingest-service.js';
import { openGeoIp, type GeoIp } from '../geoip/geoip.js';
import { ingestRoutes } from '../ingest/ingest-routes.js';
import { sealEvents } from '@stele/integrity';
import { createQueryService } from '../query/query-service.js';
import { eventRoutes } from '../query/event-routes.js';
import { createEventSelector } from '../query/selection.js';
import { createActivityService } from '../query/activity-service.js';
import { activityRoutes } from '../query/activity-routes.js';
import { createSavedSearchService } from '../saved-searches/saved-search-service.js';
import { savedSearchRoutes } from '../saved-searches/saved-search-routes.js';
import type { Store } from '../store/port.js';
import { createTenantService } from '../tenants/tenant-service.js';
import { tenantRoutes } from '../tenants/tenant-routes.js';
import { createGuards } from '../http/guards.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from '../http/error-handler.js';
import { installJsonBody } from '../http/json-body.js';
import { installUrlChecks } from '../http/url-checks.js';
import { installSecurityHeaders } from '../http/security-headers.js';
import { installCompression } from '../http/compression.js';
import { healthRoutes } from './health-routes.js';
import { createMetrics, installMetrics, type Metrics } from './metrics.js';
import { installApiDocs, installOpenApi } from './openapi.js';
import { installRateLimit } from './rate-limit.js';
import { installRobots } from './robots.js';
import { VERSION } from '../version.js';
import { exportFeature } from '../export/export-feature.js';
import { createCommitNotifier } from '../feed/commit-notifier.js';
import { createFeedService } from '../feed/feed-service.js';
import { feedRoutes } from '../feed/feed-routes.js';
import { createCheckpointService } from '../checkpoints/checkpoint-service.js';
import { createOutsideCopiesFromConfig } from '../checkpoints/outside-copies-from-config.js';
import { createIntegrityAlarms } from '../checkpoints/integrity-alarms.js';
import type { SigningKey } from '../checkpoints/signing-key.js';
import { integrityRoutes } from '../verification/integrity-routes.js';
import { createEventTypeCheck } from '../event-types/event-type-check.js';
import { createEventTypeRepository } from '../event-types/event-type-repository.js';
import { eventTypeRoutes } from '../event-types/event-type-routes.js';
import { createEventTypeService } from '../event-types/event-type-service.js';
import { createProofService } from '../verification/proof-service.js';
import { createVerificationService } from '../verification/verification-service.js';
import { reportFeature } from '../reports/report-feature.js';
import { streamFeature } from '../streams/stream-feature.js';
import { alertFeature, type AlertHook } from '../alerts/alert-feature.js';
import { createRedaction } from '../retention/redaction.js';
import { retentionFeature } from '../retention/retention-feature.js';
import type { RetentionService } from '../retention/retention-service.js';

export interface AppOptions {
  config: Config;
  store: Store;
  /** The instance's checkpoint signing key (see checkpoints/signing-key.ts). */
  signingKey: SigningKey;
  /** The GeoIP database, when the caller opened it already; otherwise opened here from config.geoipDatabase. */
  geoip?: GeoIp;
  /** A pino logger; without one the app logs nothing (tests). */
  logger?: FastifyBaseLogger;
  now?: () => number;
  /**
   * Called once every route is registered, before the app is ready: tests add hooks here that
   * watch every answer (test/helpers/contract-check.ts holds them to the OpenAPI document).
   */
  instrument?: (app: FastifyInstance) => void;
  /** The instance's metrics, when made before the app (the store feeds its group commit ones); made here otherwise. */
  metrics?: Metrics;
  /** The store was opened from `config` (server.ts), so a thread can open it again: streams deliver in one. */
  storeFromConfig?: boolean;
}

export interface SteleApp {
  app: FastifyInstance;
  /** Stop answering /readyz with 200 so load balancers drain this node before it closes. */
  startDraining(): void;
  /** Self-audit events (audit-trail/), for what happens outside a request such as start-up. */
  trail: AuditTrail;
  /** Resolves once alert rules have seen every batch committed so far (tests, benchmarks). */
  alertsIdle(): Promise<void>;
  /** Resolves once the start-up check of every tenant's log against its published checkpoints is done. */
  startupChecked: Promise<void>;
}

export async function buildApp({ config, store, signingKey, logger, now, instrument, ...options }: AppOptions): Promise<SteleApp> {
  // First, so that a file it cannot use stops start-up before anything else is built.
  const geoip = options.geoip ?? (config.geoipDatabase ? await openGeoIp(config.geoipDatabase) : undefined);
  let draining = false;
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: config.limits.maxBodyBytes,
    // X-Forwarded-For names the client only when the socket is a proxy we were told to trust.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
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
  const metrics = options.metrics ?? createMetrics();
  const commits = createCommitNotifier(); // wakes long-polling feed readers
  const alarms = createIntegrityAlarms({
    onRaise: (alarm) => {
      app.log.error({ alarm }, `INTEGRITY ALARM for tenant ${alarm.tenant_id}: ${alarm.message}. No checkpoint will be signed for it until this is resolved (src/checkpoints/README.md).`);
      metrics.integrityAlarm.set({ tenant_id: alarm.tenant_id, kind: alarm.kind }, 1);
      trail.record(alarm.tenant_id, {
        action: 'integrity.alarm', ...SYSTEM_REQUESTER, success: false, target: { type: 'log', id: alarm.tenant_id },
        details: { kind: alarm.kind, published_size: alarm.size, source: alarm.source, message: alarm.message },
      }).catch((error) => app.log.error({ err: error, tenantId: alarm.tenant_id }, 'could not record the integrity alarm in the log'));
    },
    onClear: (alarm) => {
      app.log.warn({ alarm }, `integrity alarm cleared for tenant ${alarm.tenant_id}: the log matches every published checkpoint again`);
      metrics.integrityAlarm.remove({ tenant_id: alarm.tenant_id, kind: alarm.kind });
    },
  }, now);
  const checkpoints = createCheckpointService({
    store, key: signingKey, now, alarms,
    everyEvents: config.integrity.checkpointEveryEvents,
    everySeconds: config.integrity.checkpointEverySeconds,
    outside: createOutsideCopiesFromConfig(config.integrity, signingKey, app.log),
    onError: (error, tenantId) => app.log.error({ err: error, tenantId }, 'checkpoint failed'),
    leases: createLeases(store, { ttlMs: 30_000, now: now ?? Date.now }),
  });
  let alerts: AlertHook | undefined; // set once the alerts feature is registered, below
  const eventTypeCheck = createEventTypeCheck({ repository: createEventTypeRepository(store), now });
  // One secret box for every feature that keeps a credential to use later (SFTP, streams, alert webhooks, redaction).
  const secrets = createSecretBox(() => loadSecretKey({ configuredFile: config.secretsKeyFile, dataDir: config.dataDir }));
  const redaction = createRedaction({ store, secrets, now });
  const ingest = createIngestService({
    store, limits: config.limits, seal: sealEvents, now, checkEvents: eventTypeCheck.check, redact: redaction.apply,
    ...(config.ingestQueue && { queue: config.ingestQueue }),
    ...(geoip && { geo: geoip }),
    onOverloaded: () => metrics.ingestOverloaded.inc(),
    whileAppending: (tenant, append) => (alerts ? alerts.whileAppending(tenant, append) : append()),
    onCommitted: (tenant, outcomes, pending) => {
      metrics.eventsIngested.inc(outcomes.filter((o) => !o.duplicate).length);
      alerts?.onCommitted(tenant, outcomes, pending);
      commits.notify(tenant);
      const size = Math.max(...outcomes.map((o) => o.seq));
      checkpoints.onCommitted(tenant, size).catch((error) => app.log.error({ err: error, tenant }, 'checkpoint failed'));
    },
  });
  const trail = createAuditTrail({ recorder: ingest, now, onError: (error) => app.log.error({ err: error }, 'self-audit event not written') });
  const credentials = createCredentialLookup(store); // real time, not the app's clock: a bound on revocation elsewhere
  const guards = createGuards(createAuthenticator(credentials, config.adminToken), trail, store);
  const query = createQueryService({ store, now });
  const savedSearches = createSavedSearchService({ store, trail, now });
  const select = createEventSelector({ dialect: store.dialect, now, findSavedSearch: savedSearches.findForSelection });
  const tenants = createTenantService({ store, trail, now, onKeyRevoked: credentials.forget });
  const eventTypes = createEventTypeService({ store, trail, check: eventTypeCheck, now });

  // While draining, finished requests close their connection, so shutdown does not wait for
  // keep-alive timeouts of clients that were mid-request.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  installErrorHandling(app);
  // Bodies nest a little deeper than the details of an event in a batch may.
  installJsonBody(app, { maxDepth: Math.max(64, config.limits.maxJsonDepth + 3) });
  installUrlChecks(app);
  installSecurityHeaders(app);
  await installCompression(app); // before any route: each gets the encoder as it is declared
  await installOpenApi(app, VERSION); // before any route: each is completed and documented as it is declared
  installMetrics(app, metrics, { token: config.metricsToken });
  await installRateLimit(app, { perMinute: config.rateLimitPerMinute, authFailuresPerMinute: config.authFailuresPerMinute, identify: guards.identify }); // before the dashboard's credential hook
  await installApiDocs(app);
  installRobots(app);
  await installDashboard(app, { store, guards, trail, now, exportMaxRows: config.exportMaxRows }); // before the routes its auth hook must cover
  await app.register(healthRoutes, { store, isDraining: () => draining, integrityAlarms: alarms.list });
  await app.register(tenantRoutes, { guards, tenants, trail });
  await app.register(ingestRoutes, { guards, ingest });
  await app.register(activityRoutes, { guards, activity: createActivityService({ store, now }), select, trail });
  let retention: RetentionService | undefined;
  await app.register(eventRoutes, {
    guards, query, select, trail, describeEventTypes: eventTypes.summary,
    describeTombstones: (tenantId, events) => retention?.describeTombstones(tenantId, events) ?? Promise.resolve(events),
  });
  await app.register(eventTypeRoutes, { guards, eventTypes });
  await app.register(savedSearchRoutes, { guards, savedSearches });
  await app.register(exportFeature, {
    config, store, guards, ingest, trail, secrets, now, search: select.compileSearch, savedSearch: select.compileSaved, checkpoints, noteKey: signingKey.noteKey,
  });
  const verification = createVerificationService({ store, key: signingKey, now, published: checkpoints.published, alarms });
  await app.register(integrityRoutes, { guards, key: signingKey, checkpoints, proofs: createProofService({ store, checkpoints }), verification });
  await app.register(reportFeature, { config, store, guards, trail, secrets, checkpoints, signingKey, verification, now });
  await app.register(feedRoutes, { guards, feed: createFeedService({ store, commits, now }), select, trail });
  await app.register(retentionFeature, { config, store, guards, trail, redaction, now, onService: (service) => { retention = service; } });
  // Streams deliver on a thread of their own when it can open the same database and keeps real time.
  const streamThread = options.storeFromConfig === true && config.streams.thread && now === undefined;
  await app.register(streamFeature, { config, store, guards, trail, secrets, commits, select, noteKey: signingKey.noteKey, now, thread: streamThread });
  // Rules are evaluated on a thread of their own on the same terms as streams are delivered.
  const alertThread = options.storeFromConfig === true && config.alertThread && now === undefined;
  await app.register(alertFeature, { config, store, guards, trail, secrets, now, countries: geoip !== undefined, thread: alertThread, attach: (hook) => { alerts = hook; } });
  // Not awaited: a server with many tenants serves while its start-up check goes on.
  const startupChecked = checkpoints.start();
  // Runs once in-flight requests are done: the collapsed counts of their last window are written.
  app.addHook('onClose', async () => trail.close());
  app.addHook('onClose', async () => checkpoints.stop());
  instrument?.(app);
  await app.ready();
  return { app, startDraining: () => { draining = true; }, trail, alertsIdle: async () => { await alerts?.idle(); }, startupChecked };
}
