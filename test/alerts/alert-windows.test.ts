// Windows, cooldowns and first sightings at their edges, with a fake clock, on both engines: a
// group's window ends at its own latest match (not at another group's in the same pass); a
// scheduled threshold counts only the events inside its schedule; an old event delivered late
// neither fires inside the cooldown nor moves it back; first_seen forgets what it saw under a
// rule's earlier query.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// A Thursday; 10:00 UTC is 11:00 in Berlin (CET: daylight saving time starts on the 30th).
const START = Date.parse('2025-03-27T10:00:00.000Z');
const MINUTE = 60_000;
const at = (minutes: number) => new Date(START + minutes * MINUTE).toISOString();

interface Alert { group: Record<string, string>; count: number; field: { value: string } | null; first_event: { occurred_at: string }; last_event: { occurred_at: string } }

for (const engine of ENGINES) {
  describe(`alert windows and cooldowns at their edges on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let clock = START;
    before(async () => {
      t = await startTestApp(engine.name, {}, () => clock);
      ({ key } = await t.tenantWithKey(['events:write', 'audit:read', 'alerts:manage']));
    });
    after(async () => t.close());

    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
      const response = await t.request({ method, url, key, ...(payload && { payload }) });
      assert.ok(response.statusCode < 300, `${method} ${url}: ${response.body}`);
      return response.json();
    };
    /** Sends one request (one evaluation pass), the clock a minute past its latest event. */
    const send = async (events: { occurred_at: string }[]) => {
      for (const e of events) clock = Math.max(clock, Date.parse(e.occurred_at) + MINUTE);
      await call('POST', '/v1/events', events);
      await t.alertsIdle();
    };
    const alertsOf = async (ruleId: string): Promise<Alert[]> => (await call('GET', `/v1/alerts?rule_id=${ruleId}`)).alerts;

    it('ends each group\'s window at its own latest match, whatever else shares the pass', async () => {
      const rule = await call('POST', '/v1/alert-rules', { name: 'Three failures', query: 'action:login_failed', condition: { type: 'threshold', count: 3, window_minutes: 10, group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 0 });
      const failure = (user: string, minutes: number) => ({ action: 'login_failed', actor: { id: user }, occurred_at: at(minutes) });
      // u1's burst delivered late, beside u2's live event 20 minutes on, in one request.
      await send([failure('u1', 0), failure('u1', 1), failure('u1', 2), failure('u2', 20)]);
      assert.deepEqual((await alertsOf(rule.id)).map((a) => [a.group, a.count]), [[{ 'actor.id': 'u1' }, 3]]);
    });

    it('counts only the events inside a threshold rule\'s schedule', async () => {
      const rule = await call('POST', '/v1/alert-rules', {
        name: 'Exports in office hours', query: 'action:export', condition: { type: 'threshold', count: 3, window_minutes: 60, group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 0,
        schedule: { timezone: 'Europe/Berlin', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '11:30', to: '17:00' },
      });
      const exported = (minutes: number) => ({ action: 'export', actor: { id: 'sx' }, occurred_at: at(minutes) });
      await send([exported(20), exported(25)]); // 11:20 and 11:25 in Berlin: outside
      await send([exported(31)]); // 11:31: the first inside
      assert.deepEqual(await alertsOf(rule.id), [], 'one export inside the hours is not three');
      await send([exported(40), exported(45)]);
      const alerts = await alertsOf(rule.id);
      assert.deepEqual(alerts.map((a) => [a.count, a.first_event.occurred_at]), [[3, at(31)]]);
    });

    it('neither fires for an old event delivered inside the cooldown nor lets it move the cooldown back', async () => {
      const rule = await call('POST', '/v1/alert-rules', { name: 'Role changed', query: 'action:role_changed', condition: { type: 'any', group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 60 });
      const changed = (minutes: number) => ({ action: 'role_changed', actor: { id: 'adm' }, occurred_at: at(minutes) });
      await send([changed(125)]); // fires; cooling until 185
      await send([changed(110)]); // delivered late, 15 minutes before the firing
      await send([changed(181)]); // 56 minutes after it
      assert.deepEqual((await alertsOf(rule.id)).map((a) => a.first_event.occurred_at), [at(125)]);
      await send([changed(186)]); // past the cooldown
      assert.equal((await alertsOf(rule.id)).length, 2);
    });

    it('forgets the values first_seen saw under the rule\'s earlier query', async () => {
      const condition = { type: 'first_seen', field: 'location', group_by: ['actor.id'], lookback_days: 30 };
      const rule = await call('POST', '/v1/alert-rules', { name: 'New place', query: 'action:login OR action:probe', condition, severity: 'medium', cooldown_minutes: 0 });
      const seen = (action: string, location: string, minutes: number) => ({ action, actor: { id: 'fsu' }, context: { location }, occurred_at: at(300 + minutes) });
      await send([seen('login', 'Berlin', 0)]); // the baseline
      await send([seen('probe', 'Lagos', 1)]); // new under this query
      assert.equal((await alertsOf(rule.id)).length, 1);
      await call('PUT', `/v1/alert-rules/${rule.id}`, { name: 'New place', query: 'action:login', condition, severity: 'medium', cooldown_minutes: 0 });
      await send([seen('login', 'Lagos', 2)]); // the first login from Lagos
      assert.deepEqual((await alertsOf(rule.id)).map((a) => a.field?.value).sort(), ['Lagos', 'Lagos']);
    });
  });
}
