// Alerts across restarts and processes: a window that began before a restart is continued by the
// next instance (the log is the window's state); two app instances on one PostgreSQL schema, each
// with its own connection pool, given the crossing events at the same moment, fire one alert, write
// one alert.fired event and send one webhook, and fire once within a cooldown whatever the periods
// of their firings. Also the Sigma import end to end.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cooldownIdOf } from '../../src/alerts/alert-evaluator.js';
import { createAlertRepository } from '../../src/alerts/alert-repository.js';
import { createAlertService } from '../../src/alerts/alert-service.js';
import { buildApp } from '../../src/api/app.js';
import type { AuditTrail } from '../../src/audit-trail/audit-trail.js';
import type { SecretBox } from '../../src/background/secret-box.js';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/store/port.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { ENGINES, openTestStore, PG_URL, type TestStore } from '../../src/store/testing/test-stores.js';
import { createContractCheck } from '../helpers/contract-check.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ADMIN_TOKEN } from '../helpers/test-app.js';
import { startHttpReceiver, waitFor, type HttpReceiver } from '../streams/http-receiver.js';

async function instance(store: Store) {
  const contract = createContractCheck();
  const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: '/nonexistent', STELE_PUBLIC_URL: 'https://audit.example.com' });
  const built = await buildApp({ config, store, signingKey: testSigningKey(), instrument: contract.install });
  const raw = (method: 'GET' | 'POST' | 'PUT', url: string, key: string, payload?: object) =>
    built.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload && { payload }) });
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, key: string, payload?: object) => {
    const response = await raw(method, url, key, payload);
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.body}`);
    return response.json();
  };
  return {
    call,
    raw,
    idle: built.alertsIdle,
    async close() {
      await built.app.close();
      contract.assertKept();
    },
  };
}

type Instance = Awaited<ReturnType<typeof instance>>;

/** The alert service of a process on `store` that fires and nothing else: no worker, no notifications. */
function alertsAlone(store: Store, now: () => number, trail = {} as AuditTrail) {
  const repository = createAlertRepository(store, now);
  return {
    repository,
    alerts: createAlertService({ store, repository, now, publicUrl: 'https://audit.example.com', kick: () => {}, trail, secrets: {} as SecretBox, smtp: undefined }),
  };
}

async function tenantKey(app: Instance): Promise<string> {
  const tenant = await app.call('POST', '/v1/tenants', ADMIN_TOKEN, { name: 'acme' });
  return (await app.call('POST', `/v1/tenants/${tenant.id}/keys`, ADMIN_TOKEN, { name: 'k', scopes: ['events:write', 'audit:read', 'alerts:manage'] })).key;
}

const failure = (user: string) => ({ action: 'user.login_failed', actor: { id: user } });

for (const engine of ENGINES) {
  describe(`alerts across a restart on ${engine.name}`, { skip: engine.skip }, () => {
    let db: TestStore;
    before(async () => { db = await openTestStore(engine.name); });
    after(async () => db.close());

    it('continues a window that began before the restart', async () => {
      const first = await instance(db.store);
      const key = await tenantKey(first);
      const rule = await first.call('POST', '/v1/alert-rules', key, { name: 'Five failures', query: 'action:user.login_failed', condition: { type: 'threshold', count: 5, window_minutes: 10, group_by: ['actor.id'] }, severity: 'high' });
      await first.call('POST', '/v1/events', key, [failure('ann'), failure('ann'), failure('ann')]);
      await first.idle();
      await first.close();
      const second = await instance(db.store);
      await second.call('POST', '/v1/events', key, [failure('ann')]);
      await second.idle();
      assert.equal((await second.call('GET', `/v1/alerts?rule_id=${rule.id}`, key)).alerts.length, 0, '4 so far');
      await second.call('POST', '/v1/events', key, [failure('ann')]);
      await second.idle();
      const { alerts } = await second.call('GET', `/v1/alerts?rule_id=${rule.id}`, key);
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0].count, 5);
      await second.close();
    });

    it('sends, after a restart, the notifications of an alert whose process died before its worker ran', async () => {
      const receiver = await startHttpReceiver(() => [], () => ({ status: 200 }));
      const first = await instance(db.store);
      const tenant = await first.call('POST', '/v1/tenants', ADMIN_TOKEN, { name: 'acme' });
      const key = (await first.call('POST', `/v1/tenants/${tenant.id}/keys`, ADMIN_TOKEN, { name: 'k', scopes: ['events:write', 'audit:read', 'alerts:manage'] })).key;
      // Disabled, so that this process does not fire it: the dying process below does.
      const rule = await first.call('POST', '/v1/alert-rules', key, {
        name: 'Any failure', query: 'action:user.login_failed', condition: { type: 'any' }, severity: 'high', enabled: false,
        actions: [{ type: 'webhook', url: `${receiver.url}/hook` }],
      });
      const deletedLater = await first.call('POST', '/v1/alert-rules', key, {
        name: 'Deleted later', query: 'action:user.login_failed', condition: { type: 'any' }, severity: 'low', enabled: false,
        actions: [{ type: 'webhook', url: `${receiver.url}/other` }],
      });
      const [event] = (await first.call('POST', '/v1/events', key, [failure('cy')])).events;
      await first.close();

      // A process with no worker that dies right after writing the alert: every write after it fails.
      async function dieAfterFiring(ruleId: string, alertId: string) {
        let dead = false;
        const dyingStore = new Proxy(db.store, {
          get(target, name, receiver) {
            const value = Reflect.get(target, name, receiver);
            if (typeof value !== 'function') return value;
            if (!['insertRecord', 'updateRecord', 'deleteRecord', 'appendEvents'].includes(String(name))) return value.bind(target);
            return async (...args: unknown[]) => {
              if (dead) throw new Error('killed');
              const result = await value.apply(target, args);
              if (name === 'insertRecord' && (args[0] as { kind: string }).kind === 'alert') dead = true;
              return result;
            };
          },
        });
        const { repository, alerts: dying } = alertsAlone(dyingStore, Date.now, { record: async () => { throw new Error('killed'); } } as unknown as AuditTrail);
        const stored = (await repository.getRule(tenant.id, ruleId))!;
        // The alert is its last write: it claimed the cooldown and queued the alert's work before it.
        assert.ok(await dying.fire(tenant.id, {
          rule: stored, alertId, group: {}, groupKey: '', count: 1, windowMinutes: null, field: null, firstSeq: event.seq, lastSeq: event.seq, at: Date.now(),
        }));
        await assert.rejects(dyingStore.insertRecord({ kind: 'probe', tenantId: tenant.id, id: alertId }, {}, new Date().toISOString()), /killed/);
      }
      await dieAfterFiring(rule.id, 'al_crash');
      await dieAfterFiring(deletedLater.id, 'al_rule_gone');
      await db.store.deleteRecord({ kind: 'alert_rule', tenantId: tenant.id, id: deletedLater.id });
      assert.equal(receiver.requests.length, 0);

      const second = await instance(db.store);
      const pending = await second.call('GET', '/v1/alerts/al_crash', key);
      assert.deepEqual(pending.deliveries.map((d: { state: string }) => d.state), ['pending'], 'the alert holds its pending notification');
      await waitFor('the webhook', () => receiver.requests.length > 0 || undefined);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the worker has had another pass
      assert.equal(receiver.requests.length, 1, 'sent exactly once');
      assert.equal(receiver.requests[0]!.headers['webhook-id'], 'al_crash');
      assert.equal(JSON.parse(receiver.requests[0]!.body).data.rule.name, 'Any failure');
      const sent = await second.call('GET', '/v1/alerts/al_crash', key);
      assert.equal(sent.deliveries[0].state, 'sent');
      assert.equal(sent.deliveries[0].attempts, 1);
      const gone = await second.call('GET', '/v1/alerts/al_rule_gone', key);
      assert.deepEqual(gone.deliveries.map((d: { state: string; last_error: string }) => [d.state, d.last_error]), [['failed', 'the rule was deleted']]);
      await second.close();
      await receiver.close();
    });

    it('writes, after a restart, the alert.fired event of an alert whose process died before writing it: once, however often it runs', async () => {
      const first = await instance(db.store);
      const tenant = await first.call('POST', '/v1/tenants', ADMIN_TOKEN, { name: 'acme' });
      const key = (await first.call('POST', `/v1/tenants/${tenant.id}/keys`, ADMIN_TOKEN, { name: 'k', scopes: ['events:write', 'audit:read', 'alerts:manage'] })).key;
      // Disabled, so that no live process fires it: the dying one below does.
      const rule = await first.call('POST', '/v1/alert-rules', key, {
        name: 'Any failure', query: 'action:user.login_failed', condition: { type: 'any' }, severity: 'high', enabled: false, cooldown_minutes: 0,
      });
      const [event] = (await first.call('POST', '/v1/events', key, [failure('dee')])).events;
      // A client's event that happens to hold the id the next alert's event would take.
      await first.call('POST', '/v1/events', key, [{ id: 'alr_taken', action: 'doc.viewed' }]);
      await first.close();

      // A process that created alerts two minutes ago and died before writing their alert.fired
      // events: what it leaves is the alert and its queue entry.
      const { repository, alerts: dying } = alertsAlone(db.store, () => Date.now() - 120_000);
      const stored = (await repository.getRule(tenant.id, rule.id))!;
      const firing = { rule: stored, group: {}, groupKey: '', count: 1, windowMinutes: null, field: null, firstSeq: event.seq, lastSeq: event.seq, at: Date.now() };
      const crashed = (await dying.fire(tenant.id, { ...firing, alertId: 'alr_crashed' }))!;
      await dying.fire(tenant.id, { ...firing, alertId: 'alr_taken' });
      // And an entry whose alert was never written (the process died in between): dropped.
      await db.store.insertRecord({ kind: 'alert_event_pending', tenantId: '*', id: 'alr_never' }, { tenant_id: tenant.id }, new Date(Date.now() - 120_000).toISOString());
      const pendingEntry = (id: string) => db.store.getRecord({ kind: 'alert_event_pending', tenantId: '*', id });
      const firedEvents = async (app: Instance, alertId: string) =>
        (await app.call('GET', `/v1/events?q=${encodeURIComponent(`action:alert.fired details.alert_id:${alertId}`)}`, key)).events as { id: string; occurred_at: string; target: object; details: Record<string, unknown> }[];

      const second = await instance(db.store);
      assert.equal((await second.raw('GET', '/v1/events/alr_crashed', key)).statusCode, 404, 'not written by the dead process');
      await waitFor('the missing alert.fired events', async () => (await pendingEntry('alr_crashed')) === undefined && (await pendingEntry('alr_taken')) === undefined && (await pendingEntry('alr_never')) === undefined);
      const [written, ...more] = await firedEvents(second, 'alr_crashed');
      assert.equal(more.length, 0, 'exactly one');
      assert.equal(written!.id, 'alr_crashed', 'the alert.fired event has the alert\'s id');
      assert.equal(written!.occurred_at, crashed.fired_at);
      assert.deepEqual(written!.target, { type: 'alert_rule', id: rule.id, name: 'Any failure' });
      assert.equal(written!.details.rule_id, rule.id);
      assert.equal(written!.details.first_event_id, event.id);
      const [taken, ...again] = await firedEvents(second, 'alr_taken');
      assert.equal(again.length, 0);
      assert.notEqual(taken!.id, 'alr_taken', 'the client\'s event keeps its id; the alert\'s gets one of its own');
      assert.equal(taken!.details.event_id_taken, true);
      assert.equal((await second.call('GET', '/v1/events/alr_taken', key)).action, 'doc.viewed');

      // The sweep again, as after a crash between writing the event and removing the entry: nothing is added.
      await db.store.insertRecord({ kind: 'alert_event_pending', tenantId: '*', id: 'alr_crashed' }, { tenant_id: tenant.id }, new Date(Date.now() - 120_000).toISOString());
      await waitFor('the entry taken again', async () => (await pendingEntry('alr_crashed')) === undefined);
      assert.equal((await firedEvents(second, 'alr_crashed')).length, 1, 'still exactly one');
      await second.close();
    });

    it('imports a Sigma rule that reads back, edits and fires like any other; a refused one creates nothing', async () => {
      const app = await instance(db.store);
      const key = await tenantKey(app);
      const sigma = [
        'title: Token made by a contractor', 'level: high', 'logsource: {product: stele}',
        'detection:', '  sel:', '    action: token.created', "    actor.email|endswith: '@contractor.example'", '  condition: sel',
      ].join('\n');
      const created = await app.call('POST', '/v1/alert-rules/sigma', key, { sigma, cooldown_minutes: 0 });
      assert.equal(created.name, 'Token made by a contractor');
      assert.equal(created.severity, 'high');
      assert.equal(created.source.sigma.title, 'Token made by a contractor');
      const read = await app.call('GET', `/v1/alert-rules/${created.id}`, key);
      assert.equal(read.query, created.query);
      await app.call('POST', '/v1/events', key, [{ action: 'token.created', actor: { id: 'c1', email: 'eve@contractor.example' } }, { action: 'token.created', actor: { id: 'u1', email: 'ann@example.com' } }]);
      await app.idle();
      const { alerts } = await app.call('GET', `/v1/alerts?rule_id=${created.id}`, key);
      assert.equal(alerts.length, 1);
      assert.deepEqual(alerts[0].group, {});
      const before = (await app.call('GET', '/v1/alert-rules', key)).rules.length;
      const refused = await app.raw('POST', '/v1/alert-rules/sigma', key, { sigma: `${sigma}\n  other:\n    actor.id|base64offset: 'c'\n` });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.json().error.message, /\|base64offset/);
      assert.equal(refused.json().error.details[0].field, 'sigma');
      assert.equal((await app.call('GET', '/v1/alert-rules', key)).rules.length, before, 'nothing half-imported');

      // |re and the ? wildcard: matched in memory when firing, in SQL by the alert's search.
      const regex = await app.call('POST', '/v1/alert-rules/sigma', key, {
        cooldown_minutes: 0,
        sigma: ['title: Numbered service token', 'level: medium', 'logsource: {product: stele}', 'detection:', '  sel:',
          "    action: 'token.?reated'", "    actor.id|re: '^svc-\\d{2}$'", '  condition: sel'].join('\n'),
      });
      await app.call('POST', '/v1/events', key, [
        { action: 'token.created', actor: { id: 'svc-42' } }, { action: 'token.created', actor: { id: 'svc-420' } },
        { action: 'token.deleted', actor: { id: 'svc-43' } },
      ]);
      await app.idle();
      const fired = (await app.call('GET', `/v1/alerts?rule_id=${regex.id}`, key)).alerts;
      assert.equal(fired.length, 1);
      const shown = (await app.call('GET', `/v1/events?q=${encodeURIComponent(fired[0].search)}`, key)).events;
      assert.deepEqual(shown.map((e: { actor: { id: string } }) => e.actor.id), ['svc-42']);
      await app.close();
    });
  });
}

const postgres = ENGINES.find((e) => e.name === 'postgres')!;

describe('alerts with two processes on one PostgreSQL', { skip: postgres.skip }, () => {
  let db: TestStore;
  let otherStore: Store;
  let a: Instance;
  let b: Instance;
  let receiver: HttpReceiver;
  before(async () => {
    db = await openTestStore('postgres');
    otherStore = openPostgresStore({ connectionString: PG_URL, schema: db.location.pgSchema!, maxConnections: 4 });
    a = await instance(db.store);
    b = await instance(otherStore);
    receiver = await startHttpReceiver(() => [], () => ({ status: 200 }));
  });
  after(async () => {
    await a.close();
    await b.close();
    await otherStore.close();
    await receiver.close();
    await db.close();
  });

  it('fires once, records one alert.fired and sends one webhook when both see the threshold crossed', async () => {
    const key = await tenantKey(a);
    const rule = await a.call('POST', '/v1/alert-rules', key, {
      name: 'Four failures', query: 'action:user.login_failed', condition: { type: 'threshold', count: 4, window_minutes: 10, group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 0, // only the atomic insert stands between the processes
     
      actions: [{ type: 'webhook', url: `${receiver.url}/hook` }],
    });
    // Six rounds: each process's count (read once, then its own matches added) reaches 4 by the fourth.
    for (let round = 0; round < 6; round++) {
      await Promise.all([a.call('POST', '/v1/events', key, [failure('bo')]), b.call('POST', '/v1/events', key, [failure('bo')])]);
    }
    await Promise.all([a.idle(), b.idle()]);
    const { alerts } = await a.call('GET', `/v1/alerts?rule_id=${rule.id}`, key);
    assert.equal(alerts.length, 1, 'one alert for the group within its period');
    const fired = (await b.call('GET', '/v1/events?action=alert.fired', key)).events;
    assert.equal(fired.length, 1);
    await waitFor('the webhook', () => receiver.requests.length > 0 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the other process's worker has had a pass
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.requests[0]!.headers['webhook-id'], alerts[0].id);
  });

  // Two firings of one group whose times fall either side of a period's end have different alert
  // ids, so only the cooldown, claimed by compare-and-set, stands between them.
  it('fires once within a cooldown when the two processes\' firings fall in different periods, and a claim whose process died stops holding', async () => {
    const key = await tenantKey(a);
    const rule = await a.call('POST', '/v1/alert-rules', key, {
      name: 'Failures, hourly at most', query: 'action:user.login_failed', condition: { type: 'threshold', count: 1, window_minutes: 10, group_by: ['actor.id'] },
      severity: 'high', cooldown_minutes: 60, enabled: false, actions: [],
    });
    const [event] = (await a.call('POST', '/v1/events', key, [failure('di')])).events;
    const tenantId: string = rule.tenant_id;
    let clock = Date.now();
    const one = alertsAlone(db.store, () => clock);
    const two = alertsAlone(otherStore, () => clock);
    const stored = (await one.repository.getRule(tenantId, rule.id))!;
    const firing = (user: string, alertId: string, at: number) => ({
      rule: stored, alertId, group: { 'actor.id': user }, groupKey: user, count: 1, windowMinutes: 10, field: null, firstSeq: event.seq, lastSeq: event.seq, at,
    });
    const hour = 3_600_000;
    const periodEnd = Math.ceil(clock / hour) * hour;

    for (let round = 0; round < 8; round++) {
      const user = `user-${round}`;
      const fired = await Promise.all([
        one.alerts.fire(tenantId, firing(user, `al_${round}_before`, periodEnd - 1000)),
        two.alerts.fire(tenantId, firing(user, `al_${round}_after`, periodEnd + 1000)),
      ]);
      assert.equal(fired.filter(Boolean).length, 1, `round ${round}: one alert, not ${fired.filter(Boolean).length}`);
    }
    assert.equal((await a.call('GET', `/v1/alerts?rule_id=${rule.id}`, key)).alerts.length, 8);
    // Past the cooldown it fires again; within it, from either process, it does not.
    assert.ok(await two.alerts.fire(tenantId, firing('user-0', 'al_0_later', periodEnd + 1000 + hour)));
    assert.equal(await one.alerts.fire(tenantId, firing('user-0', 'al_0_within', periodEnd + 2000 + hour)), undefined);

    // A process that claimed a cooldown and died before writing its alert: its claim holds for a
    // few seconds (a live process writes the alert at once), then stops holding.
    assert.ok(await one.repository.replaceCooldown(tenantId, cooldownIdOf(rule.id, 'dead'), undefined, { at: clock, alert_id: 'al_never_written', claimed_at: clock }));
    assert.equal(await two.alerts.fire(tenantId, firing('dead', 'al_dead_other', clock + 1000)), undefined);
    assert.ok(await two.alerts.fire(tenantId, firing('dead', 'al_never_written', clock)), 'the claiming alert itself, evaluated again, fires');
    assert.ok(await one.repository.replaceCooldown(tenantId, cooldownIdOf(rule.id, 'dead-2'), undefined, { at: clock, alert_id: 'al_lost', claimed_at: clock }));
    clock += 11_000;
    assert.ok(await two.alerts.fire(tenantId, firing('dead-2', 'al_dead_2', clock)), 'an abandoned claim no longer holds');
  });
});

// What a process committed but had not evaluated when it died (src/alerts/evaluation-marks.ts).
for (const engine of ENGINES) {
  describe(`alert evaluation marks on ${engine.name}`, { skip: engine.skip }, () => {
    let db: TestStore;
    before(async () => { db = await openTestStore(engine.name); });
    after(async () => db.close());

    const MARKS = 'alert_evaluation_mark';
    const marks = async () => db.store.listRecords<{ beat_at: string; tenants: Record<string, number> }>(MARKS, '*');
    const anyFailure = { name: 'Any failure', query: 'action:user.login_failed', condition: { type: 'any' }, severity: 'high', cooldown_minutes: 0 };

    it('marks a tenant with rules before its first commit, moves the mark up once evaluated, and leaves nothing at a clean stop', async () => {
      const app = await instance(db.store);
      const key = await tenantKey(app);
      const tenantId = (await db.store.listTenants()).at(-1)!.id;
      await app.call('POST', '/v1/alert-rules', key, anyFailure);
      const [event] = (await app.call('POST', '/v1/events', key, [failure('ann')])).events;
      const [mark] = (await marks()).filter((r) => r.body.tenants[tenantId] !== undefined);
      assert.ok(mark, 'the mark is written before the commit is acknowledged');
      assert.ok(mark.body.tenants[tenantId]! <= event.seq, `mark ${mark.body.tenants[tenantId]} at or below the committed seq ${event.seq}`);
      await app.idle();
      await waitFor('the mark moved past the evaluated event', async () => ((await marks()).find((r) => r.id === mark.id)?.body.tenants[tenantId] ?? 0) > event.seq);
      await app.close();
      assert.equal((await marks()).find((r) => r.id === mark.id), undefined, 'a clean stop removes the record');
    });

    it('evaluates the events a dead process committed and never evaluated, once, and leaves a live process\'s mark alone', async () => {
      const first = await instance(db.store);
      const key = await tenantKey(first);
      const tenantId = (await db.store.listTenants()).at(-1)!.id;
      // Disabled while the events are committed, so nothing here evaluates them: as if the process died first.
      const rule = await first.call('POST', '/v1/alert-rules', key, { ...anyFailure, enabled: false });
      const committed = (await first.call('POST', '/v1/events', key, [failure('bo'), failure('cy')])).events as { id: string; seq: number }[];
      await first.idle();
      await first.close();

      const second = await instance(db.store);
      await second.call('PUT', `/v1/alert-rules/${rule.id}`, key, { ...anyFailure, enabled: true });
      const now = Date.now();
      await db.store.insertRecord({ kind: MARKS, tenantId: '*', id: 'alive-process' }, { beat_at: new Date(now).toISOString(), tenants: { [tenantId]: committed[0]!.seq } }, new Date(now).toISOString());
      assert.equal((await second.call('GET', `/v1/alerts?rule_id=${rule.id}`, key)).alerts.length, 0, 'nothing evaluated them yet');
      await db.store.insertRecord({ kind: MARKS, tenantId: '*', id: 'dead-process' }, { beat_at: new Date(now - 120_000).toISOString(), tenants: { [tenantId]: committed[0]!.seq } }, new Date(now).toISOString());

      await waitFor('the dead process\'s record taken and removed', async () => !(await marks()).some((r) => r.id === 'dead-process'));
      await second.idle();
      const { alerts } = await second.call('GET', `/v1/alerts?rule_id=${rule.id}`, key);
      assert.deepEqual(alerts.map((a: { last_event: { id: string } }) => a.last_event.id).sort(), committed.map((e) => e.id).sort(), 'one alert for each event it left');
      assert.ok((await marks()).some((r) => r.id === 'alive-process'), 'a process still beating keeps its mark');
      await db.store.deleteRecord({ kind: MARKS, tenantId: '*', id: 'alive-process' });
      await second.close();
    });
  });
}
