// The sign-in throttle: free failures, then waits that double, refused before the password is
// checked; reset by a successful sign-in; shared by two app instances on one database and kept
// across a restart; a burst of parallel guesses gets no more checks than patient ones; and one
// brute_force.detected event per run of failures, in the account's tenant log.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/store/port.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';
import { createUser } from './dashboard-helpers.js';

const PASSWORD = 'correct horse';
// The per-address throttle of 401s (api/rate-limit.ts) would stop these tests first: it is off here.
const ENV = { STELE_AUTH_FAILURES_PER_MINUTE: '0' };

for (const engine of ENGINES) {
  describe(`sign-in throttle on ${engine.name}`, { skip: engine.skip }, () => {
    const clock = { ms: Date.parse('2026-06-01T09:00:00Z') };
    let t: TestApp;
    let tenantId: string;
    let reader: string;
    let second: { app: FastifyInstance; store: Store } | undefined;

    before(async () => {
      t = await startTestApp(engine.name, ENV, () => clock.ms);
      ({ tenantId, key: reader } = await t.tenantWithKey(['audit:read']));
    });
    after(async () => {
      await second?.app.close();
      await second?.store.close();
      await t.close();
    });

    /** Another Stele process: its own connection to the same database, its own app. */
    async function secondInstance() {
      const { location } = t.db;
      const store = location.sqliteFile
        ? openSqliteStore({ file: location.sqliteFile })
        : openPostgresStore({ connectionString: location.databaseUrl!, schema: location.pgSchema!, maxConnections: 4 });
      const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: '/nonexistent', ...ENV });
      second = { store, app: (await buildApp({ config, store, signingKey: testSigningKey(), now: () => clock.ms })).app };
      return second.app;
    }

    const signIn = (email: string, password: string, remoteAddress: string, app: FastifyInstance = t.app) =>
      app.inject({ method: 'POST', url: '/v1/session', payload: { email, password }, remoteAddress });

    function assertWait(response: LightMyRequestResponse, seconds: number): void {
      assert.equal(response.statusCode, 429, response.body);
      assert.equal(response.json().error.code, 'rate_limit_exceeded');
      assert.equal(response.headers['retry-after'], String(seconds));
      assert.match(response.json().error.message, new RegExp(`try again in ${seconds} s`));
    }

    async function events(action: string) {
      return (await t.request({ method: 'GET', url: `/v1/events?action=${action}&limit=1000`, key: reader })).json().events as
        { category: string; target: { id: string }; context: { ip: string }; details: Record<string, unknown> }[];
    }
    const failuresOf = async (email: string) =>
      (await t.request({ method: 'GET', url: `/v1/events?action=user.login_failed&actor_email=${email}&limit=1000`, key: reader })).json().events.length as number;

    it('lets 5 failures through, then makes each further attempt wait twice as long, without checking its password', async () => {
      await createUser(t.db.store, tenantId, 'ada@example.com', PASSWORD, 'viewer');
      const from = '192.0.2.1';
      for (let i = 0; i < 5; i++) assert.equal((await signIn('ada@example.com', `wrong ${i}`, from)).statusCode, 401);
      assertWait(await signIn('ada@example.com', PASSWORD, from), 2);
      assert.equal(await failuresOf('ada@example.com'), 5, 'the refused attempt checked no password and recorded no failure');
      clock.ms += 1000;
      assertWait(await signIn('Ada@Example.com', 'wrong again', from), 1);

      clock.ms += 1000;
      assert.equal((await signIn('ada@example.com', 'wrong 6', from)).statusCode, 401);
      assertWait(await signIn('ada@example.com', PASSWORD, '192.0.2.99'), 4); // the account waits, from any address
      clock.ms += 4000;
      assert.equal((await signIn('ada@example.com', 'wrong 7', from)).statusCode, 401);
      assertWait(await signIn('ada@example.com', PASSWORD, from), 8);
      clock.ms += 8000;
      assert.equal((await signIn('ada@example.com', PASSWORD, from)).statusCode, 200, 'the right password after the wait');

      // The success ended the run: five free failures again.
      for (let i = 0; i < 5; i++) assert.equal((await signIn('ada@example.com', `wrong ${i}`, from)).statusCode, 401);
      assertWait(await signIn('ada@example.com', PASSWORD, from), 2);
    });

    it('records brute_force.detected once per run of failures, in the account\'s tenant log', async () => {
      const detected = (await events('brute_force.detected')).filter((e) => e.target.id === 'ada@example.com');
      assert.equal(detected.length, 2, 'one for each of the previous test\'s two runs, not one per failure');
      const [latest] = detected; // newest first
      assert.equal(latest!.category, 'security');
      assert.equal(latest!.context.ip, '192.0.2.1');
      assert.deepEqual(
        { email: latest!.details.email, address: latest!.details.address, failures: latest!.details.failures, threshold: latest!.details.threshold, window_seconds: latest!.details.window_seconds },
        { email: 'ada@example.com', address: '192.0.2.1', failures: 5, threshold: 5, window_seconds: 3600 },
      );
      assert.ok(typeof latest!.details.first_failure_at === 'string');
    });

    it('forgets a run after an hour without a failure', async () => {
      await createUser(t.db.store, tenantId, 'bea@example.com', PASSWORD, 'viewer');
      for (let i = 0; i < 5; i++) await signIn('bea@example.com', 'wrong', '192.0.2.2');
      assertWait(await signIn('bea@example.com', 'wrong', '192.0.2.2'), 2);
      clock.ms += 3_600_000;
      assert.equal((await signIn('bea@example.com', 'wrong', '192.0.2.2')).statusCode, 401);
      assert.equal((await signIn('bea@example.com', 'wrong', '192.0.2.2')).statusCode, 401, 'a new run: its failures are free again');
    });

    it('throttles an unknown email exactly like a known one, so the answer does not tell which exist', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await signIn('nobody@example.com', 'wrong', '192.0.2.3')).statusCode, 401);
      assertWait(await signIn('nobody@example.com', 'wrong', '192.0.2.3'), 2);
      assert.equal((await events('brute_force.detected')).filter((e) => e.target.id === 'nobody@example.com').length, 0);
    });

    it('throttles an address that tries many accounts', async () => {
      const from = '198.51.100.7';
      for (let i = 0; i < 20; i++) assert.equal((await signIn(`spray${i}@example.com`, 'Summer2026!', from)).statusCode, 401);
      const refused = await signIn('spray-next@example.com', 'Summer2026!', from);
      assertWait(refused, 2);
      assert.match(refused.json().error.message, /from your address/);
      assert.equal((await signIn('spray-next@example.com', 'Summer2026!', '198.51.100.8')).statusCode, 401, 'another address is not held up');
    });

    it('gives a burst of parallel guesses no more password checks than the free failures', async () => {
      await createUser(t.db.store, tenantId, 'cy@example.com', PASSWORD, 'viewer');
      const burst = await Promise.all(Array.from({ length: 25 }, (_, i) => signIn('cy@example.com', `guess ${i}`, `203.0.113.${i + 1}`)));
      assert.ok(burst.every((r) => r.statusCode === 401 || r.statusCode === 429), burst.map((r) => r.statusCode).join(','));
      const checked = burst.filter((r) => r.statusCode === 401).length;
      assert.ok(checked <= 5, `${checked} passwords checked`);
      assert.equal(await failuresOf('cy@example.com'), checked);
      // What the burst did not use is still there for a patient caller, and no more.
      for (let i = checked; i < 5; i++) assert.equal((await signIn('cy@example.com', 'patient', '203.0.113.99')).statusCode, 401);
      assertWait(await signIn('cy@example.com', PASSWORD, '203.0.113.99'), 2);
    });

    it('shares the state between two instances on one database, and keeps it across a restart', async () => {
      await createUser(t.db.store, tenantId, 'dee@example.com', PASSWORD, 'viewer');
      const other = await secondInstance();
      for (let i = 0; i < 5; i++) {
        assert.equal((await signIn('dee@example.com', 'wrong', '192.0.2.4', i % 2 ? other : t.app)).statusCode, 401);
      }
      assertWait(await signIn('dee@example.com', PASSWORD, '192.0.2.4', other), 2);
      assertWait(await signIn('dee@example.com', PASSWORD, '192.0.2.4', t.app), 2);
      assert.equal((await events('brute_force.detected')).filter((e) => e.target.id === 'dee@example.com').length, 1);

      // A restart: the instance's memory is gone, the store is not.
      await second!.app.close();
      await second!.store.close();
      const restarted = await secondInstance();
      assertWait(await signIn('dee@example.com', PASSWORD, '192.0.2.4', restarted), 2);
      clock.ms += 2000;
      assert.equal((await signIn('dee@example.com', PASSWORD, '192.0.2.4', restarted)).statusCode, 200);
      assert.equal((await signIn('dee@example.com', 'wrong', '192.0.2.4', t.app)).statusCode, 401, 'the success on one instance reset the other');
    });
  });
}
