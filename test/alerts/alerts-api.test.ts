// Alerts on both engines, with a fake clock: each condition type (window edges, grouping,
// cooldown), business hours across a DST change, templates, rules refused with a 400 naming the
// member, history with acknowledge/resolve and the alert.* events, and notifications received by
// real servers on loopback: a webhook receiver checking the Standard Webhooks signature, a Slack
// stand-in, and an SMTP server whose message is parsed with mailparser.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { verifyWebhook } from '../../src/background/standard-webhooks.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { freePort } from '../helpers/free-port.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startHttpReceiver, waitFor, type HttpReceiver } from '../streams/http-receiver.js';

const START = Date.parse('2025-03-27T10:00:00.000Z');
const MINUTE = 60_000;

for (const engine of ENGINES) {
  describe(`alerts on ${engine.name}`, { skip: engine.skip }, () => {
    let app: TestApp;
    let key: string;
    let clock = START;
    let webhook: HttpReceiver;
    let slack: HttpReceiver;
    let smtp: SMTPServer;
    const mails: ParsedMail[] = [];

    before(async () => {
      webhook = await startHttpReceiver(() => [], () => ({ status: 200 }));
      slack = await startHttpReceiver(() => [], () => ({ status: 200, body: 'ok' }));
      const smtpPort = await freePort();
      smtp = new SMTPServer({
        authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
        onData(stream, _session, callback) { simpleParser(stream).then((mail) => { mails.push(mail); callback(); }, callback); },
      });
      await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
      app = await startTestApp(engine.name, {
        STELE_SMTP_HOST: '127.0.0.1', STELE_SMTP_PORT: String(smtpPort), STELE_SMTP_SECURITY: 'none', STELE_SMTP_FROM: 'stele@example.com',
        STELE_PUBLIC_URL: 'https://audit.example.com',
      }, () => clock);
      ({ key } = await app.tenantWithKey(['events:write', 'audit:read', 'alerts:manage']));
    });
    after(async () => {
      await app.close();
      await webhook.close();
      await slack.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    });

    const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, as = key) => app.request({ method, url, key: as, ...(payload && { payload }) });
    const rule = async (body: object) => {
      const response = await api('POST', '/v1/alert-rules', body);
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as { id: string; webhook_secrets?: string[] };
    };
    /** Sends events at the fake clock's minute offsets and waits for the rules to see them. */
    const send = async (events: object[]) => {
      // The clock stands just after the latest event, as if they had just happened.
      for (const event of events as { occurred_at?: string }[]) if (event.occurred_at) clock = Math.max(clock, Date.parse(event.occurred_at) + MINUTE);
      const response = await api('POST', '/v1/events', events);
      assert.equal(response.statusCode, 201, response.body);
      await app.alertsIdle();
      return response.json().events as { id: string; seq: number }[];
    };
    const at = (minutes: number) => new Date(START + minutes * MINUTE).toISOString();
    const alertsOf = async (ruleId: string) => ((await api('GET', `/v1/alerts?rule_id=${ruleId}`)).json().alerts as Record<string, any>[]);

    it('threshold: fires once the count is reached within the window, per group, and not again within the cooldown', async () => {
      const { id } = await rule({ name: 'Brute force', query: 'action:user.login_failed', condition: { type: 'threshold', count: 3, window_minutes: 10, group_by: ['actor.id'] }, severity: 'high', cooldown_minutes: 30 });
      const fail = (user: string, minute: number) => ({ action: 'user.login_failed', actor: { id: user }, occurred_at: at(minute), context: { ip: '10.0.0.1' } });
      // Two in a window, then more 10 minutes later: the window (last - 10 min, last] has left them behind.
      await send([fail('u1', 0), fail('u1', 1)]);
      await send([fail('u1', 11), fail('u2', 11), fail('u2', 12)]);
      await send([fail('u1', 12)]);
      assert.equal((await alertsOf(id)).length, 0, 'never 3 within 10 minutes, and u2 only has 2');
      // u1: minutes 11, 12 and 12.5 are within 10 minutes.
      const [third] = await send([fail('u1', 12.5)]);
      let alerts = await alertsOf(id);
      assert.equal(alerts.length, 1);
      assert.deepEqual(alerts[0]!.group, { 'actor.id': 'u1' });
      assert.equal(alerts[0]!.count, 3);
      assert.equal(alerts[0]!.window_minutes, 10);
      assert.equal(alerts[0]!.last_event.id, third!.id);
      assert.equal(alerts[0]!.state, 'open');
      // The search shows exactly the matching events.
      const shown = (await api('GET', `/v1/events?q=${encodeURIComponent(alerts[0]!.search)}`)).json().events as unknown[];
      assert.equal(shown.length, 3);
      assert.match(alerts[0]!.link, /^https:\/\/audit\.example\.com\/\?q=/);
      // More failures within the cooldown: no second alert; after it: another.
      await send([fail('u1', 20), fail('u1', 21)]);
      assert.equal((await alertsOf(id)).length, 1, 'within 30 minutes of the first');
      await send([fail('u1', 45), fail('u1', 46), fail('u1', 47)]);
      alerts = await alertsOf(id);
      assert.equal(alerts.length, 2);
      // The group that never reached 3 did not fire.
      assert.equal(alerts.every((a) => a.group['actor.id'] === 'u1'), true);
      const fired = (await api('GET', '/v1/events?action=alert.fired')).json().events as { details: Record<string, unknown> }[];
      assert.equal(fired.filter((e) => e.details.rule_id === id).length, 2);
    });

    it('distinct: one address trying many accounts fires; the same account again does not count', async () => {
      const { id } = await rule({ name: 'Spraying', query: 'action:user.login_failed', condition: { type: 'distinct', field: 'actor.id', count: 3, window_minutes: 5, group_by: ['ip'] }, severity: 'high', cooldown_minutes: 0 });
      const fail = (user: string, ip: string, minute: number) => ({ action: 'user.login_failed', actor: { id: user }, occurred_at: at(100 + minute), context: { ip } });
      await send([fail('a', '192.0.2.9', 0), fail('a', '192.0.2.9', 0), fail('b', '192.0.2.9', 1), fail('c', '192.0.2.10', 1)]);
      assert.equal((await alertsOf(id)).length, 0);
      await send([fail('c', '192.0.2.9', 2)]);
      const [alert] = await alertsOf(id);
      assert.deepEqual(alert!.group, { ip: '192.0.2.9' });
      assert.equal(alert!.count, 3);
      assert.deepEqual(alert!.field, { name: 'actor.id' });
    });

    it('first_seen: a location new for the user fires; a known one, and a user without history, do not', async () => {
      const { id } = await rule({ name: 'New location', query: 'action:user.login', condition: { type: 'first_seen', field: 'location', group_by: ['actor.id'], lookback_days: 30 }, severity: 'medium', cooldown_minutes: 0 });
      const login = (user: string, location: string, minute: number) => ({ action: 'user.login', actor: { id: user }, occurred_at: at(200 + minute), context: { location } });
      await send([login('fs1', 'Berlin, DE', 0), login('fs1', 'Berlin, DE', 1), login('fs2', 'Paris, FR', 1)]);
      assert.equal((await alertsOf(id)).length, 0, 'a first login is the baseline, not a new location');
      await send([login('fs1', 'Lagos, NG', 2), login('fs1', 'Lagos, NG', 3)]);
      const alerts = await alertsOf(id);
      assert.equal(alerts.length, 1, 'the second login from Lagos is not new any more');
      assert.deepEqual(alerts[0]!.field, { name: 'location', value: 'Lagos, NG' });
    });

    it('business hours: outside 09:00–17:00 Berlin time, before and after the change to summer time', async () => {
      clock = Date.parse('2025-03-31T12:00:00Z');
      const { id } = await rule({
        name: 'Off hours', query: 'action:admin.login', condition: { type: 'any' }, severity: 'medium', cooldown_minutes: 0,
        schedule: { timezone: 'Europe/Berlin', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', outside: true },
      });
      const login = (id: string, occurred_at: string) => ({ id, action: 'admin.login', actor: { id: 'root' }, occurred_at });
      await send([
        login('dst-1', '2025-03-28T07:30:00Z'), // Friday 08:30 CET: outside, fires
        login('dst-2', '2025-03-31T07:30:00Z'), // Monday 09:30 CEST: inside, does not
        login('dst-3', '2025-03-31T06:30:00Z'), // Monday 08:30 CEST: outside, fires
        login('dst-4', '2025-03-29T12:00:00Z'), // Saturday: outside, fires
      ]);
      const ids = (await alertsOf(id)).map((a) => a.first_event.id).sort();
      assert.deepEqual(ids, ['dst-1', 'dst-3', 'dst-4']);
    });

    it('templates: lists them, creates a rule from one with overrides, and it fires', async () => {
      const templates = (await api('GET', '/v1/alert-templates')).json().templates as { name: string }[];
      assert.deepEqual(templates.map((t) => t.name).sort(), ['brute_force', 'mass_export', 'new_location', 'off_hours_access', 'password_spraying', 'privilege_escalation', 'stream_failing']);
      const created = await rule({ template: 'privilege_escalation', severity: 'critical' });
      const read = (await api('GET', `/v1/alert-rules/${created.id}`)).json();
      assert.deepEqual(read.source, { template: 'privilege_escalation' });
      await send([{ action: 'member.role_changed', actor: { id: 'bob' }, target: { type: 'user', id: 'carol' }, details: { to_role: 'viewer' }, occurred_at: new Date(clock).toISOString() }]);
      await send([{ action: 'member.role_changed', actor: { id: 'bob' }, target: { type: 'user', id: 'carol' }, details: { to_role: 'admin' }, occurred_at: new Date(clock).toISOString() }]);
      assert.equal((await alertsOf(created.id)).length, 1);
      const exports = await rule({ template: 'mass_export', query: 'action:data.exported details.rows:>100' });
      await send([{ action: 'data.exported', actor: { id: 'eve' }, details: { rows: 50 } }, { action: 'data.exported', actor: { id: 'eve' }, details: { rows: 5000 } }]);
      assert.equal((await alertsOf(exports.id)).length, 1);
    });

    it('refuses bad rules with a 400 naming the member, and needs alerts:manage', async () => {
      const base = { name: 'x', query: 'action:a', condition: { type: 'any' }, severity: 'low' };
      for (const [body, field] of [
        [{ ...base, severity: 'urgent' }, 'severity'],
        [{ ...base, condition: { type: 'threshold', count: 0, window_minutes: 5 } }, 'condition.count'],
        [{ ...base, condition: { type: 'threshold', count: 3, window_minutes: 5, group_by: ['shoe_size'] } }, 'condition.group_by'],
        [{ ...base, condition: { type: 'first_seen', field: 'nope' } }, 'condition.field'],
        [{ ...base, schedule: { timezone: 'Mars/Olympus', from: '09:00', to: '17:00' } }, 'schedule.timezone'],
        [{ ...base, actions: [{ type: 'webhook', url: 'ftp://x' }] }, 'actions[0].url'],
        [{ ...base, actions: [{ type: 'email', to: ['not an address'] }] }, 'actions[0].to'],
        [{ ...base, query: 'action:(' }, 'query'],
        [{ template: 'nope' }, 'template'],
      ] as const) {
        const response = await api('POST', '/v1/alert-rules', body);
        assert.equal(response.statusCode, 400, `${field}: ${response.body}`);
        assert.equal(response.json().error.details[0]?.field ?? response.json().error.details, field, response.body);
      }
      const other = await app.tenantWithKey(['audit:read'], 'other');
      assert.equal((await api('GET', '/v1/alert-rules', undefined, other.key)).statusCode, 403);
      const third = await app.tenantWithKey(['alerts:manage'], 'third');
      assert.deepEqual((await api('GET', '/v1/alerts', undefined, third.key)).json().alerts, [], 'another tenant sees none of these alerts');
    });

    it('notifies a signed webhook, Slack and e-mail; failed deliveries are retried and shown; acknowledge and resolve', async () => {
      let failFirst = 1;
      webhook.respond = () => (failFirst-- > 0 ? { status: 503 } : { status: 200 });
      const created = await rule({
        name: 'Role to owner', query: 'action:member.role_changed details.to_role:owner', condition: { type: 'any', group_by: ['actor.id'] }, severity: 'critical', cooldown_minutes: 0,
        actions: [{ type: 'webhook', url: `${webhook.url}/hook` }, { type: 'slack', url: `${slack.url}/services/T000/B000/XXXXSECRET` }, { type: 'email', to: ['soc@example.com'] }],
      });
      const secret = created.webhook_secrets![0]!;
      const shownRule = (await api('GET', `/v1/alert-rules/${created.id}`)).json();
      assert.equal(JSON.stringify(shownRule).includes('XXXXSECRET'), false, 'the Slack URL is masked');
      assert.equal(JSON.stringify(shownRule).includes(secret), false);
      const [event] = await send([{ action: 'member.role_changed', actor: { id: 'mallory', email: 'mallory@example.com' }, target: { type: 'user', id: 'trent' }, details: { to_role: 'owner' }, occurred_at: new Date(clock).toISOString() }]);
      const [alert] = await alertsOf(created.id);
      assert.ok(alert);
      const delivered = await waitFor('every notification sent', async () => {
        const current = (await api('GET', `/v1/alerts/${alert.id}`)).json();
        return current.deliveries.every((d: { state: string }) => d.state === 'sent') ? current : undefined;
      });
      const hookDelivery = delivered.deliveries.find((d: { type: string }) => d.type === 'webhook');
      assert.equal(hookDelivery.attempts, 2, 'the 503 was retried');
      // The webhook: signed, naming the rule, severity, group, count and the events.
      const last = webhook.requests.at(-1)!;
      assert.equal(verifyWebhook(secret, last.headers as Record<string, string>, last.raw), true);
      assert.equal(last.headers['webhook-id'], alert.id, 'the same id on the retry');
      assert.equal(webhook.requests.at(-2)!.headers['webhook-id'], alert.id);
      const payload = JSON.parse(last.body);
      assert.equal(payload.type, 'alert.fired');
      assert.deepEqual(payload.data.rule, { id: created.id, name: 'Role to owner' });
      assert.equal(payload.data.severity, 'critical');
      assert.deepEqual(payload.data.group, { 'actor.id': 'mallory' });
      assert.equal(payload.data.first_event.id, event!.id);
      // Slack: a readable message with a link to the events.
      const message = JSON.parse(slack.requests.at(-1)!.body);
      assert.equal(slack.requests.at(-1)!.url, '/services/T000/B000/XXXXSECRET');
      assert.match(message.text, /CRITICAL alert: Role to owner \(actor\.id=mallory\)/);
      assert.match(JSON.stringify(message.blocks), /https:\/\/audit\.example\.com\/\?q=/);
      // E-mail.
      const mail = await waitFor('the e-mail', () => mails.find((m) => m.subject?.includes('Role to owner')));
      assert.equal(mail.subject, '[Stele critical] Role to owner: actor.id=mallory');
      assert.match(mail.text ?? '', /Group: actor\.id=mallory/);
      assert.match(mail.text ?? '', new RegExp(`First event: ${event!.id}`));
      assert.match(mail.text ?? '', /Open in Stele: https:\/\/audit\.example\.com\//);
      // History: acknowledge, resolve, and the events that say so.
      const acked = await api('POST', `/v1/alerts/${alert.id}/acknowledge`);
      assert.equal(acked.json().state, 'acknowledged');
      assert.equal((await api('GET', '/v1/alerts?state=acknowledged')).json().alerts.some((a: { id: string }) => a.id === alert.id), true);
      assert.equal((await api('POST', `/v1/alerts/${alert.id}/resolve`)).json().state, 'resolved');
      assert.equal((await api('POST', `/v1/alerts/${alert.id}/acknowledge`)).statusCode, 409);
      const limited = (await api('GET', '/v1/alerts?limit=1')).json();
      assert.equal(limited.alerts.length, 1);
      assert.ok(limited.counts.open + limited.counts.resolved > 1, 'counts cover every alert');
      assert.equal((await api('GET', '/v1/alerts?limit=0')).statusCode, 400);
      const counts = (await api('GET', '/v1/alerts?severity=critical')).json().counts;
      assert.equal(counts.resolved >= 1, true);
      for (const action of ['alert.acknowledged', 'alert.resolved']) {
        const events = (await api('GET', `/v1/events?action=${action}`)).json().events as { details: { alert_id: string } }[];
        assert.equal(events.some((e) => e.details.alert_id === alert.id), true, action);
      }
    });

    it('edits, disables and deletes a rule; a disabled rule does not fire; each change is in the log', async () => {
      const created = await rule({ name: 'Edit me', query: 'action:edit.me', condition: { type: 'any' }, severity: 'low', cooldown_minutes: 0 });
      const updated = await api('PUT', `/v1/alert-rules/${created.id}`, { name: 'Edited', query: 'action:edit.me', condition: { type: 'any' }, severity: 'medium', enabled: false });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.equal(updated.json().enabled, false);
      await send([{ action: 'edit.me' }]);
      assert.equal((await alertsOf(created.id)).length, 0);
      assert.equal((await api('DELETE', `/v1/alert-rules/${created.id}`)).statusCode, 204);
      assert.equal((await api('GET', `/v1/alert-rules/${created.id}`)).statusCode, 404);
      const changes = (await api('GET', '/v1/events?q=action:alert_rule.*')).json().events as { action: string; target: { id: string }; details: Record<string, unknown> }[];
      const mine = changes.filter((e) => e.target.id === created.id).map((e) => e.action).sort();
      assert.deepEqual(mine, ['alert_rule.created', 'alert_rule.deleted', 'alert_rule.updated']);
    });
  });
}
