import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { applicationEvents } from '../helpers/self-audit.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

for (const engine of ENGINES) {
  describe(`access control on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine.name);
    });
    after(() => t.close());

    it('answers 401 without a key, with an unknown key and with a malformed header', async () => {
      for (const headers of [{}, { authorization: 'Bearer stele_nope' }, { authorization: 'Basic abc' }]) {
        const response = await t.app.inject({ method: 'GET', url: '/v1/events', headers });
        assert.equal(response.statusCode, 401);
        assert.equal(response.json().error.code, 'unauthenticated');
      }
    });

    it('answers 403 without the scope and records access_denied in the tenant\'s own log', async () => {
      const writer = await t.tenantWithKey(['events:write']);
      const reader = await t.request({ method: 'POST', url: `/v1/tenants/${writer.tenantId}/keys`, key: ADMIN_TOKEN, payload: { name: 'r', scopes: ['audit:read'] } });
      const denied = await t.request({ method: 'GET', url: '/v1/events', key: writer.key });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().error.code, 'forbidden');
      const log = await t.request({ method: 'GET', url: '/v1/events?action=access_denied', key: reader.json().key });
      const [event] = log.json().events;
      assert.equal(event.actor.id, writer.keyId);
      assert.equal(event.success, false);
      assert.equal(event.details.required_scope, 'audit:read');
      assert.equal(event.context.http_status, 403);
    });

    it('revokes a key at once', async () => {
      const { tenantId, key, keyId } = await t.tenantWithKey(['audit:read']);
      assert.equal((await t.request({ method: 'GET', url: '/v1/events', key })).statusCode, 200);
      const listed = await t.request({ method: 'GET', url: `/v1/tenants/${tenantId}/keys`, key: ADMIN_TOKEN });
      assert.equal(listed.json().keys[0].id, keyId);
      assert.equal(listed.json().keys[0].key, undefined, 'the secret is never listed');
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/tenants/${tenantId}/keys/${keyId}`, key: ADMIN_TOKEN })).statusCode, 204);
      assert.equal((await t.request({ method: 'GET', url: '/v1/events', key })).statusCode, 401);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/tenants/${tenantId}/keys/${keyId}`, key: ADMIN_TOKEN })).statusCode, 404);
    });

    it('never shows tenant A anything of tenant B', async () => {
      const a = await t.tenantWithKey(['events:write', 'audit:read', 'keys:manage'], 'a');
      const b = await t.tenantWithKey(['events:write', 'audit:read', 'keys:manage'], 'b');
      const [bEvent] = (await t.request({ method: 'POST', url: '/v1/events', key: b.key, payload: { action: 'secret.b' } })).json().events;
      await t.request({ method: 'POST', url: '/v1/events', key: a.key, payload: { action: 'visible.a' } });
      assert.equal((await t.request({ method: 'GET', url: `/v1/events/${bEvent.id}`, key: a.key })).statusCode, 404);
      const aList = (await t.request({ method: 'GET', url: '/v1/events', key: a.key })).json().events;
      assert.deepEqual(applicationEvents(aList).map((e: { action: string }) => e.action), ['visible.a']);
      assert.ok(aList.every((e: { tenant_id: string }) => e.tenant_id === a.tenantId));
      assert.equal((await t.request({ method: 'GET', url: `/v1/events?tenant_id=${b.tenantId}`, key: a.key })).statusCode, 404);
      assert.equal((await t.request({ method: 'GET', url: `/v1/tenants/${b.tenantId}/keys`, key: a.key })).statusCode, 404);
      assert.equal((await t.request({ method: 'POST', url: `/v1/tenants/${b.tenantId}/keys`, key: a.key, payload: { name: 'x', scopes: ['audit:read'] } })).statusCode, 404);
      const filters = (await t.request({ method: 'GET', url: '/v1/events/filters', key: a.key })).json();
      assert.deepEqual([...filters.values.actions].sort(), ['api_key.created', 'data.accessed', 'tenant.created', 'visible.a']);
    });

    it('lets a keys:manage key hand out only scopes it holds itself, and records a refusal', async () => {
      const manager = await t.tenantWithKey(['keys:manage', 'audit:read'], 'least privilege');
      const create = (scopes: string[], key = manager.key) =>
        t.request({ method: 'POST', url: `/v1/tenants/${manager.tenantId}/keys`, key, payload: { name: 'new', scopes } });
      for (const scopes of [['audit:read'], ['keys:manage'], ['keys:manage', 'audit:read']]) {
        assert.equal((await create(scopes)).statusCode, 201, scopes.join());
      }
      const escalation = await create(['audit:read', 'audit:export', 'events:write']);
      assert.equal(escalation.statusCode, 403);
      assert.equal(escalation.json().error.code, 'forbidden');
      assert.match(escalation.json().error.message, /audit:export, events:write/);
      assert.doesNotMatch(escalation.json().error.message, /audit:read/);
      const keys = (await t.request({ method: 'GET', url: `/v1/tenants/${manager.tenantId}/keys`, key: manager.key })).json().keys;
      assert.ok(keys.every((k: { scopes: string[] }) => k.scopes.every((s) => ['keys:manage', 'audit:read'].includes(s))), 'no wider key was made');
      const [denied] = (await t.request({ method: 'GET', url: '/v1/events?action=access_denied', key: manager.key })).json().events;
      assert.equal(denied.actor.id, manager.keyId);
      assert.equal(denied.details.required_scope, 'audit:export,events:write');
      assert.equal(denied.context.http_status, 403);
      // The instance admin token may grant any scope.
      assert.equal((await create(['events:write', 'audit:export', 'retention:manage'], ADMIN_TOKEN)).statusCode, 201);
    });

    it('lets only the instance admin manage tenants, and needs tenant_id for admin reads', async () => {
      const { key } = await t.tenantWithKey(['keys:manage']);
      assert.equal((await t.request({ method: 'POST', url: '/v1/tenants', key, payload: { name: 'x' } })).statusCode, 403);
      assert.equal((await t.request({ method: 'GET', url: '/v1/events', key: ADMIN_TOKEN })).statusCode, 400);
      assert.equal((await t.request({ method: 'GET', url: '/v1/events?tenant_id=missing', key: ADMIN_TOKEN })).statusCode, 404);
      assert.equal((await t.request({ method: 'POST', url: '/v1/tenants', key: ADMIN_TOKEN, payload: {} })).statusCode, 400);
      const badScope = await t.request({ method: 'POST', url: `/v1/tenants/${(await t.tenantWithKey(['audit:read'])).tenantId}/keys`, key: ADMIN_TOKEN, payload: { name: 'x', scopes: ['root'] } });
      assert.equal(badScope.statusCode, 400);
    });
  });
}

describe('operations endpoints', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite');
  });
  after(() => t.close());

  it('answers health, readiness, metrics, the OpenAPI document and the docs page', async () => {
    assert.deepEqual((await t.app.inject('/healthz')).json(), { status: 'ok' });
    assert.equal((await t.app.inject('/readyz')).json().status, 'ready');
    const { key } = await t.tenantWithKey(['events:write']);
    const ingested = async () => Number(/stele_events_ingested_total (\d+)/.exec((await t.app.inject('/metrics')).body)?.[1]);
    const before = await ingested();
    await t.request({ method: 'POST', url: '/v1/events', key, payload: [{ action: 'a' }, { action: 'b' }] });
    assert.equal(await ingested(), before + 2);
    const metrics = (await t.app.inject('/metrics')).body;
    assert.match(metrics, /stele_http_request_duration_seconds_bucket/);
    const openapi = (await t.app.inject('/openapi.json')).json();
    assert.equal(openapi.openapi, '3.0.3');
    assert.ok(openapi.paths['/v1/events'].post);
    assert.ok(openapi.paths['/v1/tenants/{id}/keys'].post);
    assert.equal((await t.app.inject('/docs/')).statusCode, 200);
    const missing = await t.app.inject('/v1/nope');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'not_found');
  });
});
