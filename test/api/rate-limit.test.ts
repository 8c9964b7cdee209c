// Rate limits that a caller cannot walk around: a bucket per valid credential, else per address,
// whatever random token or cookie the request carries; 401s throttled per address; the address
// taken from X-Forwarded-For only when a trusted proxy sends it.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import type { Store } from '../../src/store/port.js';
import { ENGINES, openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { cookieOf, createUser } from '../dashboard/dashboard-helpers.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';
import { createAuditTrail } from '../../src/audit-trail/audit-trail.js';
import { SYSTEM_REQUESTER } from '../../src/audit-trail/requester.js';
import { DEFAULT_LIMITS, loadConfig } from '../../src/config.js';
import { createIngestService } from '../../src/ingest/ingest-service.js';
import { sealEvents } from '@stele/integrity';

const random = () => randomBytes(24).toString('base64url');

/** A tenant and key made through the service, so the admin token's own budget is not spent. */
async function tenantWithKey(store: Store, scopes: string[]) {
  const trail = createAuditTrail({ recorder: createIngestService({ store, limits: DEFAULT_LIMITS, seal: sealEvents }) });
  const tenants = createTenantService({ store, trail });
  const tenant = await tenants.createTenant('acme', SYSTEM_REQUESTER);
  return { tenantId: tenant.id, key: (await tenants.createKey(tenant.id, 'test', scopes, SYSTEM_REQUESTER)).key };
}

function assertRateLimited(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 429, response.body);
  assert.equal(response.json().error.code, 'rate_limit_exceeded');
  assert.ok(Number(response.headers['retry-after']) > 0, 'Retry-After in seconds');
}

for (const engine of ENGINES) {
  describe(`rate limits on ${engine.name}`, { skip: engine.skip }, () => {
    describe('per caller', () => {
      let t: TestApp;
      before(async () => {
        t = await startTestApp(engine.name, { STELE_RATE_LIMIT_PER_MINUTE: '5', STELE_AUTH_FAILURES_PER_MINUTE: '0' });
      });
      after(() => t.close());

      // Each test speaks from an address of its own (inject's remoteAddress), so buckets do not mix.
      const from = (remoteAddress: string) => ({ remoteAddress });

      it('answers 429 with Retry-After and rate_limit_exceeded past the limit, per key', async () => {
        const a = await tenantWithKey(t.db.store, ['audit:read']);
        const b = await tenantWithKey(t.db.store, ['audit:read']);
        const statuses: number[] = [];
        let last;
        for (let i = 0; i < 6; i++) {
          last = await t.request({ method: 'GET', url: '/v1/events', key: a.key, ...from('192.0.2.1') });
          statuses.push(last.statusCode);
        }
        assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
        assertRateLimited(last!);
        assert.equal((await t.request({ method: 'GET', url: '/v1/events', key: b.key, ...from('192.0.2.1') })).statusCode, 200, 'another key has its own budget');
        assert.equal((await t.app.inject({ url: '/healthz', ...from('192.0.2.1') })).statusCode, 200);
      });

      it('counts a random bearer token per request against the address, never a fresh bucket', async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) {
          statuses.push((await t.request({ method: 'GET', url: '/v1/events', key: `stele_${random()}`, ...from('192.0.2.2') })).statusCode);
        }
        assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
      });

      it('counts random session cookies and random viewer tokens against the address too', async () => {
        const requests = [
          ...Array.from({ length: 3 }, () => ({ headers: { cookie: `stele_session=sts_${random()}` } })),
          ...Array.from({ length: 2 }, () => ({ headers: { authorization: `Bearer stv_${random()}.${random()}` } })),
          { headers: { cookie: `other=${random()}` } },
        ];
        const statuses: number[] = [];
        for (const request of requests) statuses.push((await t.app.inject({ method: 'GET', url: '/v1/events', ...request, ...from('192.0.2.3') })).statusCode);
        assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
      });

      it('gives a valid key its own bucket, apart from its address', async () => {
        for (let i = 0; i < 6; i++) await t.app.inject({ method: 'GET', url: '/v1/events', ...from('192.0.2.4') });
        assertRateLimited(await t.app.inject({ method: 'GET', url: '/v1/events', ...from('192.0.2.4') }));
        const { key } = await tenantWithKey(t.db.store, ['audit:read']);
        assert.equal((await t.request({ method: 'GET', url: '/v1/events', key, ...from('192.0.2.4') })).statusCode, 200);
      });

      it('gives a signed-in dashboard user its own bucket, and a cookie the same one from any address', async () => {
        const { tenantId } = await tenantWithKey(t.db.store, ['audit:read']);
        await createUser(t.db.store, tenantId, 'ada@example.com', 'correct horse', 'viewer');
        const signIn = await t.app.inject({ method: 'POST', url: '/v1/session', payload: { email: 'ada@example.com', password: 'correct horse' }, ...from('192.0.2.5') });
        assert.equal(signIn.statusCode, 200, signIn.body);
        const cookie = cookieOf(signIn.headers['set-cookie']);
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) {
          statuses.push((await t.app.inject({ method: 'GET', url: '/v1/events', headers: { cookie }, ...from(`198.51.100.${i + 1}`) })).statusCode);
        }
        assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
      });
    });

    describe('failed authentications', () => {
      let t: TestApp;
      before(async () => {
        t = await startTestApp(engine.name, { STELE_AUTH_FAILURES_PER_MINUTE: '3' });
      });
      after(() => t.close());

      it('refuses an address after its 401s for the minute, before looking at any credential it sends', async () => {
        const { key } = await tenantWithKey(t.db.store, ['audit:read']);
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await t.request({ method: 'GET', url: '/v1/events', key: `stele_${random()}`, remoteAddress: '203.0.113.9' })).statusCode);
        assert.deepEqual(statuses, [401, 401, 401]);
        const guess = await t.request({ method: 'GET', url: '/v1/events', key: `stele_${random()}`, remoteAddress: '203.0.113.9' });
        assertRateLimited(guess);
        assert.match(guess.json().error.message, /failed authentications/);
        // Even the right key is refused from there: an answer that told right from wrong would
        // let guessing go on at full speed.
        assertRateLimited(await t.request({ method: 'GET', url: '/v1/events', key, remoteAddress: '203.0.113.9' }));
        assert.equal((await t.request({ method: 'GET', url: '/v1/events', key, remoteAddress: '203.0.113.10' })).statusCode, 200, 'other addresses are not affected');
        assert.equal((await t.app.inject({ url: '/readyz', remoteAddress: '203.0.113.9' })).statusCode, 200, 'health checks always answer');
      });

      it('counts wrong passwords as failed authentications', async () => {
        const { tenantId } = await tenantWithKey(t.db.store, ['audit:read']);
        await createUser(t.db.store, tenantId, 'bob@example.com', 'correct horse', 'viewer');
        const signIn = (password: string) => t.app.inject({ method: 'POST', url: '/v1/session', payload: { email: 'bob@example.com', password }, remoteAddress: '203.0.113.20' });
        assert.deepEqual([(await signIn('a')).statusCode, (await signIn('b')).statusCode, (await signIn('c')).statusCode], [401, 401, 401]);
        assertRateLimited(await signIn('correct horse'));
      });
    });

    describe('behind a trusted proxy', () => {
      let t: TestApp;
      before(async () => {
        t = await startTestApp(engine.name, { STELE_RATE_LIMIT_PER_MINUTE: '3', STELE_AUTH_FAILURES_PER_MINUTE: '0', STELE_TRUSTED_PROXIES: '10.0.0.0/24, 127.0.0.2' });
      });
      after(() => t.close());

      const burst = async (remoteAddress: string, forwardedFor: (i: number) => string) => {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          statuses.push((await t.app.inject({ method: 'GET', url: '/v1/events', remoteAddress, headers: { 'x-forwarded-for': forwardedFor(i) } })).statusCode);
        }
        return statuses;
      };

      it('believes X-Forwarded-For from a trusted proxy: each client has its own bucket', async () => {
        assert.deepEqual(await burst('10.0.0.7', (i) => `198.51.100.${i + 1}`), [401, 401, 401, 401]);
        assert.deepEqual(await burst('127.0.0.2', (i) => `198.51.100.${i + 11}`), [401, 401, 401, 401]);
        assert.deepEqual(await burst('10.0.0.8', () => '198.51.100.99'), [401, 401, 401, 429], 'one client behind the proxy is still one bucket');
      });

      it('ignores X-Forwarded-For from anyone else', async () => {
        assert.deepEqual(await burst('192.0.2.50', (i) => `198.51.100.${i + 21}`), [401, 401, 401, 429]);
        // A client behind the proxy cannot pick its address either: the proxy appends the real one.
        assert.deepEqual(await burst('10.0.0.9', (i) => `198.51.100.${i + 31}, 192.0.2.60`), [401, 401, 401, 429]);
      });
    });

    describe('cost', () => {
      let db: TestStore;
      before(async () => {
        db = await openTestStore(engine.name);
      });
      after(() => db.close());

      it('looks a key up once per request, whether the limiter or the guard asks first', async () => {
        const lookups = { keys: 0 };
        const counted = new Proxy(db.store, {
          get(target, name, receiver) {
            if (name === 'findApiKeyByHash') lookups.keys += 1;
            return Reflect.get(target, name, receiver) as unknown;
          },
        }) as Store;
        const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: '/nonexistent', STELE_RATE_LIMIT_PER_MINUTE: '100' });
        const { app } = await buildApp({ config, store: counted, signingKey: testSigningKey() });
        try {
          const tenant = (await app.inject({ method: 'POST', url: '/v1/tenants', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'x' } })).json();
          const key = (await app.inject({ method: 'POST', url: `/v1/tenants/${tenant.id}/keys`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'k', scopes: ['audit:read'] } })).json().key;
          lookups.keys = 0;
          assert.equal((await app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${key}` } })).statusCode, 200);
          assert.equal(lookups.keys, 1, 'a valid key');
          lookups.keys = 0;
          assert.equal((await app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer stele_${random()}` } })).statusCode, 401);
          assert.equal(lookups.keys, 1, 'an unknown key');
        } finally {
          await app.close();
        }
      });
    });
  });
}

describe('STELE_TRUSTED_PROXIES', () => {
  it('takes addresses, CIDRs and proxy-addr\'s names, and refuses anything else at start', () => {
    assert.deepEqual(loadConfig({ STELE_TRUSTED_PROXIES: '10.0.0.1, 10.1.0.0/16,fd00::/8,loopback' }).trustedProxies, ['10.0.0.1', '10.1.0.0/16', 'fd00::/8', 'loopback']);
    assert.deepEqual(loadConfig({}).trustedProxies, [], 'trusts no one by default');
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '10.0.0.0/8/1', '*']) {
      assert.throws(() => loadConfig({ STELE_TRUSTED_PROXIES: bad }), /STELE_TRUSTED_PROXIES/, bad);
    }
  });
});
