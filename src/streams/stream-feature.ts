// Streams, built from explicit dependencies and registered by the composition root: the service
// and routes, and the deliverer, which starts when the app is ready and stops (aborting, not
// losing, the requests in flight: their batches are sent again) when it closes.

import { hostname } from 'node:os';
import type { FastifyPluginAsync } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { createLeases } from '../background/lease.js';
import type { SecretBox } from '../background/secret-box.js';
import type { Config } from '../config.js';
import type { CommitNotifier } from '../feed/commit-notifier.js';
import type { Guards } from '../http/guards.js';
import type { EventSelector } from '../query/selection.js';
import type { Store } from '../store/port.js';
import { VERSION } from '../version.js';
import { createStreamDeliverer } from './stream-deliverer.js';
import { createStreamRepository } from './stream-repository.js';
import { createSharedReads } from './shared-reads.js';
import { streamRoutes } from './stream-routes.js';
import { createStreamSelection } from './stream-selection.js';
import { createStreamService } from './stream-service.js';

export interface StreamFeatureOptions {
  config: Config;
  store: Store;
  guards: Guards;
  /** Records stream changes and health (stream.failing, stream.recovered). */
  trail: AuditTrail;
  /** Seals destination secrets (the instance's one secret box). */
  secrets: SecretBox;
  /** Wakes a stream when this process commits events for its tenant. */
  commits: CommitNotifier;
  /** Compiles `q` and saved searches of stream filters. */
  select: EventSelector;
  /** The signed-note verifier key, written beside the checkpoint in S3 manifests. */
  noteKey: string;
  now?: () => number;
  /** How often to look for streams and events of other processes (default 1 s). */
  pollMs?: number;
}

export const streamFeature: FastifyPluginAsync<StreamFeatureOptions> = async (app, options) => {
  const { config, store, trail, secrets, commits, noteKey } = options;
  const now = options.now ?? Date.now;
  const settings = config.streams;
  const streams = createStreamRepository(store, now);
  const selection = createStreamSelection(options.select);
  const shared = {
    product: { vendor: 'Stele', name: 'AuditLog', version: VERSION },
    hostname: hostname(),
    requestTimeoutMs: settings.requestTimeoutSeconds * 1000,
    hosts: settings.hosts,
    async latestCheckpoint(tenantId: string) {
      const latest = await store.latestCheckpoint(tenantId);
      return latest && { tree_size: latest.tree_size, note: latest.note, note_key: noteKey };
    },
  };
  const deliverer = createStreamDeliverer({
    ...shared, store, streams, selection, secrets, trail, commits, now, log: app.log, reads: createSharedReads(store),
    leases: createLeases(store, { ttlMs: settings.leaseSeconds * 1000, now: Date.now }),
    failingAfterMs: settings.failingAfterSeconds * 1000,
    backoff: { baseMs: 1000, maxMs: settings.retryMaxSeconds * 1000 },
    pollMs: options.pollMs ?? 1000,
    readLimit: 10_000,
    // At most four wake-ups a second per stream under a busy log (each costs a cursor write, a
    // request and the receiver's work), for a quarter of a second of latency.
    lingerMs: 250,
  });
  const service = createStreamService({ ...shared, store, streams, selection, secrets, trail, now, kick: (id) => deliverer.kick(id) });
  await app.register(streamRoutes, { guards: options.guards, streams: service, now });

  app.addHook('onReady', async () => deliverer.start());
  app.addHook('onClose', async () => deliverer.stop());
};
