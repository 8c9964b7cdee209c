// Alerts, built from explicit dependencies and registered by the composition root: the service and
// routes, the evaluator ingest hands each committed batch to (`onCommitted`, wired in api/app.ts),
// and the worker (notifications, and the alert.fired events a dead process left unwritten), which
// starts when the app is ready and stops when it closes. The server evaluates on a thread of its
// own (alert-thread.ts, STELE_ALERT_THREAD); tests with a fake clock, on this thread.

import type { FastifyPluginAsync } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { createLeases } from '../background/lease.js';
import { runPendingJobs } from '../background/pending-jobs.js';
import type { SecretBox } from '../background/secret-box.js';
import { createWorkerLoop } from '../background/worker-loop.js';
import type { Config } from '../config.js';
import { createMailer } from '../destinations/mailer.js';
import type { Guards } from '../http/guards.js';
import type { AppendOutcome, PendingEvent, Store } from '../store/port.js';
import { createAlertEvaluator } from './alert-evaluator.js';
import { createAlertNotifier } from './alert-notifier.js';
import { createAlertRepository } from './alert-repository.js';
import { alertRoutes } from './alert-routes.js';
import { createAlertService } from './alert-service.js';
import { createAlertThread } from './alert-thread-client.js';
import { createEvaluationMarks } from './evaluation-marks.js';

/** Where ingest hands committed batches; set by the feature once it is registered. */
export interface AlertHook {
  onCommitted(tenantId: string, outcomes: readonly AppendOutcome[], pending: readonly PendingEvent[]): void;
  /** Resolves once every batch handed over so far is evaluated (tests, benchmarks). */
  idle(): Promise<void>;
  /** Runs one of ingest's appends for the tenant, its evaluation mark written first (evaluation-marks.ts). */
  whileAppending<T>(tenantId: string, append: () => Promise<T>): Promise<T>;
}

export interface AlertFeatureOptions {
  config: Config;
  store: Store;
  guards: Guards;
  trail: AuditTrail;
  secrets: SecretBox;
  /** Receives the evaluator, so ingest can reach it. */
  attach(hook: AlertHook): void;
  /** Events carry geo.country (the instance has a GeoIP database): "new location" is by country. */
  countries?: boolean;
  now?: () => number;
  /** How often the notification worker looks for due retries (default 1 s). */
  pollMs?: number;
  /** Retry waits of notifications (tests shorten them). */
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Evaluate on a thread of its own (alert-thread.ts), which opens its own connection to the
   * database `config` names: only for a store opened from that config, with the real clock.
   */
  thread?: boolean;
}

export const alertFeature: FastifyPluginAsync<AlertFeatureOptions> = async (app, options) => {
  const { config, store, trail, secrets } = options;
  const now = options.now ?? Date.now;
  const repository = createAlertRepository(store, now);
  const mailer = config.smtp ? createMailer(config.smtp) : undefined;
  let kick = () => {};
  const countries = options.countries ?? false;
  // The thread's client reads the rules through the service made next (only once commits come).
  const thread = options.thread
    ? createAlertThread({ config, countries, trail, store, log: app.log, kick: () => kick(), rules: (tenantId) => alerts.rules(tenantId), hasNoRules: (tenantId) => alerts.hasNoRules(tenantId),
      handOver: config.databaseUrl ? 'events' : 'seqs' })
    : undefined;
  const alerts = createAlertService({
    store, repository, trail, secrets, smtp: config.smtp, now, publicUrl: config.publicUrl, kick: () => kick(), countries,
    ...(thread && { rulesChanged: thread.rulesChanged }),
  });
  const inProcess = thread ? undefined : createAlertEvaluator({
    store, now, rules: alerts.rules, hasNoRules: alerts.hasNoRules, fire: alerts.fire, recordFired: alerts.recordFired, lastFired: alerts.lastFired,
    onError: (error, tenantId) => app.log.error({ err: error, tenantId }, 'alert evaluation failed'),
  });
  const evaluator = thread ?? {
    ...inProcess!,
    settled: async () => {
      await inProcess!.caughtUp();
      return true;
    },
  };
  // Retries and signatures go by the wall clock: a receiver checks the signature's time against its own.
  const notifier = createAlertNotifier({ repository, secrets, mailer, now: Date.now, ...(options.backoff && { backoff: options.backoff }) });
  const leases = createLeases(store, { ttlMs: 30_000, now: Date.now });
  // What this process committed and has not evaluated yet, kept where another process finds it.
  const marks = createEvaluationMarks({
    store, evaluator, hasRules: async (tenantId) => (await alerts.rules(tenantId)).length > 0, leases, now: Date.now, log: app.log,
  });
  const marking = createWorkerLoop({
    name: 'alert evaluation marks',
    pollMs: options.pollMs ?? 1000,
    log: app.log,
    async pass(signal) {
      await marks.advance();
      await marks.recoverDead(signal);
    },
  });
  const worker = createWorkerLoop({
    name: 'alert notifications',
    pollMs: options.pollMs ?? 1000,
    log: app.log,
    async pass(signal) {
      await runPendingJobs({
        pending: () => repository.deliveries.pending(), run: notifier.run, leases, leaseName: (id) => `alert:${id}`, what: 'alert notification', log: app.log,
      }, signal);
      // alert.fired events a process died before writing (alert-service.ts): written once, by one process.
      await runPendingJobs({
        pending: alerts.unrecordedEvents, run: (tenantId, id) => alerts.recordMissingEvent(tenantId, id), leases, leaseName: (id) => `alert-event:${id}`, what: 'alert.fired event', log: app.log,
      }, signal);
    },
  });
  kick = worker.kick;
  options.attach({
    onCommitted(tenantId, outcomes, pending) {
      marks.onCommitted(tenantId, lastSeqOf(outcomes));
      evaluator.onCommitted(tenantId, outcomes, pending);
    },
    idle: evaluator.idle,
    whileAppending: marks.whileAppending,
  });

  await app.register(alertRoutes, { guards: options.guards, alerts });
  app.addHook('onReady', async () => {
    await thread?.start();
    worker.start();
    marking.start();
  });
  app.addHook('onClose', async () => {
    await marking.stop();
    // Everything this process committed evaluated: its mark has nothing left for anyone.
    const evaluatedAll = await evaluator.settled();
    await thread?.stop();
    if (evaluatedAll) await marks.remove();
    await worker.stop();
    mailer?.close();
  });
};

function lastSeqOf(outcomes: readonly AppendOutcome[]): number {
  let last = 0;
  for (const outcome of outcomes) if (outcome.seq > last) last = outcome.seq;
  return last;
}
