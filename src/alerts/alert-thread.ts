// The alerts thread: evaluates this process's commits against the rules beside the serving thread,
// which then only tells it what it committed: with SQLite which seqs (the thread reads those events
// back on its own connection), with PostgreSQL the events themselves. The thread builds the same
// evaluator the serving thread would (alert-evaluator.ts), with the alert service for rules (cached here, forgotten when the serving thread says they changed) and
// firing. Its record writes (alerts, their queue entries, cooldowns) and the alert.fired events are
// made by the serving thread (background/thread-port.ts); so are the notifications, by its worker,
// which the thread wakes when an alert has some to send.

import { createSecretBox, loadSecretKey } from '../background/secret-box.js';
import { connectThread } from '../background/thread-port.js';
import type { PendingEvent } from '../store/port.js';
import type { AlertThreadData, ToAlertThread } from './alert-thread-client.js';
import { createAlertEvaluator } from './alert-evaluator.js';
import { createAlertRepository } from './alert-repository.js';
import { createAlertService } from './alert-service.js';

const { data, log, store, trail, serve, send } = connectThread<AlertThreadData>('alerts');
const { config } = data;
const alerts = createAlertService({
  store, repository: createAlertRepository(store, Date.now), trail, now: Date.now, publicUrl: config.publicUrl, countries: data.countries,
  secrets: createSecretBox(() => loadSecretKey({ configuredFile: config.secretsKeyFile, dataDir: config.dataDir })), smtp: config.smtp,
  kick: () => send({ type: 'kick' }),
});
const evaluator = createAlertEvaluator({
  store, now: Date.now, rules: alerts.rules, hasNoRules: alerts.hasNoRules, fire: alerts.fire, recordFired: alerts.recordFired, lastFired: alerts.lastFired,
  onError: (error, tenantId) => log.error({ err: error, tenantId }, 'alert evaluation failed'),
});

serve({
  message(message) {
    const m = message as ToAlertThread;
    if (m.type === 'committed') for (const [tenantId, runs] of m.tenants) evaluator.onStored(tenantId, runs);
    else if (m.type === 'events') {
      for (const [tenantId, seqs, eventsJson] of m.tenants) {
        const events = JSON.parse(eventsJson) as PendingEvent['event'][];
        evaluator.onEvents(tenantId, events.map((event, i) => Object.assign(event, { seq: seqs[i]! })));
      }
    }
    else if (m.type === 'rules') alerts.forgetRules(m.tenantId);
    // Everything told before this message evaluated (under a steady load the evaluator is never idle).
    else void evaluator.caughtUp().then(() => send({ type: 'idle', id: m.id }));
  },
  stop: () => evaluator.idle(),
});
