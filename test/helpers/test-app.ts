// Starts the real app on a fresh store of one engine and talks to it with app.inject(). Every
// answer is held to the OpenAPI document (contract-check.ts): closing the app fails the suite when
// one broke it.

import type { FastifyBaseLogger, FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { createContractCheck } from './contract-check.js';
import { testSigningKey } from './signing-key.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Store } from '../../src/store/port.js';
import { openTestStore, type Engine, type TestStore } from '../../src/store/testing/test-stores.js';

export const ADMIN_TOKEN = 'stele_admin_test_token_0123456789abcdef';

export interface TestApp {
  app: FastifyInstance;
  db: TestStore;
  /** Sends a request; `key` becomes the bearer token. */
  request(options: InjectOptions & { key?: string }): Promise<LightMyRequestResponse>;
  /** A new tenant and an API key with the given scopes. */
  tenantWithKey(scopes: string[], name?: string): Promise<{ tenantId: string; key: string; keyId: string }>;
  /** Resolves once alert rules have seen every batch committed so far. */
  alertsIdle(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** The store the app gets, made from the test store's (e.g. one deliberately slowed); the test store's own by default. */
  wrapStore?: (store: Store) => Store;
}

export async function startTestApp(engine: Engine, env: Record<string, string> = {}, now?: () => number, logger?: FastifyBaseLogger, options: TestAppOptions = {}): Promise<TestApp> {
  const db = await openTestStore(engine);
  const config: Config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: '/nonexistent', ...env });
  const contract = createContractCheck();
  const { app, alertsIdle, startupChecked } = await buildApp({ config, store: options.wrapStore ? options.wrapStore(db.store) : db.store, signingKey: testSigningKey(), now, ...(logger && { logger }), instrument: contract.install });

  // A tenant a test creates before the start-up check has listed the tenants would be checked, and
  // checkpointed, by it: tests begin once it is done, so every checkpoint they see is one they asked for.
  await startupChecked;

  const request: TestApp['request'] = ({ key, headers, ...options }) =>
    app.inject({ ...options, headers: { ...headers, ...(key && { authorization: `Bearer ${key}` }) } });

  return {
    app,
    db,
    request,
    alertsIdle,
    async tenantWithKey(scopes, name = 'acme') {
      const tenant = await request({ method: 'POST', url: '/v1/tenants', key: ADMIN_TOKEN, payload: { name } });
      if (tenant.statusCode !== 201) throw new Error(`making the tenant answered ${tenant.statusCode}: ${tenant.body}`);
      const tenantId = tenant.json().id as string;
      const key = await request({ method: 'POST', url: `/v1/tenants/${tenantId}/keys`, key: ADMIN_TOKEN, payload: { name: 'test', scopes } });
      if (key.statusCode !== 201) throw new Error(`making the key answered ${key.statusCode}: ${key.body}`);
      return { tenantId, key: key.json().key as string, keyId: key.json().id as string };
    },
    async close() {
      await app.close();
      await db.close();
      contract.assertKept();
    },
  };
}
