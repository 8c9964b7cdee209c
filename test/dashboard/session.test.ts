import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';
import { cookieOf, createUser } from './dashboard-helpers.js';

describe('dashboard sessions', () => {
  let t: TestApp;
  let tenantId: string;
  let adminKey: string;
  const logLines: string[] = [];

  before(async () => {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
    t = await startTestApp('sqlite', {}, undefined, logger);
    ({ tenantId, key: adminKey } = await t.tenantWithKey(['keys:manage', 'audit:read', 'events:write']));
    await createUser(t.db.store, tenantId, 'Viewer@Example.com', 'correct horse', 'viewer');
    await createUser(t.db.store, tenantId, 'admin@example.com', 'correct horse', 'org_admin');
  });
  after(() => t.close());

  const signIn = (email: string, password: string, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: '/v1/session', payload: { email, password }, headers: { host: 'stele.test', ...headers } });

  async function session(email: string) {
    const response = await signIn(email, 'correct horse');
    assert.equal(response.statusCode, 200, response.body);
    return { cookie: cookieOf(response.headers['set-cookie']), csrf: response.json().csrf_token as string };
  }

  it('signs in with email and password and sets an HttpOnly, SameSite=Strict cookie, Secure with the __Host- prefix off loopback', async () => {
    const response = await signIn('viewer@example.com', 'correct horse');
    assert.equal(response.statusCode, 200, response.body);
    const cookie = String(response.headers['set-cookie']);
    assert.match(cookie, /^__Host-stele_session=sts_[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    assert.deepEqual(response.json().scopes, ['audit:read']);
    assert.equal(response.json().tenant_id, tenantId);
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    const response = await signIn('viewer@example.com', 'correct horse', { 'x-forwarded-proto': 'https' });
    assert.match(String(response.headers['set-cookie']), /; Secure$/);
  });

  it('refuses a wrong password and an unknown email with the same message', async () => {
    const wrong = await signIn('viewer@example.com', 'nope');
    const unknown = await signIn('nobody@example.com', 'nope');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.json().error.message, unknown.json().error.message);
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  it('logs a sign-in for an unknown email to the operator log and the instance log (no tenant log to hold it), without the password', async () => {
    await signIn('Stranger@Example.com', 'hunter2-secret');
    const entry = logLines.map((line) => JSON.parse(line)).find((e) => e.event === 'dashboard_sign_in_unknown_email' && e.email === 'Stranger@Example.com');
    assert.ok(entry, 'logged');
    assert.ok(entry.ip);
    assert.ok(!logLines.some((line) => line.includes('hunter2-secret')));
    const instance = await t.request({ method: 'GET', url: '/v1/events?tenant_id=_system&action=user.login_failed', key: ADMIN_TOKEN });
    const [event] = instance.json().events;
    assert.deepEqual(event.actor, { type: 'anonymous', email: 'Stranger@Example.com' });
    assert.deepEqual(event.details, { reason: 'unknown_user', count: 1 });
    assert.equal(event.success, false);
    assert.ok(!instance.body.includes('hunter2-secret'));
  });

  it('records sign-in successes and failures in the tenant log', async () => {
    await signIn('viewer@example.com', 'bad password');
    await signIn('viewer@example.com', 'correct horse');
    const events = (await t.request({ method: 'GET', url: '/v1/events?action=user.login_failed,user.login_succeeded', key: adminKey })).json().events;
    const failed = events.find((e: { action: string }) => e.action === 'user.login_failed');
    assert.equal(failed.actor.email, 'viewer@example.com');
    assert.equal(failed.success, false);
    assert.equal(failed.details.reason, 'wrong_password');
    assert.ok(events.some((e: { action: string; success: boolean }) => e.action === 'user.login_succeeded' && e.success));
  });

  it('says who is signed in, and lets the cookie read events', async () => {
    const { cookie } = await session('viewer@example.com');
    const me = await t.request({ method: 'GET', url: '/v1/session', headers: { cookie } });
    assert.equal(me.json().email, 'viewer@example.com');
    assert.equal(me.json().role, 'viewer');
    const events = await t.request({ method: 'GET', url: '/v1/events', headers: { cookie } });
    assert.equal(events.statusCode, 200);
  });

  it('keeps a viewer out of the keys API and records the refusal', async () => {
    const { cookie } = await session('viewer@example.com');
    const list = await t.request({ method: 'GET', url: `/v1/tenants/${tenantId}/keys`, headers: { cookie } });
    assert.equal(list.statusCode, 403);
    const denied = (await t.request({ method: 'GET', url: '/v1/events?action=access_denied', key: adminKey })).json().events;
    assert.equal(denied[0].actor.email, 'viewer@example.com');
  });

  it('lets an org admin manage keys with the CSRF header, and refuses without it', async () => {
    const { cookie, csrf } = await session('admin@example.com');
    const headers = { cookie, host: 'stele.test', origin: 'http://stele.test' };
    const payload = { name: 'from the dashboard', scopes: ['audit:read'] };
    const bare = await t.request({ method: 'POST', url: `/v1/tenants/${tenantId}/keys`, headers, payload });
    assert.equal(bare.statusCode, 403);
    assert.match(bare.json().error.message, /X-Stele-CSRF/);
    const crossSite = await t.request({ method: 'POST', url: `/v1/tenants/${tenantId}/keys`, headers: { ...headers, origin: 'https://evil.example', 'x-stele-csrf': csrf }, payload });
    assert.equal(crossSite.statusCode, 403);
    const ok = await t.request({ method: 'POST', url: `/v1/tenants/${tenantId}/keys`, headers: { ...headers, 'x-stele-csrf': csrf }, payload });
    assert.equal(ok.statusCode, 201, ok.body);
  });

  it('signs out: the cookie stops working', async () => {
    const { cookie, csrf } = await session('viewer@example.com');
    const out = await t.request({ method: 'DELETE', url: '/v1/session', headers: { cookie, 'x-stele-csrf': csrf } });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await t.request({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode, 401);
    assert.equal((await t.request({ method: 'GET', url: '/v1/events', headers: { cookie } })).statusCode, 401);
  });

  it('refuses a sign-in posted from another origin', async () => {
    const response = await signIn('viewer@example.com', 'correct horse', { origin: 'https://evil.example' });
    assert.equal(response.statusCode, 403);
  });

  it('lets a super_admin act as the instance admin and read its home tenant', async () => {
    await createUser(t.db.store, tenantId, 'root@example.com', 'correct horse', 'super_admin');
    const { cookie } = await session('root@example.com');
    const tenants = await t.request({ method: 'GET', url: '/v1/tenants', headers: { cookie } });
    assert.equal(tenants.statusCode, 200);
    const events = await t.request({ method: 'GET', url: '/v1/events', headers: { cookie } });
    assert.equal(events.statusCode, 200, events.body);
  });
});
