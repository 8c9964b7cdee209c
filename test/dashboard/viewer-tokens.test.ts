// Viewer tokens can be listed (never with their secret) and revoked, through the API and the CLI;
// a revoked token is refused from the next request, and the revocation is in the tenant's log.

import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { runCliToEnd } from '../helpers/server-process.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';
import { cookieOf, createUser } from './dashboard-helpers.js';

interface Minted { token: string; id: string; expires_at: string }

for (const engine of ENGINES) {
  describe(`viewer token revocation on ${engine.name}`, { skip: engine.skip }, () => {
    // Near the real time: the CLI, another process, reads the real clock.
    const clock = { ms: Date.now() };
    let t: TestApp;
    let a: { tenantId: string; key: string; keyId: string };
    let b: { tenantId: string; key: string; keyId: string };

    before(async () => {
      t = await startTestApp(engine.name, {}, () => clock.ms);
      a = await t.tenantWithKey(['keys:manage', 'audit:read', 'events:write'], 'a');
      b = await t.tenantWithKey(['keys:manage', 'audit:read'], 'b');
      await t.request({ method: 'POST', url: '/v1/events', key: a.key, payload: { action: 'doc.viewed' } });
    });
    after(() => t.close());

    const mint = async (key: string, ttl = 3600): Promise<Minted> => {
      const response = await t.request({ method: 'POST', url: '/v1/viewer-tokens', key, payload: { ttl_seconds: ttl } });
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    };
    const view = (token: string) => t.request({ method: 'GET', url: '/v1/events', key: token });
    const list = async (key: string) => (await t.request({ method: 'GET', url: '/v1/viewer-tokens', key })).json().tokens as { id: string; token?: string; expires_at: string; created_by: string }[];
    const revoke = (key: string, id: string, query = '') => t.request({ method: 'DELETE', url: `/v1/viewer-tokens/${id}${query}`, key });

    it('lists the tenant\'s live tokens without their secrets', async () => {
      const first = await mint(a.key);
      clock.ms += 1000;
      const second = await mint(a.key, 60);
      const listed = await list(a.key);
      assert.deepEqual(listed.map((x) => x.id), [first.id, second.id]);
      assert.ok(listed.every((x) => x.token === undefined && !JSON.stringify(x).includes(first.token.slice(4, 20))));
      assert.equal(listed[0]!.created_by, a.keyId);
      assert.deepEqual(await list(b.key), [], 'another tenant sees none of them');

      clock.ms += 61_000;
      assert.deepEqual((await list(a.key)).map((x) => x.id), [first.id], 'an expired token is no longer listed');
    });

    it('refuses pinned filters of more than 1,000 values or 100 prefixes, as the list does', async () => {
      for (const [filters, field] of [
        [{ actor_id: Array.from({ length: 1001 }, (_, i) => `u${i}`) }, 'actor_id'],
        [{ action: Array.from({ length: 101 }, (_, i) => `p${i}.*`) }, 'action'],
      ] as const) {
        const response = await t.request({ method: 'POST', url: '/v1/viewer-tokens', key: b.key, payload: { ttl_seconds: 60, filters } });
        assert.equal(response.statusCode, 400, response.body.slice(0, 300));
        assert.equal(response.json().error.code, 'invalid_request');
        assert.match(response.json().error.details.find((d: { field?: string }) => d.field === field)?.message ?? '', /at most/);
      }
      assert.deepEqual(await list(b.key), []);
    });

    it('revokes a token at once: 204, then the viewer is refused', async () => {
      const minted = await mint(a.key);
      assert.equal((await view(minted.token)).statusCode, 200);
      assert.equal((await revoke(a.key, minted.id)).statusCode, 204);
      const refused = await view(minted.token);
      assert.equal(refused.statusCode, 401);
      assert.match(refused.json().error.message, /invalid, expired or revoked/);
      assert.ok(!(await list(a.key)).some((x) => x.id === minted.id));
      assert.equal((await revoke(a.key, minted.id)).statusCode, 404, 'a second revocation finds nothing');

      const events = (await t.request({ method: 'GET', url: '/v1/events?action=viewer_token.revoked', key: a.key })).json().events;
      const event = events.find((e: { target: { id: string } }) => e.target.id === minted.id);
      assert.deepEqual(event.actor, { id: a.keyId, type: 'api_key', name: 'test' });
      assert.equal(event.target.type, 'viewer_token');
      assert.equal(event.category, 'security');
      assert.equal(event.details.expires_at, minted.expires_at);
    });

    it('answers 404 for an unknown id and for another tenant\'s token, which keeps working', async () => {
      assert.equal((await revoke(a.key, '01900000-0000-7000-8000-000000000000')).statusCode, 404);
      const theirs = await mint(b.key);
      const response = await revoke(a.key, theirs.id);
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().error.code, 'not_found');
      assert.equal((await view(theirs.token)).statusCode, 200);
      assert.equal((await revoke(a.key, theirs.id, `?tenant_id=${b.tenantId}`)).statusCode, 404, 'naming the other tenant is a 404 too');
      assert.equal((await revoke(ADMIN_TOKEN, theirs.id, `?tenant_id=${b.tenantId}`)).statusCode, 204, 'the instance admin names the tenant');
      assert.equal((await view(theirs.token)).statusCode, 401);
    });

    it('lets only those who may mint tokens list and revoke them', async () => {
      const minted = await mint(a.key);
      const reader = (await t.request({ method: 'POST', url: `/v1/tenants/${a.tenantId}/keys`, key: ADMIN_TOKEN, payload: { name: 'r', scopes: ['audit:read'] } })).json().key;
      assert.equal((await t.request({ method: 'GET', url: '/v1/viewer-tokens', key: reader })).statusCode, 403);
      assert.equal((await revoke(reader, minted.id)).statusCode, 403);
      assert.equal((await revoke(minted.token, minted.id)).statusCode, 403, 'a viewer token cannot revoke itself or list others');

      await createUser(t.db.store, a.tenantId, 'viewer@a.example', 'correct horse', 'viewer');
      await createUser(t.db.store, a.tenantId, 'admin@a.example', 'correct horse', 'org_admin');
      const session = async (email: string) => {
        const signIn = await t.request({ method: 'POST', url: '/v1/session', payload: { email, password: 'correct horse' } });
        return { cookie: cookieOf(signIn.headers['set-cookie']), 'x-stele-csrf': signIn.json().csrf_token as string };
      };
      const viewer = await session('viewer@a.example');
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/viewer-tokens/${minted.id}`, headers: viewer })).statusCode, 403);
      const admin = await session('admin@a.example');
      assert.equal((await t.request({ method: 'GET', url: '/v1/viewer-tokens', headers: { cookie: admin.cookie } })).statusCode, 200);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/viewer-tokens/${minted.id}`, headers: admin })).statusCode, 204);
      const events = (await t.request({ method: 'GET', url: '/v1/events?action=viewer_token.revoked', key: a.key })).json().events;
      assert.deepEqual(events.find((e: { target: { id: string } }) => e.target.id === minted.id).actor, { id: 'admin@a.example', type: 'user', email: 'admin@a.example', role: 'org_admin' });
    });

    it('lists and revokes from the command line, on the same store', async () => {
      const { location } = t.db;
      const env: Record<string, string> = location.sqliteFile
        ? { STELE_DATA_DIR: dirname(location.sqliteFile), STELE_DATABASE_URL: '' }
        : { STELE_DATABASE_URL: location.databaseUrl!, STELE_DATABASE_SCHEMA: location.pgSchema! };
      const minted = await mint(a.key);

      const listed = await runCliToEnd(['viewer-tokens', 'list', '--tenant', a.tenantId], env);
      assert.equal(listed.code, 0, listed.stderr);
      const tokens = JSON.parse(listed.stdout) as { id: string }[];
      assert.ok(tokens.some((x) => x.id === minted.id));
      assert.ok(!listed.stdout.includes(minted.token), 'no secret on screen');

      const revoked = await runCliToEnd(['viewer-tokens', 'revoke', '--tenant', a.tenantId, minted.id], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.deepEqual(JSON.parse(revoked.stdout), { revoked: minted.id });
      assert.equal((await view(minted.token)).statusCode, 401, 'the running server refuses it at once');
      const events = (await t.request({ method: 'GET', url: '/v1/events?action=viewer_token.revoked', key: a.key })).json().events;
      const event = events.find((e: { target: { id: string } }) => e.target.id === minted.id);
      assert.equal(event.actor.type, 'cli');

      const again = await runCliToEnd(['viewer-tokens', 'revoke', '--tenant', a.tenantId, minted.id], env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /No viewer token/);
      const otherTenant = await runCliToEnd(['viewer-tokens', 'list', '--tenant', 'nope'], env);
      assert.equal(otherTenant.code, 1);
      assert.match(otherTenant.stderr, /No tenant with id nope/);
    });
  });
}
