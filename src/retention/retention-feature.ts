// Retention, built from explicit dependencies and registered by the composition root: the
// service and routes, and the purge job, which runs every STELE_RETENTION_PURGE_INTERVAL_SECONDS
// on one process at a time (a lease), tenant after tenant, and stops between batches on close.

import type { FastifyPluginAsync } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { createLeases } from '../background/lease.js';
import { createWorkerLoop } from '../background/worker-loop.js';
import type { Config } from '../config.js';
import type { Guards } from '../http/guards.js';
import type { Store } from '../store/port.js';
import type { Redaction } from './redaction.js';
import { createRetentionRecords } from './retention-policy.js';
import { retentionRoutes } from './retention-routes.js';
import { createRetentionService, type RetentionService } from './retention-service.js';

export interface RetentionFeatureOptions {
  config: Config;
  store: Store;
  guards: Guards;
  trail: AuditTrail;
  redaction: Redaction;
  now?: () => number;
  /** Handed the service once built (the event routes describe tombstones with it). */
  onService?: (service: RetentionService) => void;
}

/** The service alone, for the CLI (`stele retention run`) and the feature. */
export function retentionServiceFor(options: { config: Config; store: Store; trail: AuditTrail; redaction: Redaction; now?: () => number }): RetentionService {
  const { config } = options;
  return createRetentionService({
    store: options.store, trail: options.trail, redaction: options.redaction, records: createRetentionRecords(options.store),
    defaultDays: config.retention.defaultDays, batchSize: config.retention.batchSize,
    purgeIntervalMs: config.retention.purgeIntervalSeconds * 1000, now: options.now,
  });
}

export const retentionFeature: FastifyPluginAsync<RetentionFeatureOptions> = async (app, options) => {
  const { config, store } = options;
  const retention = retentionServiceFor(options);
  options.onService?.(retention);
  await app.register(retentionRoutes, { guards: options.guards, retention, redaction: options.redaction, trail: options.trail });

  const intervalMs = config.retention.purgeIntervalSeconds * 1000;
  if (intervalMs === 0) return;
  // Longer than any pause between batches; renewed every third of it while the purge runs.
  const leases = createLeases(store, { ttlMs: 60_000, now: Date.now });
  let first = true;
  const loop = createWorkerLoop({
    name: 'retention purge',
    pollMs: intervalMs,
    log: app.log,
    async pass(signal) {
      // The first pass waits one interval: a restart loop must not purge on every start.
      if (first) { first = false; return; }
      const lease = await leases.acquire('*', 'retention-purge');
      if (!lease) return;
      const stop = AbortSignal.any([signal, lease.signal]);
      try {
        for (const tenant of await store.listTenants()) {
          if (stop.aborted) break;
          const run = await retention.purge(tenant.id, { signal: stop });
          if (run.purged > 0) app.log.info({ tenantId: tenant.id, purged: run.purged, bytes_freed: run.bytes_freed, cutoff: run.cutoff }, 'retention purge');
        }
      } finally {
        await lease.release();
      }
    },
  });
  app.addHook('onReady', async () => loop.start());
  app.addHook('onClose', async () => loop.stop());
};
