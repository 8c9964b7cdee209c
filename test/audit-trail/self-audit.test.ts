// Stele audits itself: every change made through the API lands in the affected tenant's log with
// who, what and from where, and never a secret; what belongs to no tenant lands in the instance
// log `_system`, which only the instance admin reads. Reads and refusals collapse per window.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StoredEvent } from '../../src/domain/event.js';
import { eq, sql } from '../../src/sql/fragments.js';
import { ENGINES, type Engine } from '../../src/store/testing/test-stores.js';
import { cookieOf, createUser } from '../dashboard/dashboard-helpers.js';
import { eventually } from '../export/export-test-bed.js';
import { isSelfAudit } from '../helpers/self-audit.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

const MINUTE = 60_000;
const AGENT = 'self-audit-test/1.0';
const SFTP_PASSWORD = 'sftp-password-that-must-never-show';
const USER_PASSWORD = 'user-password-that-must-never-show';

/** A tenant's log, or one action of it, read from the store (reading through the API would add to it). */
async function logOf(t: TestApp, tenantId: string, action?: string): Promise<StoredEvent[]> {
  return t.db.store.findEvents(tenantId, { where: action ? eq('action', action) : sql('1 = 1'), order: { key: 'seq', direction: 'asc' }, limit: 10_000 });
}

async function startApp(engine: Engine, clock: { ms: number }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stele-self-audit-'));
  const t = await startTestApp(engine, { STELE_DATA_DIR: dataDir }, () => clock.ms);
  return { t, dataDir };
}

for (const engine of ENGINES) {
  describe(`self-audit of changes through the API on ${engine.name}`, { skip: engine.skip }, () => {
    const clock = { ms: Date.parse('2026-06-01T08:00:00.000Z') };
    let t: TestApp;
    let dataDir: string;
    let tenantId: string;
    let manager: { key: string; id: string };
    const secrets: string[] = [SFTP_PASSWORD, USER_PASSWORD, ADMIN_TOKEN];
    const as = (key: string, requestId: string) => ({ key, headers: { 'user-agent': AGENT, 'x-request-id': requestId } });

    before(async () => {
      ({ t, dataDir } = await startApp(engine.name, clock));
      const tenant = await t.request({ method: 'POST', url: '/v1/tenants', payload: { name: 'Acme' }, ...as(ADMIN_TOKEN, 'req-tenant') });
      tenantId = tenant.json().id;
      const created = await t.request({
        method: 'POST', url: `/v1/tenants/${tenantId}/keys`, ...as(ADMIN_TOKEN, 'req-key'),
        payload: { name: 'manager', scopes: ['keys:manage', 'audit:read', 'audit:export', 'events:write'] },
      });
      manager = { key: created.json().key, id: created.json().id };
      secrets.push(manager.key);
    });
    after(async () => {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('records a new tenant in its own log and in the instance log, by the instance admin, from the request', async () => {
      for (const log of [tenantId, '_system']) {
        const [event] = (await logOf(t, log, 'tenant.created')).filter((e) => e.target?.id === tenantId);
        assert.ok(event, `tenant.created in ${log}`);
        assert.deepEqual(event.actor, { id: 'instance_admin', type: 'admin' });
        assert.deepEqual(event.target, { type: 'tenant', id: tenantId, name: 'Acme' });
        assert.equal(event.category, 'configuration');
        assert.equal(event.success, true);
        assert.deepEqual(
          { ip: event.context?.ip, user_agent: event.context?.user_agent, request_id: event.context?.request_id, method: event.context?.method, url: event.context?.url },
          { ip: '127.0.0.1', user_agent: AGENT, request_id: 'req-tenant', method: 'POST', url: '/v1/tenants' },
        );
      }
      assert.deepEqual((await logOf(t, tenantId)).slice(0, 2).map((e) => e.action), ['tenant.created', 'api_key.created'], 'the log starts with them');
    });

    it('records keys created and revoked, by whoever did it, with the scopes and never the secret', async () => {
      const reader = await t.request({ method: 'POST', url: `/v1/tenants/${tenantId}/keys`, payload: { name: 'reader', scopes: ['audit:read'] }, ...as(manager.key, 'req-reader') });
      assert.equal(reader.statusCode, 201);
      secrets.push(reader.json().key);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/tenants/${tenantId}/keys/${reader.json().id}`, ...as(manager.key, 'req-revoke') })).statusCode, 204);

      const created = await logOf(t, tenantId, 'api_key.created');
      assert.deepEqual(created.map((e) => [e.actor?.id, e.target?.name, e.details?.scopes]), [
        ['instance_admin', 'manager', ['keys:manage', 'audit:read', 'audit:export', 'events:write']],
        [manager.id, 'reader', ['audit:read']],
      ]);
      assert.deepEqual(created[1]!.actor, { id: manager.id, type: 'api_key', name: 'manager' });
      assert.equal(created[1]!.context?.api_key_id, manager.id);
      assert.equal(created[1]!.context?.request_id, 'req-reader');
      const [revoked] = await logOf(t, tenantId, 'api_key.revoked');
      assert.deepEqual(revoked!.target, { type: 'api_key', id: reader.json().id, name: 'reader' });
      assert.equal(revoked!.actor?.id, manager.id);
      assert.equal(revoked!.context?.request_id, 'req-revoke');
      assert.equal(revoked!.category, 'security');
    });

    it('records saved searches created, changed (with the changed fields) and deleted', async () => {
      const created = await t.request({ method: 'POST', url: '/v1/saved-searches', payload: { name: 'Failures', query: 'success:false' }, ...as(manager.key, 'req-ss1') });
      const id = created.json().id as string;
      await t.request({ method: 'PUT', url: `/v1/saved-searches/${id}`, payload: { name: 'Failures', query: 'success:false AND action:login.*' }, ...as(manager.key, 'req-ss2') });
      await t.request({ method: 'DELETE', url: `/v1/saved-searches/${id}`, ...as(manager.key, 'req-ss3') });

      const events = (await logOf(t, tenantId)).filter((e) => e.action.startsWith('saved_search.'));
      assert.deepEqual(events.map((e) => [e.action, e.target?.id, e.context?.request_id]), [
        ['saved_search.created', id, 'req-ss1'], ['saved_search.updated', id, 'req-ss2'], ['saved_search.deleted', id, 'req-ss3'],
      ]);
      assert.deepEqual(events[0]!.details, { name: 'Failures', query: 'success:false', filters: {} });
      assert.deepEqual(events[1]!.details, { changes: { query: { from: 'success:false', to: 'success:false AND action:login.*' } } });
      assert.deepEqual(events[2]!.target, { type: 'saved_search', id, name: 'Failures' });
    });

    it('records export schedules created and deleted, saying credentials were set but never what they are', async () => {
      const directory = await t.request({ method: 'POST', url: '/v1/export-schedules', payload: { frequency: 'daily', format: 'csv', directory: 'acme' }, ...as(manager.key, 'req-sch1') });
      assert.equal(directory.statusCode, 201, directory.body);
      const sftp = await t.request({
        method: 'POST', url: '/v1/export-schedules', ...as(manager.key, 'req-sch2'),
        payload: { frequency: 'weekly', format: 'ndjson', filters: { action: ['login.*'] }, sftp: { host: 'sftp.example.com', username: 'audit', path: 'drop', password: SFTP_PASSWORD } },
      });
      assert.equal(sftp.statusCode, 201, sftp.body);
      await t.request({ method: 'DELETE', url: `/v1/export-schedules/${directory.json().id}`, ...as(manager.key, 'req-sch3') });

      const created = await logOf(t, tenantId, 'export_schedule.created');
      assert.deepEqual(created.map((e) => e.target), [{ type: 'export_schedule', id: directory.json().id }, { type: 'export_schedule', id: sftp.json().id }]);
      assert.deepEqual(created[0]!.details, { frequency: 'daily', format: 'csv', filters: {}, directory: 'acme', from_start: false });
      assert.deepEqual(created[1]!.details, {
        frequency: 'weekly', format: 'ndjson', filters: { action: ['login.*'] }, destination: 'sftp://audit@sftp.example.com:22/~/drop',
        host_key_sha256: null, credentials: 'password set', from_start: false,
      });
      const [deleted] = await logOf(t, tenantId, 'export_schedule.deleted');
      assert.equal(deleted!.target?.id, directory.json().id);
      assert.equal(deleted!.context?.request_id, 'req-sch3');
    });

    it('records bulk export jobs when asked for, and viewer tokens when minted', async () => {
      const job = await t.request({ method: 'POST', url: '/v1/exports', payload: { format: 'ndjson', filters: { action: ['api_key.*'] }, label: 'keys' }, ...as(manager.key, 'req-job') });
      assert.equal(job.statusCode, 202, job.body);
      const [requested] = await logOf(t, tenantId, 'export_job.created');
      assert.deepEqual(requested!.target, { type: 'export_job', id: job.json().id, name: 'keys' });
      assert.equal(requested!.details?.format, 'ndjson');
      assert.equal(requested!.context?.request_id, 'req-job');
      // The job runs in the background and records its audit.exported by the same requester.
      const ran = await eventually(async () => (await logOf(t, tenantId, 'audit.exported')).find((e) => e.details?.job_id === job.json().id));
      assert.deepEqual(ran.actor, requested!.actor);

      const minted = await t.request({ method: 'POST', url: '/v1/viewer-tokens', payload: { ttl_seconds: 600, filters: { action: ['login.*'] } }, ...as(manager.key, 'req-viewer') });
      assert.equal(minted.statusCode, 201, minted.body);
      secrets.push(minted.json().token);
      const [token] = await logOf(t, tenantId, 'viewer_token.created');
      assert.deepEqual(token!.actor, { id: manager.id, type: 'api_key', name: 'manager' });
      assert.deepEqual(token!.target, { type: 'viewer_token', id: minted.json().id });
      assert.equal(token!.context?.user_agent, AGENT);
      assert.deepEqual(token!.details?.filters, { action: ['login.*'] });
    });

    it('records dashboard sign-in and sign-out through the same trail', async () => {
      await createUser(t.db.store, tenantId, 'ada@acme.test', USER_PASSWORD, 'org_admin');
      const signIn = await t.request({ method: 'POST', url: '/v1/session', payload: { email: 'ada@acme.test', password: USER_PASSWORD }, headers: { host: 'stele.test', 'user-agent': AGENT, 'x-request-id': 'req-in' } });
      assert.equal(signIn.statusCode, 200, signIn.body);
      const cookie = cookieOf(signIn.headers['set-cookie']);
      secrets.push(cookie.split('=')[1]!);
      await t.request({ method: 'DELETE', url: '/v1/session', headers: { cookie, host: 'stele.test', 'x-stele-csrf': signIn.json().csrf_token } });

      const events = (await logOf(t, tenantId)).filter((e) => e.action.startsWith('user.'));
      assert.deepEqual(events.map((e) => e.action), ['user.login_succeeded', 'user.logged_out']);
      assert.deepEqual(events[0]!.actor, { id: 'ada@acme.test', type: 'user', email: 'ada@acme.test', role: 'org_admin' });
      assert.equal(events[0]!.context?.request_id, 'req-in');
      assert.equal(events[0]!.context?.user_agent, AGENT);
    });

    it('gives every self-audit event an actor and where it came from, and never carries a secret', async () => {
      const events = [...(await logOf(t, tenantId)), ...(await logOf(t, '_system'))];
      assert.ok(events.length >= 15);
      // A bulk job's run happens outside any request: where it was asked from is on export_job.created.
      const fromRequests = events.filter((e) => isSelfAudit(e) && !(e.action === 'audit.exported' && e.details?.kind === 'bulk'));
      for (const event of fromRequests) {
        assert.ok(event.actor?.type, `${event.action} has an actor`);
        assert.match(event.context?.ip ?? '', /^127\.0\.0\.1$/, `${event.action} has the caller's address`);
        assert.ok(event.context?.request_id, `${event.action} has a request id`);
      }
      const text = JSON.stringify(events);
      assert.equal(secrets.length, 7);
      for (const secret of secrets) assert.equal(text.includes(secret), false, `a secret leaked into the log: ${secret.slice(0, 12)}...`);
    });
  });

  describe(`the instance log on ${engine.name}`, { skip: engine.skip }, () => {
    const clock = { ms: Date.parse('2026-06-01T08:00:00.000Z') };
    let t: TestApp;
    let dataDir: string;
    before(async () => {
      ({ t, dataDir } = await startApp(engine.name, clock));
    });
    after(async () => {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('is read by the instance admin with tenant_id=_system, and is never listed as a tenant', async () => {
      const { tenantId } = await t.tenantWithKey(['audit:read']);
      const tenants = await t.request({ method: 'GET', url: '/v1/tenants', key: ADMIN_TOKEN });
      assert.deepEqual(tenants.json().tenants.map((x: { id: string }) => x.id), [tenantId]);
      const log = await t.request({ method: 'GET', url: '/v1/events?tenant_id=_system&sort=seq&order=asc', key: ADMIN_TOKEN });
      assert.equal(log.statusCode, 200, log.body);
      const events = log.json().events as StoredEvent[];
      assert.ok(events.every((e) => e.tenant_id === '_system'));
      assert.deepEqual(events.map((e) => e.action), ['tenant.created', 'data.accessed']);
      assert.deepEqual(events[1]!.details, { view: 'tenants', query: {}, rows: 1, count: 1 });
      assert.deepEqual(events[1]!.actor, { id: 'instance_admin', type: 'admin' });
      const verified = await t.request({ method: 'POST', url: '/v1/integrity/verify?tenant_id=_system', key: ADMIN_TOKEN, payload: {} });
      assert.equal(verified.json().ok, true, verified.body);
    });

    it('cannot be reached by a tenant key, and cannot be written, keyed or embedded by anyone', async () => {
      const { tenantId, key } = await t.tenantWithKey(['audit:read', 'events:write', 'keys:manage', 'audit:export']);
      for (const url of ['/v1/events?tenant_id=_system', '/v1/events/feed?tenant_id=_system', '/v1/events/export?format=csv&tenant_id=_system']) {
        const response = await t.request({ method: 'GET', url, key });
        assert.equal(response.statusCode, 404, url);
      }
      const refused = [
        await t.request({ method: 'POST', url: '/v1/events?tenant_id=_system', key: ADMIN_TOKEN, payload: { action: 'forged.instance_event' } }),
        await t.request({ method: 'POST', url: '/v1/tenants/_system/keys', key: ADMIN_TOKEN, payload: { name: 'x', scopes: ['audit:read'] } }),
        await t.request({ method: 'POST', url: '/v1/viewer-tokens', key: ADMIN_TOKEN, payload: { tenant_id: '_system' } }),
      ];
      assert.deepEqual(refused.map((r) => r.statusCode), [403, 403, 403]);
      assert.equal((await logOf(t, '_system', 'forged.instance_event')).length, 0);
      assert.equal((await logOf(t, tenantId, 'data.accessed')).length, 0, 'the refused reads read nothing');
    });

    it('records a token nobody holds there, and a revoked key in its own tenant\'s log, without the token', async () => {
      const wrong = 'stele_admin_not_the_real_admin_token_000000';
      for (let i = 0; i < 3; i++) assert.equal((await t.request({ method: 'GET', url: '/v1/tenants', key: wrong })).statusCode, 401);
      const [failed] = await logOf(t, '_system', 'authentication.failed');
      assert.deepEqual(failed!.details, { reason: 'unknown', presented: 'admin_token', count: 1 });
      assert.deepEqual(failed!.actor, { type: 'anonymous' });
      assert.equal(failed!.context?.http_status, 401);
      assert.equal(failed!.success, false);

      const { tenantId, key, keyId } = await t.tenantWithKey(['audit:read']);
      await t.request({ method: 'DELETE', url: `/v1/tenants/${tenantId}/keys/${keyId}`, key: ADMIN_TOKEN });
      assert.equal((await t.request({ method: 'GET', url: '/v1/events', key })).statusCode, 401);
      const [revoked] = await logOf(t, tenantId, 'authentication.failed');
      assert.deepEqual(revoked!.actor, { id: keyId, type: 'api_key', name: 'test' });
      assert.equal(revoked!.details?.reason, 'revoked');

      const everything = JSON.stringify([...(await logOf(t, '_system')), ...(await logOf(t, tenantId))]);
      for (const secret of [wrong, key, ADMIN_TOKEN]) assert.equal(everything.includes(secret), false);
    });
  });

  describe(`collapsing reads and refusals on ${engine.name}`, { skip: engine.skip }, () => {
    it('records 50 reads in a window as the first read, then one event counting the 49 others when the window ends', async () => {
      const clock = { ms: Date.parse('2026-06-01T08:00:00.000Z') };
      const { t, dataDir } = await startApp(engine.name, clock);
      try {
        const { tenantId, key, keyId } = await t.tenantWithKey(['audit:read', 'events:write']);
        await t.request({ method: 'POST', url: '/v1/events', key, payload: [{ action: 'doc.viewed' }, { action: 'doc.shared' }] });
        for (let i = 0; i < 50; i++) {
          const response = await t.request({ method: 'GET', url: `/v1/events?action=doc.*&limit=${i % 2 ? 1 : 10}`, key });
          assert.equal(response.statusCode, 200);
          clock.ms += 1000;
        }
        const first = await logOf(t, tenantId, 'data.accessed');
        assert.equal(first.length, 1, 'only the first read is written at once');
        assert.deepEqual(first[0]!.details, { view: 'list', query: { action: 'doc.*' }, rows: 2, count: 1 });
        assert.deepEqual(first[0]!.actor, { id: keyId, type: 'api_key', name: 'test' });
        assert.deepEqual(first[0]!.target, { type: 'audit_log', id: tenantId });

        clock.ms += 10 * MINUTE;
        await t.request({ method: 'GET', url: '/v1/events?action=doc.*', key });
        const after = await logOf(t, tenantId, 'data.accessed');
        assert.deepEqual(after.map((e) => e.details?.count), [1, 49, 1], 'the first read, the 49 repeats, the first read of the next window');
        assert.deepEqual(after[1]!.details, {
          view: 'list', query: { action: 'doc.*' }, rows: 25 * 1 + 24 * 2, count: 49, // rows summed over the 49 (limit 1 or 10 of 2 events)
          first_at: '2026-06-01T08:00:01.000Z', last_at: '2026-06-01T08:00:49.000Z',
        });
        assert.equal(after[1]!.occurred_at, '2026-06-01T08:00:49.000Z');
      } finally {
        await t.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('keeps searches, single events, feeds and readers apart, and writes pending counts when the app closes', async () => {
      const clock = { ms: Date.parse('2026-06-01T08:00:00.000Z') };
      const { t, dataDir } = await startApp(engine.name, clock);
      try {
        const { tenantId, key } = await t.tenantWithKey(['audit:read', 'events:write']);
        const [event] = (await t.request({ method: 'POST', url: '/v1/events', key, payload: { action: 'doc.viewed' } })).json().events;
        for (let i = 0; i < 5; i++) {
          await t.request({ method: 'GET', url: `/v1/events?q=${encodeURIComponent('action:doc.*')}`, key });
          await t.request({ method: 'GET', url: `/v1/events/${event.id}`, key });
          await t.request({ method: 'GET', url: `/v1/events/feed?after_seq=${i}`, key });
          await t.request({ method: 'GET', url: `/v1/events?tenant_id=${tenantId}`, key: ADMIN_TOKEN });
        }
        const before = await logOf(t, tenantId, 'data.accessed');
        assert.deepEqual(before.map((e) => [e.details?.view, e.actor?.type, e.details?.count]), [
          ['search', 'api_key', 1], ['get', 'api_key', 1], ['feed', 'api_key', 1], ['list', 'admin', 1],
        ]);
        assert.deepEqual(before[0]!.details?.query, { q: 'action:doc.*' });
        assert.deepEqual(before[1]!.target, { type: 'event', id: event.id });
        await t.app.close();
        const closed = await logOf(t, tenantId, 'data.accessed');
        assert.deepEqual(closed.slice(4).map((e) => [e.details?.view, e.details?.count]).sort(), [['feed', 4], ['get', 4], ['list', 4], ['search', 4]]);
      } finally {
        await t.db.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('records 300 refusals of one key on one route as a handful of access_denied events whose counts add up to 300', async () => {
      const clock = { ms: Date.parse('2026-06-01T08:00:00.000Z') };
      const { t, dataDir } = await startApp(engine.name, clock);
      try {
        const { tenantId, keyId, key } = await t.tenantWithKey(['events:write']);
        for (let i = 0; i < 300; i++) {
          assert.equal((await t.request({ method: 'GET', url: `/v1/events?limit=${i}`, key })).statusCode, 403);
          if (i === 150) clock.ms += 10 * MINUTE; // a window ends halfway
        }
        assert.equal((await t.request({ method: 'GET', url: '/v1/events/feed', key })).statusCode, 403, 'another route');
        await t.app.close();
        const denied = (await logOf(t, tenantId, 'access_denied')).filter((e) => e.details?.route === 'GET /v1/events');
        assert.ok(denied.length <= 4, `${denied.length} events`);
        assert.equal(denied.reduce((sum, e) => sum + Number(e.details?.count), 0), 300);
        for (const event of denied) {
          assert.deepEqual(event.actor, { id: keyId, type: 'api_key', name: 'test' });
          assert.equal(event.details?.required_scope, 'audit:read');
          assert.equal(event.context?.http_status, 403);
          assert.equal(event.success, false);
        }
        assert.equal((await logOf(t, tenantId, 'access_denied')).filter((e) => e.details?.route === 'GET /v1/events/feed').length, 1);
      } finally {
        await t.db.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
