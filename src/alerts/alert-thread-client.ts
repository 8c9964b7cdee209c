// The serving thread's side of the alerts thread (alert-thread.ts), on the shared feature thread
// (background/feature-thread.ts): tells it which seqs each commit stored (gathered per tenant and
// turn of the event loop, so a burst of small commits is one message) and which tenants' rules
// changed, wakes the notification worker when it asks, and waits for it to be idle. A tenant the
// serving thread's rule cache knows to have no rule is not even told. It has the evaluator's shape
// (onCommitted, idle), so ingest hands batches over the same way.

import { createFeatureThread, type FeatureThreadOptions } from '../background/feature-thread.js';
import type { Config } from '../config.js';
import type { AppendOutcome, PendingEvent } from '../store/port.js';
import type { SeqRun } from './alert-evaluator.js';

/** How soon commits that found no thread are offered again. */
const RETRY_MS = 250;

/** What the thread starts with: plain data (it crosses to the thread by structured clone). */
export interface AlertThreadData {
  config: Config;
  /** Events carry geo.country: "new location" is by country. */
  countries: boolean;
}

export type ToAlertThread =
  | { type: 'committed'; tenants: [tenantId: string, runs: SeqRun[]][] }
  | { type: 'rules'; tenantId: string }
  | { type: 'idle'; id: number };

export type FromAlertThread = { type: 'kick' } | { type: 'idle'; id: number };

export interface AlertThreadOptions extends AlertThreadData, Pick<FeatureThreadOptions, 'trail' | 'store' | 'log'> {
  /** An alert has notifications to send. */
  kick(): void;
  /** The serving thread's cache of a tenant's rules (alert-service.ts): read, and known to be none. */
  rules(tenantId: string): Promise<unknown>;
  hasNoRules(tenantId: string): boolean;
}

export function createAlertThread(options: AlertThreadOptions) {
  const { trail, store, log, kick, rules, hasNoRules, ...data } = options;
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
  // This turn's commits: per tenant, runs of consecutive seqs.
  const committed = new Map<string, [number, number][]>();

  function onCommitted(tenantId: string, outcomes: readonly AppendOutcome[], pending: readonly PendingEvent[]): void {
    // A tenant known here to have no rule costs the thread nothing, not even a message.
    if (hasNoRules(tenantId)) return;
    let runs = committed.get(tenantId);
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      // Resends were evaluated when first stored; Stele's own alert.* events never feed alerts.
      const action = pending[i]?.event.action;
      if (outcome.duplicate || action === undefined || action.startsWith('alert.')) continue;
      if (!runs) {
        if (committed.size === 0) setImmediate(flush);
        committed.set(tenantId, (runs = []));
      }
      const last = runs[runs.length - 1];
      if (last && last[1] + 1 === outcome.seq) last[1] = outcome.seq;
      else runs.push([outcome.seq, outcome.seq]);
    }
  }

  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  function flush(): void {
    if (committed.size === 0) return;
    // While no thread runs (not started yet, or starting again after it died) the runs wait here,
    // growing with later commits, until one takes them: no commit goes unevaluated for that.
    if (!post({ type: 'committed', tenants: [...committed] })) {
      if (!stopped) retry ??= setTimeout(() => { retry = undefined; flush(); }, RETRY_MS).unref();
      return;
    }
    // Keeps the cache hasNoRules answers from filled (a read only when it is stale).
    for (const tenantId of committed.keys()) rules(tenantId).catch((error: unknown) => log.error({ err: error, tenantId }, 'reading alert rules failed'));
    committed.clear();
  }

  return {
    start: (): Promise<void> => thread.start(),
    onCommitted,
    /** The tenant's rules changed: the thread reads them again before its next pass. */
    rulesChanged: (tenantId: string) => void post({ type: 'rules', tenantId }),
    /** Resolves once the thread has evaluated every commit told to it so far. */
    idle(): Promise<void> {
      flush();
      const id = nextIdle++;
      return new Promise<void>((resolve) => {
        idleWaiters.set(id, resolve);
        if (!post({ type: 'idle', id })) {
          idleWaiters.delete(id);
          resolve();
        }
      });
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
