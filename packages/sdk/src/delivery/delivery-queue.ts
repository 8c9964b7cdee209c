// The delivery queue behind record(): events wait in memory and leave in batches (when a batch is
// full, or after flushIntervalMs), a few batches at once. When Stele does not take a batch (it is
// restarting, unreachable, or answers 429/5xx) the same events, with the same ids, are sent again
// after an exponential backoff with jitter that honours Retry-After, one batch at a time until one
// gets through. With a spill file, such events go to the file instead, and so does everything
// recorded until the file has been sent in full. Memory holds at most maxBufferedEvents; past that
// the buffer-full policy decides: block (record() returns a promise to await), drop (counted),
// or throw (fail closed).
//
// Every admitted event gets a sequence number, so flush() can wait for exactly the events recorded
// before it: batches are contiguous runs of them, and the spill file is a list of runs.

import { prepareEvent, withIds, type AuditEvent, type PreparedEvent, type QueuedEvent } from '../event.js';
import { backoffDelay, type BackoffPolicy } from '../http/backoff.js';
import type { SteleApiError, Transport } from '../http/transport.js';
import { notJson, postBatch, type BatchOutcome } from './post-batch.js';
import { openSpillFile, type SpillFile } from './spill-file.js';

export type BufferFullPolicy = 'block' | 'drop' | 'throw';

/** record() with the buffer full and the policy `throw`: the event was not taken. */
export class BufferFullError extends Error {
  override readonly name = 'BufferFullError';
}

/** record() after close(). */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

/** Events Stele refused for good (a 400 naming them, a 409 for a reused id), with the reason each. */
export type RejectedEvents = { event: PreparedEvent; error: SteleApiError }[];

export interface DeliveryOptions {
  transport: Transport;
  batchSize: number;
  flushIntervalMs: number;
  maxInFlight: number;
  maxBufferedEvents: number;
  onBufferFull: BufferFullPolicy;
  spillFile?: string;
  maxSpillBytes: number;
  backoff: BackoffPolicy;
  closeTimeoutMs: number;
  onError: (error: Error) => void;
  onRejected: (rejected: RejectedEvents) => void;
}

export interface DeliveryStats {
  /** Events record() took (blocked ones once they got in). */
  recorded: number;
  /** Events Stele has stored. */
  delivered: number;
  /** Events Stele refused for good (see onRejected). */
  rejected: number;
  /** Events the `drop` policy dropped. */
  dropped: number;
  /** Events in memory, not yet stored or spilled. */
  buffered: number;
  /** Events waiting in the spill file. */
  spilled: number;
  /** Failed attempts in a row (0 while Stele takes the batches). */
  failures: number;
  lastError?: string;
}

export interface CloseResult {
  delivered: number;
  /** Events left in the spill file for the next run. */
  spilled: number;
  /** Events that were neither delivered nor spilled (Stele unreachable until the close timeout, and no spill file). */
  lost: number;
}

export interface DeliveryQueue {
  record(event: AuditEvent): void | Promise<void>;
  flush(timeoutMs?: number): Promise<void>;
  close(): Promise<CloseResult>;
  stats(): DeliveryStats;
}

interface Batch {
  /** Sequence number of the batch's first event (its events are the next ones, in order, less any refused). */
  start: number;
  events: PreparedEvent[];
}

/** A run of the spill file: its bytes, its events, and the lowest sequence number in it (-1 for a previous run's). */
interface SpillRun {
  bytes: number;
  events: number;
  minSeq: number;
}

export function createDeliveryQueue(options: DeliveryOptions): DeliveryQueue {
  const { transport, batchSize, maxInFlight, maxBufferedEvents } = options;
  const stats = { recorded: 0, delivered: 0, rejected: 0, dropped: 0, failures: 0, lastError: undefined as string | undefined };

  let nextSeq = 0;
  let pending: QueuedEvent[] = [];
  let pendingStart = 0;
  const blocked: { event: QueuedEvent; admitted: () => void }[] = [];
  const inFlight = new Set<Batch>();
  const retry: Batch[] = [];
  /** Events in batches in flight or waiting to be retried (those being written to the spill file are in spillWrites). */
  let outEvents = 0;
  let flushTimer: NodeJS.Timeout | undefined;
  let flushDue = false;
  let pausedUntil = 0;
  let resumeTimer: NodeJS.Timeout | undefined;
  let fullReported = false;

  // The spill file, once open; spilling: events go to it until it has been sent in full.
  let spill: SpillFile | undefined;
  let spillBroken = false;
  let spilling = false;
  const spillRuns: SpillRun[] = [];
  const spillWrites: { minSeq: number; events: number }[] = [];
  let draining = false;
  let drainTimer: NodeJS.Timeout | undefined;

  interface Waiter {
    target: number;
    resolve: () => void;
    reject: (error: Error) => void;
  }
  const waiters: Waiter[] = [];
  /** close() waiting until every event is delivered or safe in the spill file. */
  let onDurable: (() => void) | undefined;
  let closing = false;
  /** Past close()'s wait: nothing is sent or retried any more. */
  let closedForGood = false;
  let closed: Promise<CloseResult> | undefined;
  let lost = 0;

  // Retry waits do not keep the process alive on their own (an application that ends while Stele
  // is down is not held hostage), but while flush() or close() is awaited they do.
  const waited = () => waiters.length > 0 || closing;
  const retryTimer = (work: () => void, ms: number) => {
    const timer = setTimeout(work, ms);
    if (!waited()) timer.unref();
    return timer;
  };
  const holdRetryTimers = () => {
    resumeTimer?.ref();
    drainTimer?.ref();
  };

  const spillReady: Promise<SpillFile | undefined> = options.spillFile === undefined
    ? Promise.resolve(undefined)
    : openSpillFile(options.spillFile).then((file) => {
      spill = file;
      if (file.size() > 0) {
        spillRuns.push({ bytes: file.size(), events: file.linesAtOpen, minSeq: -1 });
        spilling = true;
        drainSoon(0);
      }
      return file;
    }, (error: Error) => {
      spillBroken = true;
      options.onError(new Error(`the spill file cannot be used, events stay in memory only: ${error.message}`));
      return undefined;
    });
  // Always handled above; this keeps an unobserved rejection from being reported.
  spillReady.catch(() => undefined);

  /** Events held in memory against maxBufferedEvents; those on their way to the spill file are not. */
  const memory = () => pending.length + outEvents;
  const beingSpilled = () => spillWrites.reduce((sum, write) => sum + write.events, 0);
  const spillUsable = () => options.spillFile !== undefined && !spillBroken;

  function record(input: AuditEvent): void | Promise<void> {
    if (closing) throw new ClientClosedError('the audit client is closed');
    const event = prepareEvent(input);
    if (blocked.length > 0) return block(event);
    // Stele is slower than the application: the file takes the load, one write at a time, so
    // memory holds at most the buffer and the write on its way to disk.
    if (memory() >= maxBufferedEvents && spillUsable() && spill && spill.size() < options.maxSpillBytes && spillWrites.length === 0) {
      spilling = true;
      writeToSpill();
    }
    if (memory() >= maxBufferedEvents) return whenFull(event);
    admit(event);
  }

  function whenFull(event: QueuedEvent): void | Promise<void> {
    if (!fullReported) {
      fullReported = true;
      options.onError(new BufferFullError(`the audit buffer is full (${maxBufferedEvents} events): Stele is not taking events as fast as they come; policy ${options.onBufferFull}`));
    }
    switch (options.onBufferFull) {
      case 'drop':
        stats.dropped++;
        return;
      case 'throw':
        throw new BufferFullError(`the audit buffer is full (${maxBufferedEvents} events); the event ${event.action} was not recorded`);
      case 'block':
        return block(event);
    }
  }

  function block(event: QueuedEvent): Promise<void> {
    return new Promise((admitted) => blocked.push({ event, admitted }));
  }

  function admit(event: QueuedEvent): void {
    pending.push(event);
    nextSeq++;
    stats.recorded++;
    if (pending.length >= batchSize) pumpSoon();
    else if (flushTimer === undefined && !flushDue) flushTimer = setTimeout(onFlushTimer, options.flushIntervalMs);
  }

  // A full batch leaves on the next turn of the event loop, not inside record(): serialising a
  // batch takes about a millisecond, which would otherwise land on one unlucky caller.
  let pumpScheduled = false;
  function pumpSoon(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  }

  function onFlushTimer(): void {
    flushTimer = undefined;
    flushDue = true;
    pump();
  }

  /** Starts what can start now: batches to send, or pending events to write to the spill file. */
  function pump(): void {
    if (closedForGood) return;
    if (spilling) {
      if (pending.length > 0 && (flushDue || closing || pending.length >= batchSize)) writeToSpill();
    } else if (Date.now() >= pausedUntil) {
      const limit = stats.failures > 0 ? 1 : maxInFlight; // after a failure, one batch probes
      while (inFlight.size < limit && retry.length > 0) send(retry.shift()!);
      while (inFlight.size < limit && pending.length > 0 && (pending.length >= batchSize || flushDue || closing)) {
        const events = pending.length <= batchSize ? pending : pending.slice(0, batchSize);
        pending = events === pending ? [] : pending.slice(batchSize);
        const batch = { start: pendingStart, events: withIds(events) };
        pendingStart += events.length;
        outEvents += events.length;
        send(batch);
      }
    }
    if (pending.length === 0) {
      flushDue = false;
      if (flushTimer !== undefined) clearTimeout(flushTimer);
      flushTimer = undefined;
    } else if (flushTimer === undefined && !flushDue) {
      flushTimer = setTimeout(onFlushTimer, options.flushIntervalMs);
    }
  }

  function count(outcome: BatchOutcome, retried: number): void {
    stats.delivered += outcome.stored;
    if (outcome.rejected.length > 0) {
      stats.rejected += outcome.rejected.length;
      options.onRejected(outcome.rejected);
    }
    if (retried === 0) {
      stats.failures = 0;
      fullReported = false;
    }
  }

  function failed(reason: Error, retryAfter?: number): number {
    stats.failures++;
    stats.lastError = reason.message;
    const wait = backoffDelay(stats.failures, options.backoff, retryAfter);
    options.onError(new Error(`Stele did not take a batch (${reason.message}); trying again in ${wait} ms`, { cause: reason }));
    return wait;
  }

  function send(batch: Batch): void {
    inFlight.add(batch);
    postBatch(transport, batch.events).then((outcome) => {
      inFlight.delete(batch);
      const again = outcome.retry?.events ?? [];
      count(outcome, again.length);
      outEvents -= batch.events.length - again.length;
      if (outcome.retry) {
        const wait = failed(outcome.retry.reason, outcome.retry.retryAfterMs);
        const rest = { start: batch.start, events: again };
        if (spillUsable() && !closedForGood) {
          spilling = true;
          outEvents -= again.length;
          writeToSpill(rest);
          drainSoon(wait);
        } else {
          retry.unshift(rest);
          pause(wait);
        }
      }
      settled();
      pump();
    }, (bug: Error) => {
      // postBatch rejects only for a fault of ours; keep the events and say so.
      inFlight.delete(batch);
      retry.unshift(batch);
      pause(failed(bug));
      settled();
    });
  }

  function pause(wait: number): void {
    if (closedForGood) return;
    // The later resume time holds: a batch that fails after a 503 with Retry-After (a connection
    // reset, with its short backoff) must not cut short the wait Stele asked for.
    const until = Date.now() + wait;
    if (resumeTimer !== undefined && until <= pausedUntil) return;
    pausedUntil = until;
    if (resumeTimer !== undefined) clearTimeout(resumeTimer);
    resumeTimer = retryTimer(() => {
      resumeTimer = undefined;
      // The wait is over. A timer may fire a few milliseconds before Date.now() reaches
      // pausedUntil (timers count from the event loop's cached time): pump() must not then find
      // itself still paused, with no timer left to wake it.
      pausedUntil = 0;
      pump();
    }, wait);
  }

  // ---- The spill file ----

  /** Writes a failed batch (or, without one, all pending events) to the spill file, in order. */
  function writeToSpill(batch?: Batch): void {
    let run: Batch;
    if (batch) {
      run = batch;
    } else {
      run = { start: pendingStart, events: withIds(pending) };
      pendingStart += pending.length;
      pending = [];
    }
    if (run.events.length === 0) return;
    const write = { minSeq: run.start, events: run.events.length };
    spillWrites.push(write);
    spillReady
      .then((file) => {
        if (!file) throw new Error('the spill file is not open');
        return file.append(run.events);
      })
      .then(({ bytes, unwritable }) => {
        if (unwritable.length > 0) count({ stored: 0, rejected: unwritable.map((event) => ({ event, error: notJson(event) })) }, 1);
        spillRuns.push({ bytes, events: run.events.length - unwritable.length, minSeq: run.start });
        spilling = true; // the file holds events again (it may have been emptied meanwhile)
      }, (error: Error) => {
        // The disk failed us: keep the events in memory and stop spilling.
        spillBroken = true;
        options.onError(new Error(`could not write to the spill file, events stay in memory only: ${error.message}`));
        retry.push({ start: run.start, events: run.events });
        outEvents += run.events.length;
        if (spillRuns.length === 0) spilling = false;
      })
      .finally(() => {
        spillWrites.splice(spillWrites.indexOf(write), 1);
        settled();
        drainSoon(0);
        pump();
      });
  }

  function drainSoon(wait: number): void {
    if (draining || drainTimer !== undefined || !spilling) return;
    drainTimer = retryTimer(() => {
      drainTimer = undefined;
      void drain();
    }, wait);
  }

  /** Sends the spill file from where delivery stands, one batch at a time, and empties it once all is sent. */
  async function drain(): Promise<void> {
    const file = await spillReady;
    if (!file || draining || closedForGood) return;
    draining = true;
    try {
      while (!closedForGood) {
        const read = await file.read(batchSize);
        if (read.events.length === 0 && read.bytes === 0) {
          if (pending.length > 0) {
            writeToSpill(); // what came in while draining goes behind it; drained next round
            return;
          }
          if (spillWrites.length > 0) return; // a write in progress calls drainSoon when done
          if (!(await file.reset())) continue; // an append came in meanwhile: send it too
          spillRuns.length = 0;
          spilling = false;
          settled();
          pump();
          return;
        }
        const outcome = read.events.length > 0 ? await postBatch(transport, read.events) : { stored: 0, rejected: [] };
        if (outcome.retry) {
          // Nothing of this read is counted yet: it is all sent again (resends are no-ops for Stele).
          drainTimer = retryTimer(() => {
            drainTimer = undefined;
            void drain();
          }, failed(outcome.retry.reason, outcome.retry.retryAfterMs));
          return;
        }
        count(outcome, 0);
        if (read.unreadable > 0) options.onError(new Error(`${read.unreadable} lines of the spill file ${file.path} were not events and were skipped`));
        file.advance(read.bytes);
        consumeSpillRuns(read.bytes, read.events.length + read.unreadable);
        settled();
      }
    } finally {
      draining = false;
    }
  }

  function consumeSpillRuns(bytes: number, events: number): void {
    while (bytes > 0 && spillRuns.length > 0) {
      const run = spillRuns[0]!;
      const take = Math.min(bytes, run.bytes);
      const share = take === run.bytes ? run.events : Math.min(run.events, events);
      run.bytes -= take;
      run.events -= share;
      bytes -= take;
      events -= share;
      if (run.bytes === 0) spillRuns.shift();
    }
  }

  // ---- Waiting for delivery ----

  /** The lowest sequence number not yet settled (delivered, refused or dropped). */
  function outstandingFrom(): number {
    let min = blocked.length > 0 ? nextSeq : Number.POSITIVE_INFINITY;
    if (pending.length > 0) min = Math.min(min, pendingStart);
    for (const batch of inFlight) min = Math.min(min, batch.start);
    for (const batch of retry) min = Math.min(min, batch.start);
    for (const write of spillWrites) min = Math.min(min, write.minSeq);
    for (const run of spillRuns) min = Math.min(min, run.minSeq);
    return min;
  }

  function settled(): void {
    while (blocked.length > 0 && memory() < maxBufferedEvents) {
      const { event, admitted } = blocked.shift()!;
      admit(event);
      admitted();
    }
    if (onDurable && spilling && stats.failures > 0 && memory() === 0 && spillWrites.length === 0) onDurable();
    if (waiters.length === 0) return;
    const from = outstandingFrom();
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.target < from) waiters.splice(i, 1)[0]!.resolve();
    }
  }

  /** Resolves once every event up to `target` is settled; rejects after timeoutMs, if given, or when the client closes first. */
  function whenSettled(target: number, timeoutMs?: number): Promise<void> {
    if (target < outstandingFrom()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(error);
        },
      };
      waiters.push(waiter);
      holdRetryTimers();
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => waiter.reject(new Error(`flush: events still unsent after ${timeoutMs} ms (Stele unreachable? see stats().lastError)`)), timeoutMs);
      }
    });
  }

  function flush(timeoutMs?: number): Promise<void> {
    const target = nextSeq + blocked.length - 1;
    flushDue = true;
    pump();
    drainSoon(0);
    return whenSettled(target, timeoutMs);
  }

  // ---- Closing ----

  /**
   * Sends what is left, for up to closeTimeoutMs: until all is delivered, or, with a spill file,
   * until Stele is failing and everything is in the file, which the next run sends.
   */
  async function close(): Promise<CloseResult> {
    closing = true;
    // Blocked events were recorded: they go out too.
    for (const { event, admitted } of blocked.splice(0)) {
      admit(event);
      admitted();
    }
    let timedOut = false;
    const durable = new Promise<void>((resolve) => {
      onDurable = resolve;
    });
    settled(); // everything may be in the file already
    await Promise.race([flush(options.closeTimeoutMs), durable]).catch(() => {
      timedOut = true;
    });
    closedForGood = true;
    for (const waiter of [...waiters]) waiter.reject(new ClientClosedError('the audit client closed before these events were delivered'));
    if (drainTimer !== undefined) clearTimeout(drainTimer);
    if (resumeTimer !== undefined) clearTimeout(resumeTimer);
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    if (timedOut) {
      // Requests still out are cut off; what they carried is kept like the rest.
      transport.close();
      while (inFlight.size > 0 || draining) await new Promise((resolve) => setTimeout(resolve, 10));
      const left = [...retry.splice(0).flatMap((batch) => batch.events), ...withIds(pending.splice(0))];
      pendingStart += left.length;
      if (left.length > 0 && spillUsable() && spill) {
        const written = await spill.append(left).catch((error: Error) => {
          options.onError(new Error(`could not write to the spill file at close: ${error.message}`));
          return undefined;
        });
        if (written) spillRuns.push({ bytes: written.bytes, events: left.length - written.unwritable.length, minSeq: -1 });
        else lost += left.length;
      } else {
        lost += left.length;
      }
      outEvents = 0;
    }
    while (spillWrites.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const file = await spillReady;
    await file?.close();
    transport.close();
    if (lost > 0) options.onError(new Error(`${lost} audit events were not delivered: Stele was unreachable until the close timeout and there is no spill file`));
    return { delivered: stats.delivered, spilled: spilledEvents(), lost };
  }

  const spilledEvents = () => spillRuns.reduce((sum, run) => sum + run.events, 0);

  return {
    record,
    flush,
    close: () => (closed ??= close()),
    stats: () => ({
      recorded: stats.recorded,
      delivered: stats.delivered,
      rejected: stats.rejected,
      dropped: stats.dropped,
      buffered: memory() + beingSpilled() + blocked.length,
      spilled: spilledEvents(),
      failures: stats.failures,
      ...(stats.lastError !== undefined && { lastError: stats.lastError }),
    }),
  };
}
