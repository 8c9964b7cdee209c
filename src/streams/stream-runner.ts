// Delivers one stream, on the node holding its lease: reads the next events after the cursor in
// seq order (selected in SQL by the stream's filter), cuts them into requests that fit the
// destination, sends them one after the other, and moves the cursor (in the database) only past
// what the receiver accepted. So delivery is ordered and at-least-once, and a restart re-sends at
// most the request that was in flight.
//
// A failure is retried with exponential backoff and jitter (background/backoff.ts), never sooner
// than the receiver's Retry-After; after `failingAfterMs` of failures in a row the stream is
// `failing` (a `stream.failing` event), and the first success after that records
// `stream.recovered`. A receiver that says it is gone (410) disables the stream until resumed.
// Runs in its own worker loop, kicked when this process commits events for the tenant and polled
// for what other processes commit.

import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { SYSTEM_REQUESTER } from '../audit-trail/requester.js';
import { backoffDelay, type BackoffPolicy } from '../background/backoff.js';
import type { Lease } from '../background/lease.js';
import type { SecretBox, SealedSecret } from '../background/secret-box.js';
import { createWorkerLoop, type WorkerLogger } from '../background/worker-loop.js';
import { SteleError } from '../domain/errors.js';
import type { StoredEvent } from '../domain/event.js';
import type { ProductInfo } from '../export/formats/index.js';
import type { CommitNotifier } from '../feed/commit-notifier.js';
import type { Store } from '../store/port.js';
import { splitIntoBatches } from './batches.js';
import { checkHosts, type HostAllowList } from './destinations/allowed-hosts.js';
import type { SharedReads } from './shared-reads.js';
import { DESTINATIONS, type DestinationClient, type ReceiverAnswer } from './destinations/index.js';
import { streamTarget } from './stream-audit.js';
import { secretsContext, type DeliveryState, type StreamRecord, type StreamRepository } from './stream-repository.js';
import type { StreamSelection } from './stream-selection.js';

export interface StreamRunnerDeps {
  store: Store;
  /** Reads of a tenant's recent events, shared by its streams with the same filter. */
  reads: SharedReads;
  streams: StreamRepository;
  selection: StreamSelection;
  secrets: SecretBox;
  trail: Pick<AuditTrail, 'record'>;
  commits: CommitNotifier;
  log: WorkerLogger & { warn(object: object, message: string): void };
  now: () => number;
  product: ProductInfo;
  hostname: string;
  /** How long one request may take. */
  requestTimeoutMs: number;
  /** How long failures must last before the stream is declared failing. */
  failingAfterMs: number;
  backoff: BackoffPolicy;
  /** How often to look for events other processes committed. */
  pollMs: number;
  /** Most events read from the database at a time (cut into requests by the destination's limits). */
  readLimit: number;
  /** How long a commit's wake-up waits for more commits to send along (latency traded for fewer, larger requests). */
  lingerMs: number;
  latestCheckpoint(tenantId: string): Promise<{ tree_size: number; note: string; note_key: string } | undefined>;
  /** Hosts streams may send to (STELE_STREAM_HOSTS). */
  hosts: HostAllowList;
}

/** What the deliverer does with a stream that is gone, paused or disabled: stop, and say why. */
export type FinishReason = 'deleted' | 'paused' | 'disabled' | 'lease lost';

export interface StreamRunner {
  readonly finished: FinishReason | undefined;
  start(): void;
  /** Look at the stream now (it was changed here: paused, replayed, edited). */
  kick(): void;
  /** Stops at once (aborting a request in flight, whose batch is then sent again) and closes connections. */
  stop(): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Opens a stream's destination client with its secrets. */
export function openClient(deps: Pick<StreamRunnerDeps, 'secrets' | 'product' | 'hostname' | 'requestTimeoutMs' | 'now' | 'latestCheckpoint' | 'hosts'>, stream: StreamRecord, sealed: SealedSecret): DestinationClient {
  const secrets = deps.secrets.open<Record<string, string>>(sealed, secretsContext(stream.tenant_id, stream.id));
  checkHosts(DESTINATIONS[stream.type], stream.config, secrets, deps.hosts);
  return DESTINATIONS[stream.type].open({
    tenantId: stream.tenant_id, streamId: stream.id, config: stream.config, secrets, format: stream.format, product: deps.product,
    hostname: deps.hostname, timeoutMs: deps.requestTimeoutMs, now: deps.now, latestCheckpoint: () => deps.latestCheckpoint(stream.tenant_id),
  });
}

export function createStreamRunner(deps: StreamRunnerDeps, tenantId: string, id: string, lease: Lease, onFinished: () => void): StreamRunner {
  let finished: FinishReason | undefined;
  let delivery: DeliveryState | undefined;
  let client: { version: string; client: DestinationClient } | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  const stopping = new AbortController();

  const finish = (reason: FinishReason) => {
    if (finished) return;
    finished = reason;
    queueMicrotask(onFinished);
  };
  const save = async () => {
    if (!(await deps.streams.saveDelivery(tenantId, id, delivery!))) finish('deleted');
  };
  const wakeIn = (ms: number) => {
    clearTimeout(wakeTimer);
    wakeTimer = setTimeout(() => loop.kick(), ms);
    wakeTimer.unref();
  };

  /** Undefined when the credentials the stream record points at are gone. */
  async function clientFor(stream: StreamRecord): Promise<DestinationClient | undefined> {
    if (client?.version === stream.updated_at) return client.client;
    await client?.client.close();
    client = undefined;
    const sealed = await deps.streams.secrets(stream);
    if (!sealed) return undefined;
    client = { version: stream.updated_at, client: openClient(deps, stream, sealed) };
    return client.client;
  }

  async function succeeded(count: number, cursor: number): Promise<void> {
    const state = delivery!;
    const at = deps.now();
    const wasFailing = state.failing ? state.failing_since : null;
    Object.assign(state, {
      cursor, delivered: state.delivered + count, last_success_at: iso(at), failures: 0, failing_since: null, failing: false, next_attempt_at: null,
    });
    await save();
    if (wasFailing !== null) await recordHealth('stream.recovered', { failing_for_seconds: Math.round((at - Date.parse(wasFailing)) / 1000) }, true);
  }

  async function failed(stream: StreamRecord, answer: ReceiverAnswer): Promise<void> {
    const state = delivery!;
    const at = deps.now();
    state.failures += 1;
    state.failing_since ??= iso(at);
    state.last_error = {
      at: iso(at), message: (answer.error ?? 'the receiver refused the batch').slice(0, 2000),
      ...(answer.status !== undefined && { status: answer.status }), ...(answer.body && { body: answer.body }),
    };
    if (answer.disable) {
      state.disabled = { generation: stream.enable_generation, at: iso(at), reason: state.last_error.message };
      state.next_attempt_at = null;
      await save();
      await recordHealth('stream.disabled', { reason: state.last_error.message, ...(answer.status !== undefined && { status: answer.status }) }, false);
      finish('disabled');
      return;
    }
    const delay = backoffDelay(state.failures, deps.backoff, answer.retryAfterMs);
    state.next_attempt_at = iso(at + delay);
    const declare = !state.failing && at - Date.parse(state.failing_since) >= deps.failingAfterMs;
    if (declare) state.failing = true;
    await save();
    if (declare) {
      await recordHealth('stream.failing', {
        since: state.failing_since, failures: state.failures, last_error: state.last_error.message, ...(answer.status !== undefined && { status: answer.status }),
      }, false);
    }
    wakeIn(delay);
  }

  async function recordHealth(action: 'stream.failing' | 'stream.recovered' | 'stream.disabled', details: Record<string, string | number | null>, success: boolean): Promise<void> {
    const stream = await deps.streams.get(tenantId, id);
    if (!stream) return;
    try {
      await deps.trail.record(tenantId, {
        action, ...SYSTEM_REQUESTER, success, target: streamTarget(stream),
        details: { type: stream.type, cursor: delivery!.cursor, ...details },
      });
    } catch (error) {
      deps.log.error({ err: error, stream_id: id, tenant_id: tenantId }, `could not record ${action}`);
    }
  }

  /** Applies what the API asked for since the last pass: a replay, a resume after a disable. */
  async function applyRequests(stream: StreamRecord): Promise<void> {
    const state = delivery!;
    let changed = false;
    if (stream.replay && stream.replay.generation > state.replay_generation) {
      Object.assign(state, { cursor: stream.replay.cursor, replay_generation: stream.replay.generation, next_attempt_at: null });
      changed = true;
    }
    if (state.disabled && state.disabled.generation < stream.enable_generation) {
      Object.assign(state, { disabled: null, failures: 0, next_attempt_at: null });
      changed = true;
    }
    if (changed) await save();
  }

  /**
   * Whether the API changed the stream since `stream` was read: paused, deleted, replayed, edited
   * (a new updated_at) or enabled again. Asked between requests, so that such a change takes
   * effect after the request in flight rather than after the whole backlog: the pass ends, and the
   * next, at once, starts from the record as it is now (finishing when paused, moving the cursor
   * for a replay, opening the destination again for new settings).
   */
  async function changedSince(stream: StreamRecord): Promise<boolean> {
    const now = await deps.streams.get(tenantId, id);
    if (!now) {
      finish('deleted');
      return true;
    }
    const changed = now.paused || now.updated_at !== stream.updated_at || now.enable_generation !== stream.enable_generation
      || (now.replay?.generation ?? 0) !== (stream.replay?.generation ?? 0);
    if (changed) loop.kick();
    return changed;
  }

  /** The stream's events after `afterSeq` (up to the head read now), and how far that read saw. */
  async function readAfter(stream: StreamRecord, afterSeq: number): Promise<{ events: StoredEvent[]; seenThrough: number }> {
    const size = (await deps.store.getHead(tenantId)).size;
    if (size <= afterSeq) return { events: [], seenThrough: afterSeq };
    const condition = await deps.selection.condition(tenantId, stream.filter, deps.now());
    const events = await deps.reads.read(tenantId, condition, afterSeq, size, deps.readLimit);
    // A short read saw every event up to the head: the cursor may pass the ones the filter left out.
    return { events, seenThrough: events.length === deps.readLimit ? events[events.length - 1]!.seq : size };
  }

  /**
   * Reads and sends until the stream has caught up with the log, a request fails, or the API
   * changed the stream (looked at after each accepted request that is not the pass's last). While
   * one read's requests are out, the next read is already under way (a backlog goes out at the
   * pace of the receiver, not of the receiver plus the database); it is dropped if a request fails
   * or the pass ends for a change.
   */
  async function deliver(stream: StreamRecord, signal: AbortSignal): Promise<void> {
    const destination = DESTINATIONS[stream.type];
    let sender: DestinationClient | undefined;
    try {
      sender = await clientFor(stream);
    } catch (error) {
      // The secrets do not open (another node's STELE_SECRETS_KEY_FILE) or the host is no longer
      // allowed: say so on the stream.
      return failed(stream, { ok: false, error: `cannot open the stream's destination: ${(error as Error).message}` });
    }
    if (!sender) {
      // A PUT replaced the credentials after this pass read the stream (it removes the old ones once
      // the stream points at the new): the next pass starts at once from the stream as it is now.
      if (await changedSince(stream)) return;
      return failed(stream, { ok: false, error: 'cannot open the stream\'s destination: its credentials are gone' });
    }
    let next = readAfter(stream, delivery!.cursor);
    while (!signal.aborted && !finished) {
      const state = delivery!;
      let read: Awaited<typeof next>;
      try {
        read = await next;
      } catch (error) {
        // The filter no longer compiles (its saved search was deleted): the stream cannot go on.
        if (error instanceof SteleError) return failed(stream, { ok: false, error: `the stream's filter: ${error.message}` });
        throw error;
      }
      const { events, seenThrough } = read;
      if (events.length === 0) {
        if (seenThrough > state.cursor) {
          state.cursor = seenThrough;
          await save();
        }
        return;
      }
      const full = events.length === deps.readLimit;
      if (full) {
        next = readAfter(stream, seenThrough);
        next.catch(() => undefined); // judged when awaited; never unhandled if a request fails first
      }
      const batches = splitIntoBatches(events, (event) => sender.encode(event), destination.limits);
      for (const [i, batch] of batches.entries()) {
        const answer = await sender.send(batch, signal);
        if (signal.aborted) return; // stopping: the batch is sent again by whoever delivers next
        if (answer.ok) {
          const last = i === batches.length - 1;
          await succeeded(batch.events.length, last ? seenThrough : batch.events[batch.events.length - 1]!.seq);
          // The cursor is written: a pause, replay or edit asked meanwhile applies before the next request.
          if ((full || !last) && (finished || (await changedSince(stream)))) return;
          continue;
        }
        const accepted = Math.min(answer.acceptedPrefix ?? 0, batch.events.length - 1);
        if (accepted > 0) await succeeded(accepted, batch.events[accepted - 1]!.seq);
        return failed(stream, answer);
      }
      // A short read reached the head: what commits next waits for the next wake (and its linger),
      // so a busy log is sent in a few large requests rather than one small request per commit.
      if (!full) return;
    }
  }

  const loop = createWorkerLoop({
    name: `stream ${id}`,
    pollMs: deps.pollMs,
    log: deps.log,
    async pass(loopSignal) {
      if (finished) return;
      const signal = AbortSignal.any([loopSignal, lease.signal]);
      if (lease.signal.aborted) return finish('lease lost');
      const stream = await deps.streams.get(tenantId, id);
      delivery ??= await deps.streams.delivery(tenantId, id);
      if (!stream || !delivery) return finish('deleted');
      await applyRequests(stream);
      if (stream.paused) return finish('paused');
      if (delivery.disabled) return finish('disabled');
      const wait = delivery.next_attempt_at ? Date.parse(delivery.next_attempt_at) - deps.now() : 0;
      if (wait > 0) return wakeIn(wait);
      try {
        await deliver(stream, signal);
      } catch (error) {
        if (lease.signal.aborted) return finish('lease lost');
        throw error;
      }
      if (lease.signal.aborted) finish('lease lost');
    },
  });

  // A commit wakes the stream after `lingerMs`, so the commits of that moment go out together.
  async function wakeOnCommits(): Promise<void> {
    while (!stopping.signal.aborted) {
      await deps.commits.wait(tenantId, 60_000, stopping.signal);
      if (deps.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, deps.lingerMs).unref());
      if (!stopping.signal.aborted) loop.kick();
    }
  }

  return {
    get finished() {
      return finished;
    },
    start() {
      loop.start();
      void wakeOnCommits();
    },
    kick: () => loop.kick(),
    async stop() {
      stopping.abort();
      clearTimeout(wakeTimer);
      await loop.stop();
      await client?.client.close().catch(() => undefined);
      client = undefined;
    },
  };
}
