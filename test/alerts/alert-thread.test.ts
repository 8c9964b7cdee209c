// Alerts evaluated on the server's alerts thread (alert-thread.ts), in a real server process on
// either engine: a rule made through the API applies to the very next events, resends are not
// counted twice, the crossing fires one alert with its alert.fired event and its webhook, a deleted
// rule stops at once, and the server stops cleanly with the thread. And the evaluator's side of it:
// seq runs read back from the store, every event once and in order; and the client's, keeping
// commits while no thread runs.

import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compileRule, createAlertEvaluator } from '../../src/alerts/alert-evaluator.js';
import type { AlertRule } from '../../src/alerts/alert-rule.js';
import { createAlertThread } from '../../src/alerts/alert-thread-client.js';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import type { PendingEvent } from '../../src/store/port.js';
import { ENGINES, openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { steleProcess, type SteleProcess } from '../helpers/stele-process.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';
import { startHttpReceiver, waitFor, type HttpReceiver } from '../streams/http-receiver.js';

for (const engine of ENGINES) {
  describe(`alerts on the alerts thread of a server process on ${engine.name}`, { skip: engine.skip }, () => {
    let db: TestStore;
    let server: SteleProcess;
    let receiver: HttpReceiver;
    let key: string;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const failure = (user: string, id?: string) => ({ action: 'user.login_failed', actor: { id: user }, ...(id && { id }) });
    /** Hooks for a rule's alerts that arrived at the receiver. */
    const hooksFor = (ruleId: string) => receiver.requests.filter((r) => JSON.parse(r.body).data?.rule?.id === ruleId);
    let marker: string;
    /** Resolves once the thread has evaluated everything sent before: a marker event's alert arrives (passes run in commit order). */
    const evaluatedSoFar = async (n: number) => {
      await call('POST', '/v1/events', [{ action: 'probe.done', details: { n } }]);
      await waitFor(`the marker alert ${n}`, () => hooksFor(marker).length >= n || undefined);
    };

    before(async () => {
      db = await openTestStore(engine.name);
      // The thread is the default: SQLite hands it seqs, PostgreSQL the events themselves.
      server = await steleProcess(db);
      receiver = await startHttpReceiver(() => [], () => ({ status: 200 }));
      ({ key } = await server.tenantWithKey(['events:write', 'audit:read', 'alerts:manage']));
      marker = (await call('POST', '/v1/alert-rules', {
        name: 'Marker', query: 'action:probe.done', condition: { type: 'any' }, severity: 'low', cooldown_minutes: 0, actions: [{ type: 'webhook', url: `${receiver.url}/marker` }],
      })).id;
    });
    after(async () => {
      await server?.close();
      await receiver?.close();
      await db?.close();
    });

    it('applies a new rule to the next events, counts a resend once, and fires one alert with its event and webhook', async () => {
      const rule = await call('POST', '/v1/alert-rules', {
        name: 'Three failures', query: 'action:user.login_failed', condition: { type: 'threshold', count: 3, window_minutes: 10, group_by: ['actor.id'] },
        severity: 'high', cooldown_minutes: 60, actions: [{ type: 'webhook', url: `${receiver.url}/hook` }],
      });
      for (let i = 0; i < 3; i++) await call('POST', '/v1/events', [failure('bo')]);
      await call('POST', '/v1/events', [failure('al', 'evt_al_1'), failure('al', 'evt_al_2')]);
      // A client's retry of the same events: stored once, so al has two failures, not four.
      await call('POST', '/v1/events', [failure('al', 'evt_al_1'), failure('al', 'evt_al_2')]);
      await evaluatedSoFar(1);
      const { alerts } = await call('GET', `/v1/alerts?rule_id=${rule.id}`);
      assert.deepEqual(alerts.map((a: { group: object; count: number }) => [a.group, a.count]), [[{ 'actor.id': 'bo' }, 3]]);
      const fired = await waitFor('the alert.fired event', async () => {
        const events = (await call('GET', '/v1/events?action=alert.fired')).events.filter((e: { target: { id: string } }) => e.target.id === rule.id);
        return events.length > 0 ? events : undefined;
      });
      assert.equal(fired.length, 1);
      assert.equal(fired[0].id, alerts[0].id);
      await waitFor('the webhook', () => hooksFor(rule.id).length > 0 || undefined);
      assert.equal(hooksFor(rule.id)[0]!.headers['webhook-id'], alerts[0].id);
    });

    it('stops evaluating a deleted rule at once', async () => {
      const rule = await call('POST', '/v1/alert-rules', {
        name: 'Two failures', query: 'action:user.login_failed', condition: { type: 'threshold', count: 2, window_minutes: 10, group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 0, actions: [],
      });
      await call('POST', '/v1/events', [failure('cy'), failure('cy')]);
      await evaluatedSoFar(2);
      assert.equal((await call('GET', `/v1/alerts?rule_id=${rule.id}`)).alerts.length, 1);
      await call('DELETE', `/v1/alert-rules/${rule.id}`);
      await call('POST', '/v1/events', [failure('di'), failure('di')]);
      await evaluatedSoFar(3);
      assert.equal((await call('GET', `/v1/alerts?rule_id=${rule.id}`)).alerts.length, 1, 'no alert for di once the rule is gone');
    });

    it('evaluates on the thread what a dead process had committed and not evaluated (evaluation-marks.ts)', async () => {
      const leftover = { name: 'Left behind', query: 'action:left.behind', condition: { type: 'any' }, severity: 'medium', cooldown_minutes: 0, actions: [] };
      // Disabled while the events are committed: nothing evaluates them, as if their process died first.
      const rule = await call('POST', '/v1/alert-rules', { ...leftover, enabled: false });
      const committed = (await call('POST', '/v1/events', [{ action: 'left.behind', actor: { id: 'ed' } }, { action: 'left.behind', actor: { id: 'fa' } }])).events as { id: string; seq: number }[];
      await call('PUT', `/v1/alert-rules/${rule.id}`, { ...leftover, enabled: true });
      const tenantId = (await db.store.listTenants()).at(-1)!.id;
      const at = new Date(Date.now() - 120_000).toISOString();
      await db.store.insertRecord({ kind: 'alert_evaluation_mark', tenantId: '*', id: 'dead-process' }, { beat_at: at, tenants: { [tenantId]: committed[0]!.seq } }, at);
      const alerts = await waitFor('the alerts of the events it left', async () => {
        const found = (await call('GET', `/v1/alerts?rule_id=${rule.id}`)).alerts as { last_event: { id: string } }[];
        return found.length >= 2 ? found : undefined;
      });
      assert.deepEqual(alerts.map((a) => a.last_event.id).sort(), committed.map((e) => e.id).sort());
      await waitFor('the record removed', async () => !(await db.store.listRecords('alert_evaluation_mark', '*')).some((r) => r.id === 'dead-process') || undefined);
    });

    it('stops with the thread, and starts again with it', async () => {
      await server.stop();
      await server.start();
      await evaluatedSoFar(4);
    });
  });
}

for (const engine of ENGINES) {
  describe(`the evaluator reading committed seqs back on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let tenantId: string;
    let key: string;
    before(async () => {
      t = await startTestApp(engine.name);
      ({ tenantId, key } = await t.tenantWithKey(['events:write']));
    });
    after(async () => t?.close());

    it('evaluates every event of the runs it is told, in seq order, across reads of several thousand, and none outside them', async () => {
      const start = (await t.db.store.getHead(tenantId)).size;
      for (let b = 0; b < 120; b++) {
        const sent = await t.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: 100 }, (_, i) => ({ action: 'bulk.row', details: { n: b * 100 + i } })) });
        assert.equal(sent.statusCode, 201);
      }
      const seen: number[] = [];
      const rule = { id: 'r1', query: 'action:bulk.row', condition: { type: 'any', group_by: [] }, cooldown_minutes: 0 } as unknown as AlertRule;
      const evaluator = createAlertEvaluator({
        store: t.db.store, now: Date.now, rules: async () => [compileRule(rule)], hasNoRules: () => false, lastFired: async () => undefined,
        fire: async (_tenant, firing) => { seen.push(firing.firstSeq); return undefined; }, recordFired: async () => {}, onError: (error) => { throw error; },
      });
      // Two runs told in two messages, the first two events and the last one left out.
      evaluator.onStored(tenantId, [[start + 6001, start + 11_999]]);
      evaluator.onStored(tenantId, [[start + 3, start + 6000]]);
      await evaluator.idle();
      assert.equal(seen.length, 11_997);
      assert.deepEqual([seen[0], seen.at(-1)], [start + 3, start + 11_999]);
      assert.ok(seen.every((seq, i) => i === 0 || seq === seen[i - 1]! + 1), 'in seq order, each once');
    });
  });
}

for (const engine of ENGINES) {
  describe(`the alerts thread's client on ${engine.name}`, { skip: engine.skip }, () => {
    for (const handOver of ['seqs', 'events'] as const) it(`keeps commits told while no thread runs, and hands them over once one does (handing over ${handOver})`, async () => {
      const db = await openTestStore(engine.name);
      const location = db.location;
      const config = loadConfig({
        STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_LOG_LEVEL: 'error',
        ...(location.sqliteFile ? { STELE_DATA_DIR: dirname(location.sqliteFile) } : { STELE_DATA_DIR: '/nonexistent', STELE_DATABASE_URL: location.databaseUrl!, STELE_DATABASE_SCHEMA: location.pgSchema! }),
      });
      // The app evaluates on its serving thread (it did not open the store itself); the events come
      // before the rule, so it fires nothing for them.
      const built = await buildApp({ config, store: db.store, signingKey: testSigningKey() });
      const call = async (method: 'GET' | 'POST', url: string, key: string, payload?: object) => {
        const response = await built.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload && { payload }) });
        assert.ok(response.statusCode < 300, `${method} ${url}: ${response.body}`);
        return response.json();
      };
      const tenant = await call('POST', '/v1/tenants', ADMIN_TOKEN, { name: 'acme' });
      const key = (await call('POST', `/v1/tenants/${tenant.id}/keys`, ADMIN_TOKEN, { name: 'k', scopes: ['events:write', 'alerts:manage'] })).key;
      const stored: { id: string; seq: number }[] = (await call('POST', '/v1/events', key, [1, 2, 3].map(() => ({ action: 'user.login_failed', actor: { id: 'bo' } })))).events;
      const rule = await call('POST', '/v1/alert-rules', key, {
        name: 'Three failures', query: 'action:user.login_failed', condition: { type: 'threshold', count: 3, window_minutes: 10, group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 0, actions: [],
      });
      // Without the serving thread's rule cache: every tenant's commits are told.
      const client = createAlertThread({ config, countries: false, trail: built.trail, store: db.store, log: built.app.log, kick: () => {}, rules: async () => [], hasNoRules: () => false, handOver });
      try {
        client.onCommitted(tenant.id, stored.map((e) => ({ id: e.id, seq: e.seq, duplicate: false })), stored.map(() => ({ event: { action: 'user.login_failed' } }) as PendingEvent));
        await new Promise((resolve) => setTimeout(resolve, 50));
        await client.start();
        // Not idle(), which would hand them over itself: the client offers them again on its own.
        const alerts = await waitFor('the alert', async () => {
          const found = (await call('GET', `/v1/alerts?rule_id=${rule.id}`, key)).alerts;
          return found.length > 0 ? found : undefined;
        });
        assert.deepEqual([alerts.length, alerts[0].count, alerts[0].first_event.seq], [1, 3, stored[0]!.seq]);
      } finally {
        await client.stop();
        await built.app.close();
        await db.close();
      }
    });
  });
}
