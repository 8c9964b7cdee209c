// createAuditClient: one object for an application's dealings with Stele. Writing (record(), the
// typed helpers, flush, close) goes through the delivery queue; reading (events) and client-side
// proof checks (verify) through the same connections.

import type { AuditEvent } from './event.js';
import type { BackoffPolicy } from './http/backoff.js';
import { createTransport } from './http/transport.js';
import {
  createDeliveryQueue, type BufferFullPolicy, type CloseResult, type DeliveryStats, type RejectedEvents,
} from './delivery/delivery-queue.js';
import { createEventReader, type EventReader } from './read/events.js';
import { SEED_TAXONOMY, type HelperEvent, type SeedHelpers } from './taxonomy/seed-taxonomy.generated.js';
import { createVerifier, type TrustOptions, type Verifier } from './verify/verify.js';

export interface AuditClientOptions extends TrustOptions {
  /** Stele's base URL, e.g. `https://audit.example.com` (default: STELE_URL). */
  url?: string;
  /** An API key with events:write (and audit:read to read and verify); default: STELE_API_KEY. */
  apiKey?: string;
  /** Events per request, 1..1000 (default 100). */
  batchSize?: number;
  /** How long a partial batch waits for more events, in ms (default 200). */
  flushIntervalMs?: number;
  /** Batches sent at once (default 8: a database takes concurrent batches faster than one after the other). */
  maxInFlight?: number;
  /** Events held in memory while Stele is slow or unreachable (default 10,000). */
  maxBufferedEvents?: number;
  /**
   * When that buffer is full: `drop` the event (counted in stats().dropped; the default), `block`
   * (record() returns a promise to await until there is room), or `throw` (record() throws
   * BufferFullError: fail closed, as HashiCorp Vault does for its own audit).
   */
  onBufferFull?: BufferFullPolicy;
  /**
   * A file for events Stele cannot take yet: they are written there (flushed to disk) instead of
   * waiting in memory, survive a restart of the application, and are sent from there.
   */
  spillFile?: string;
  /** The spill file's limit in bytes (default 256 MiB); past it, onBufferFull applies. */
  maxSpillBytes?: number;
  /** Retry waits: exponential from baseMs to maxMs, with jitter (default 200 ms to 30 s). */
  backoff?: BackoffPolicy;
  /** One request's time limit in ms (default 30 s). */
  requestTimeoutMs?: number;
  /** How long close() tries to deliver what is left, in ms (default 10 s). */
  closeTimeoutMs?: number;
  /** Delivery trouble (retries, a full buffer, the spill file); default: one line on stderr per minute at most. */
  onError?: (error: Error) => void;
  /** Events Stele refused for good (a 400 naming the field); default: a line on stderr each. */
  onRejected?: (rejected: RejectedEvents) => void;
}

type RecordResult = void | Promise<void>;

export interface AuditClient extends SeedHelpers<RecordResult> {
  /**
   * Takes the event and returns at once; it is sent in a batch shortly after. Returns a promise
   * only when the buffer is full and the policy is `block` (await it to wait for room).
   */
  record(event: AuditEvent): RecordResult;
  /** Resolves once every event recorded before the call is stored by Stele (rejects after timeoutMs, if given). */
  flush(timeoutMs?: number): Promise<void>;
  /** Stops taking events, delivers or spills what is left (closeTimeoutMs at most), closes connections. */
  close(): Promise<CloseResult>;
  stats(): DeliveryStats;
  /** Reading the log: list (a page at a time), get, feed (continuous, by seq). */
  events: EventReader;
  /** Client-side checks of inclusion and consistency proofs against the pinned note key. */
  verify: Verifier;
}

const DEFAULTS = {
  batchSize: 100, flushIntervalMs: 200, maxInFlight: 8, maxBufferedEvents: 10_000, onBufferFull: 'drop' as BufferFullPolicy,
  maxSpillBytes: 256 * 1024 * 1024, closeTimeoutMs: 10_000,
};

function positiveInteger(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new TypeError(`${name} must be a whole number from 1 to ${max} (got ${value})`);
  return value;
}

/** Warnings to stderr, at most one a minute, so an outage does not flood the application's logs. */
function throttledWarning(): (error: Error) => void {
  let last = 0;
  let skipped = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < 60_000) {
      skipped++;
      return;
    }
    process.emitWarning(`${error.message}${skipped > 0 ? ` (${skipped} more such messages in the last minute)` : ''}`, 'SteleAuditWarning');
    last = now;
    skipped = 0;
  };
}

export function createAuditClient(options: AuditClientOptions = {}): AuditClient {
  const url = options.url ?? process.env.STELE_URL;
  const apiKey = options.apiKey ?? process.env.STELE_API_KEY;
  if (!url) throw new TypeError('createAuditClient needs the url of Stele (or STELE_URL)');
  if (!apiKey) throw new TypeError('createAuditClient needs an apiKey (or STELE_API_KEY)');
  const maxInFlight = positiveInteger('maxInFlight', options.maxInFlight, DEFAULTS.maxInFlight, 64);
  const transport = createTransport({ url, apiKey, timeoutMs: options.requestTimeoutMs ?? 30_000, maxSockets: maxInFlight + 4 });
  const onBufferFull = options.onBufferFull ?? DEFAULTS.onBufferFull;
  if (!['block', 'drop', 'throw'].includes(onBufferFull)) throw new TypeError(`onBufferFull must be block, drop or throw (got ${onBufferFull})`);
  const queue = createDeliveryQueue({
    transport,
    batchSize: positiveInteger('batchSize', options.batchSize, DEFAULTS.batchSize, 1000),
    flushIntervalMs: positiveInteger('flushIntervalMs', options.flushIntervalMs, DEFAULTS.flushIntervalMs),
    maxInFlight,
    maxBufferedEvents: positiveInteger('maxBufferedEvents', options.maxBufferedEvents, DEFAULTS.maxBufferedEvents),
    onBufferFull,
    ...(options.spillFile !== undefined && { spillFile: options.spillFile }),
    maxSpillBytes: positiveInteger('maxSpillBytes', options.maxSpillBytes, DEFAULTS.maxSpillBytes),
    backoff: options.backoff ?? {},
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs,
    onError: options.onError ?? throttledWarning(),
    onRejected: options.onRejected ?? ((rejected) => {
      for (const { event, error } of rejected) process.emitWarning(`Stele refused the event ${event.id} (${event.action}): ${error.message}`, 'SteleAuditWarning');
    }),
  });
  const events = createEventReader(transport);
  const record = (event: AuditEvent) => queue.record(event);

  // The typed helpers of the seed taxonomy: audit.auth.loginFailed({...}) records login.failed.
  const helpers = Object.fromEntries(Object.entries(SEED_TAXONOMY).map(([namespace, actions]) => [
    namespace,
    Object.fromEntries(Object.entries(actions).map(([method, seed]) => [
      method,
      (event: HelperEvent = {}) => record({ ...('success' in seed && { success: seed.success }), ...event, action: seed.action }),
    ])),
  ])) as unknown as SeedHelpers<RecordResult>;

  return {
    ...helpers,
    record,
    flush: (timeoutMs) => queue.flush(timeoutMs),
    close: () => queue.close(),
    stats: () => queue.stats(),
    events,
    verify: createVerifier(transport, events, options),
  };
}
