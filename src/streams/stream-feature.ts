// Streams, built from explicit dependencies and registered by the composition root: the service
// and routes, and the deliverer, which starts when the app is ready and stops (aborting, not
// losing, the requests in flight: their batches are sent again) when it closes. The server
// delivers in a thread of its own (delivery-thread.ts); tests with a fake clock, on this thread.

import type { FastifyPluginAsync } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { SecretBox } from '../background/secret-box.js';
import type { Config } from '../config.js';
import type { CommitNotifier } from '../feed/commit-notifier.js';
import type { Guards } from '../http/guards.js';
import type { EventSelector } from '../query/selection.js';
import type { Store } from '../store/port.js';
import { createDeliveryThread } from './delivery-thread-client.js';
import { createDelivery, destinationContext } from './stream-delivery.js';
import { createStreamRepository } from './stream-repository.js';
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
  /**
   * Deliver in a thread of its own (delivery-thread.ts), which opens its own connection to the
   * database `config` names: only for a store opened from that config, with the real clock.
   */
  thread?: boolean;
}

export const streamFeature: FastifyPluginAsync<StreamFeatureOptions> = async (app, options) => {
  const { config, store, trail, secrets, commits, noteKey } = options;
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 1000;
  const deliverer = options.thread
    ? createDeliveryThread({ config, noteKey, pollMs, trail, store, commits, log: app.log })
    : createDelivery({ settings: config.streams, store, secrets, trail, commits, select: options.select, noteKey, now, log: app.log, pollMs });
  const service = createStreamService({
    ...destinationContext(config.streams, store, noteKey), store, secrets, trail, now, kick: (id) => deliverer.kick(id),
    streams: createStreamRepository(store, now), selection: createStreamSelection(options.select),
  });
  await app.register(streamRoutes, { guards: options.guards, streams: service, now });

  app.addHook('onReady', async () => deliverer.start());
  app.addHook('onClose', async () => deliverer.stop());
};
