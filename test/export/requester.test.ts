// Who an export is recorded as: the signed-in dashboard user or viewer token, not `anonymous`.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { actorOfPrincipal } from '../../src/export/audit-events.js';
import { cookieOf, createUser } from '../dashboard/dashboard-helpers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('the requester recorded in audit.exported', () => {
  let t: TestApp;
  let tenantId: string;
  let key: string;

  before(async () => {
    t = await startTestApp('sqlite');
    ({ tenantId, key } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
    await t.request({ method: 'POST', url: '/v1/events', key, payload: [{ action: 'doc.viewed' }] });
    await createUser(t.db.store, tenantId, 'org@example.com', 'correct horse', 'org_admin');
  });
  after(() => t.close());

  it('records a dashboard user by email and role when they download an export', async () => {
    const signIn = await t.request({ method: 'POST', url: '/v1/session', payload: { email: 'org@example.com', password: 'correct horse' }, headers: { host: 'stele.test' } });
    assert.equal(signIn.statusCode, 200, signIn.body);
    const exported = await t.request({ method: 'GET', url: '/v1/events/export?format=csv', headers: { cookie: cookieOf(signIn.headers['set-cookie']) } });
    assert.equal(exported.statusCode, 200, exported.body);
    const events = (await t.request({ method: 'GET', url: '/v1/events/feed?action=audit.exported', key })).json().events;
    assert.deepEqual(events.at(-1).actor, { id: 'org@example.com', type: 'user', email: 'org@example.com', role: 'org_admin' });
  });

  it('names every kind of principal, as the access.denied events do', () => {
    assert.deepEqual(actorOfPrincipal({ kind: 'viewer', tenantId: 't', tokenId: 'vt_1', scopes: ['audit:read'] }), { id: 'vt_1', type: 'viewer_token' });
    assert.deepEqual(actorOfPrincipal({ kind: 'user', tenantId: 't', email: 'a@example.com', role: 'auditor', scopes: [], instanceAdmin: false }), { id: 'a@example.com', type: 'user', email: 'a@example.com', role: 'auditor' });
    assert.deepEqual(actorOfPrincipal({ kind: 'api_key', tenantId: 't', keyId: 'k1', keyName: 'ci', scopes: [] }), { id: 'k1', type: 'api_key', name: 'ci' });
    assert.deepEqual(actorOfPrincipal({ kind: 'admin' }), { id: 'instance_admin', type: 'admin' });
    assert.deepEqual(actorOfPrincipal(undefined), { type: 'anonymous' }, 'a download link used without signing in');
  });
});
