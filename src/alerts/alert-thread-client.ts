// The serving thread's side of the alerts thread (alert-thread.ts), on the shared feature thread
// (background/feature-thread.ts): tells it what each commit stored, as seqs or as the events
// themselves (handOver; gathered per tenant and turn of the event loop, so a burst of small
// commits is one message) and which tenants' rules
// changed, wakes the notification worker when it asks, and waits for it to be idle. A tenant the
// serving thread's rule cache knows to have no rule is not even told. It has the evaluator's shape
// (onCommitted, idle), so ingest hands batches over the same way.

import { createFeatureThread, type FeatureThreadOptions } from '../background/feature-thread.js';
import type { Config } from '../config.js';
import type { AppendOutcome, PendingEvent } from '../store/port.js';
import { feedsAlerts, type SeqRun } from './alert-evaluator.js';

/** How soon commits that found no thread are offered again. */
const RETRY_MS = 250;
/** How long `settled` waits for the thread's answer before it says "not yet". */
const SETTLED_WAIT_MS = 30_000;

/** What the thread starts with: plain data (it crosses to the thread by structured clone). */
export interface AlertThreadData {
  config: Config;
  /** Events carry geo.country: "new location" is by country. */
  countries: boolean;
}

export type ToAlertThread =
  | { type: 'committed'; tenants: [tenantId: string, runs: SeqRun[]][] }
  // The events as one JSON text: a string crosses to the thread as a copy of its bytes, where
  // structured clone would walk every object on the serving thread and rebuild it on the other
  // (JSON.stringify + JSON.parse cost about two thirds of serialize + deserialize for these events).
  | { type: 'events'; tenants: [tenantId: string, seqs: number[], eventsJson: string][] }
  | { type: 'rules'; tenantId: string }
  | { type: 'idle'; id: number };

export type FromAlertThread = { type: 'kick' } | { type: 'idle'; id: number };

export interface AlertThreadOptions extends AlertThreadData, Pick<FeatureThreadOptions, 'trail' | 'store' | 'log'> {
  /** An alert has notifications to send. */
  kick(): void;
  /** The serving thread's cache of a tenant's rules (alert-service.ts): read, and known to be none. */
  rules(tenantId: string): Promise<unknown>;
  hasNoRules(tenantId: string): boolean;
  /**
   * How the thread learns what was committed: `seqs`, runs of seqs it reads back on its own
   * connection (SQLite, where the serving thread is what limits ingest), or `events`, the events
   * themselves, copied to the thread (PostgreSQL, where reading them back costs the database and
   * the driver more than the copy costs the serving thread).
   */
  handOver: 'seqs' | 'events';
}

export function createAlertThread(options: AlertThreadOptions) {
  const { trail, store, log, kick, rules, hasNoRules, handOver, ...data } = options;
  const idleWaiters = new Map<number, () => void>();
  let nextIdle = 0;
  const thread = createFeatureThread({
    name: 'alerts', entry: { beside: import.meta.url, name: 'alert-thread' }, data, trail, store, log,
    onMessage(message) {
      const m = message as FromAlertThread;
      if (m.type === 'kick') kick();
      else {
        idleWaiters.get(m.id)?.();
        idleWaiters.delete(m.id);
      }
    },
  });
  const post = (message: ToAlertThread) => thread.post(message);
  // This turn's commits, per tenant: runs of consecutive seqs, or the events with their seqs. Events
  // that found no thread wait as runs (compact), and the thread reads them back when it is there.
  const committedRuns = new Map<string, [number, number][]>();
  const committedEvents = new Map<string, { seqs: number[]; events: PendingEvent['event'][] }>();
  let flushing = false;

  function runsOf(tenantId: string): [number, number][] {
    let runs = committedRuns.get(tenantId);
    if (!runs) committedRuns.set(tenantId, (runs = []));
    return runs;
  }

  function addRun(tenantId: string, seq: number): void {
    const runs = runsOf(tenantId);
    const last = runs[runs.length - 1];
    if (last && last[1] + 1 === seq) last[1] = seq;
    else runs.push([seq, seq]);
  }

  function onCommitted(tenantId: string, outcomes: readonly AppendOutcome[], pending: readonly PendingEvent[]): void {
    // A tenant known here to have no rule costs the thread nothing, not even a message.
    if (hasNoRules(tenantId)) return;
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      const event = pending[i]?.event;
      if (event === undefined || !feedsAlerts(event.action, outcome.duplicate)) continue;
      if (handOver === 'seqs') addRun(tenantId, outcome.seq);
      else {
        let entry = committedEvents.get(tenantId);
        if (!entry) committedEvents.set(tenantId, (entry = { seqs: [], events: [] }));
        entry.seqs.push(outcome.seq);
        entry.events.push(event);
      }
      flushSoon();
    }
  }

  /** Sends what this turn gathered once the turn ends (one message for all of it). */
  function flushSoon(): void {
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  }

  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  function flush(): void {
    flushing = false;
    if (committedEvents.size > 0) {
      if (post({ type: 'events', tenants: [...committedEvents].map(([tenantId, { seqs, events }]) => [tenantId, seqs, JSON.stringify(events)]) })) refreshRules(committedEvents.keys());
      else for (const [tenantId, { seqs }] of committedEvents) for (const seq of seqs) addRun(tenantId, seq);
      committedEvents.clear();
    }
    if (committedRuns.size === 0) return;
    // While no thread runs (not started yet, or starting again after it died) the runs wait here,
    // growing with later commits, until one takes them: no commit goes unevaluated for that.
    if (!post({ type: 'committed', tenants: [...committedRuns] })) {
      if (!stopped) retry ??= setTimeout(() => { retry = undefined; flush(); }, RETRY_MS).unref();
      return;
    }
    refreshRules(committedRuns.keys());
    committedRuns.clear();
  }

  /** Keeps the cache hasNoRules answers from filled (a read only when it is stale). */
  function refreshRules(tenantIds: Iterable<string>): void {
    for (const tenantId of tenantIds) rules(tenantId).catch((error: unknown) => log.error({ err: error, tenantId }, 'reading alert rules failed'));
  }

  /**
   * Asks the thread to say when it has evaluated everything posted so far: true once it has; false
   * at once when no thread runs, or after `withinMs` without an answer.
   */
  function askIdle(withinMs?: number): Promise<boolean> {
    const id = nextIdle++;
    return new Promise<boolean>((resolve) => {
      const timer = withinMs === undefined ? undefined : setTimeout(() => {
        idleWaiters.delete(id);
        resolve(false);
      }, withinMs);
      idleWaiters.set(id, () => {
        clearTimeout(timer);
        resolve(true);
      });
      if (!post({ type: 'idle', id })) {
        idleWaiters.delete(id);
        clearTimeout(timer);
        resolve(false);
      }
    });
  }

  return {
    start: (): Promise<void> => thread.start(),
    onCommitted,
    /** Evaluates the tenant's stored events in these seq runs (evaluation-marks.ts: what a dead process left). */
    onStored(tenantId: string, runs: SeqRun[]): void {
      const waiting = runsOf(tenantId);
      for (const [first, last] of runs) waiting.push([first, last]);
      flushSoon();
    },
    /** The tenant's rules changed: the thread reads them again before its next pass. */
    rulesChanged: (tenantId: string) => void post({ type: 'rules', tenantId }),
    /** Resolves once the thread has evaluated every commit told to it so far. */
    async idle(): Promise<void> {
      flush();
      await askIdle();
    },
    /**
     * True once the thread has evaluated every commit told to it so far; false when some wait for a
     * thread (none runs), or the thread has not answered within `withinMs` (it may have died).
     */
    async settled(withinMs = SETTLED_WAIT_MS): Promise<boolean> {
      flush();
      if (committedRuns.size > 0) return false;
      return askIdle(withinMs);
    },
    /** Lets the thread finish what it was told, and ends it. */
    async stop(): Promise<void> {
      flush();
      stopped = true;
      clearTimeout(retry);
      await thread.stop();
      for (const resolve of idleWaiters.values()) resolve();
      idleWaiters.clear();
    },
  };
}
