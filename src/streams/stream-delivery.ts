// How a process delivers its streams, built the same way on the app's main thread and in the
// streams thread (delivery-thread.ts): the deliverer with its leases, shared reads, backoff and
// pacing, and the facts every destination client is opened with.

import { hostname } from 'node:os';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { createLeases } from '../background/lease.js';
import type { SecretBox } from '../background/secret-box.js';
import type { StreamsConfig } from '../config.js';
import type { CommitNotifier } from '../feed/commit-notifier.js';
import type { EventSelector } from '../query/selection.js';
import type { Store } from '../store/port.js';
import { VERSION } from '../version.js';
import { createSharedReads } from './shared-reads.js';
import { createStreamDeliverer, type StreamDelivererDeps } from './stream-deliverer.js';
import { createStreamRepository } from './stream-repository.js';
import { createStreamSelection } from './stream-selection.js';

/** What destination clients are opened with, for delivery and for the API's "test connection". */
export function destinationContext(settings: StreamsConfig, store: Store, noteKey: string) {
  return {
    product: { vendor: 'Stele', name: 'AuditLog', version: VERSION },
    hostname: hostname(),
    requestTimeoutMs: settings.requestTimeoutSeconds * 1000,
    hosts: settings.hosts,
    async latestCheckpoint(tenantId: string) {
      const latest = await store.latestCheckpoint(tenantId);
      return latest && { tree_size: latest.tree_size, note: latest.note, note_key: noteKey };
    },
  };
}

export interface DeliveryParts {
  settings: StreamsConfig;
  store: Store;
  secrets: SecretBox;
  /** Records stream health (stream.failing, stream.recovered). */
  trail: Pick<AuditTrail, 'record'>;
  /** Wakes a stream when this process commits events for its tenant. */
  commits: CommitNotifier;
  /** Compiles `q` and saved searches of stream filters. */
  select: EventSelector;
  noteKey: string;
  now: () => number;
  log: StreamDelivererDeps['log'];
  /** How often to look for streams and events of other processes. */
  pollMs: number;
}

export function createDelivery(parts: DeliveryParts) {
  const { settings, store } = parts;
  return createStreamDeliverer({
    ...destinationContext(settings, store, parts.noteKey),
    store, secrets: parts.secrets, trail: parts.trail, commits: parts.commits, now: parts.now, log: parts.log, pollMs: parts.pollMs,
    streams: createStreamRepository(store, parts.now),
    selection: createStreamSelection(parts.select),
    reads: createSharedReads(store),
    leases: createLeases(store, { ttlMs: settings.leaseSeconds * 1000, now: Date.now }),
    failingAfterMs: settings.failingAfterSeconds * 1000,
    backoff: { baseMs: 1000, maxMs: settings.retryMaxSeconds * 1000 },
    readLimit: 10_000,
    // At most four wake-ups a second per stream under a busy log (each costs a cursor write, a
    // request and the receiver's work), for a quarter of a second of latency.
    lingerMs: 250,
  });
}
