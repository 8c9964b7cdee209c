// A real Stele server on 127.0.0.1 (buildApp + listen) over a fresh SQLite store, with two
// tenants of seeded events and dashboard users, for the browser suites. Every answer the pages
// provoke is held to the OpenAPI document (test/helpers/contract-check.ts).

import { createContractCheck } from '../helpers/contract-check.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { createUser } from '../dashboard/dashboard-helpers.js';
import type { FastifyInstance } from 'fastify';

export const ADMIN_TOKEN = 'stele_admin_browser_test_0123456789abcdef';
export const PASSWORD = 'correct horse battery';
export const USERS = { admin: 'ada@acme.test', viewer: 'vic@acme.test' } as const;

/** Tenant A's seeded events: 230 over the last six days, so three pages of 100. */
export const SEEDED = 230;
export const ACTIONS = ['user.login_succeeded', 'login.failed', 'member.role_changed', 'document.viewed', 'api_key.created'] as const;

export interface SeededServer {
  url: string;
  app: FastifyInstance;
  db: TestStore;
  tenantA: string;
  tenantB: string;
  /** Mints a viewer token for a tenant through the API. */
  viewerToken(tenantId: string, filters?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

function seedEvents(count: number, now: number) {
  return Array.from({ length: count }, (_, i) => {
    const action = ACTIONS[i % ACTIONS.length]!;
    return {
      action,
      // Spread over six days, newest first in seq order reversed; whole seconds plus a few ms.
      occurred_at: new Date(now - 60_000 - Math.floor((i * 6 * 24 * 3600 * 1000) / count) - (i % 7)).toISOString(),
      actor: { id: `user_${i % 9}`, type: 'user', email: `user${i % 9}@acme.test`, name: `User ${i % 9}` },
      target: i % 3 === 0
        ? { type: 'document', id: `doc_${i}`, name: `Report ${i}`, url: `https://docs.acme.test/doc_${i}` }
        : { type: 'user', id: `user_${(i + 1) % 9}`, name: `user${(i + 1) % 9}@acme.test` },
      context: { ip: `192.0.2.${i % 250}`, request_id: `req_${i}`, user_agent: 'seed' },
      success: action !== 'login.failed',
      details: action === 'member.role_changed' ? { from_role: 'viewer', to_role: i % 2 ? 'admin' : 'editor' } : { n: i },
    };
  });
}

export interface SeededServerOptions {
  /** STELE_EXPORT_MAX_ROWS, to reach the bulk export path with a small log. */
  exportMaxRows?: number;
  /** Where bulk export artifacts go; without it there is no writable data directory. */
  dataDir?: string;
  /** More settings (STELE_STREAM_FAILING_AFTER_SECONDS ...). */
  env?: Record<string, string>;
}

export async function startSeededServer(options: SeededServerOptions = {}): Promise<SeededServer> {
  const db = await openTestStore('sqlite');
  const env: NodeJS.ProcessEnv = { STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: options.dataDir ?? '/nonexistent', STELE_LOG_LEVEL: 'warn', ...options.env };
  if (options.exportMaxRows !== undefined) {
    env.STELE_EXPORT_MAX_ROWS = String(options.exportMaxRows);
    // The dashboard reads the cap it tells the page from the environment (app.ts does not hand it
    // config.exportMaxRows yet); each test file runs in its own process, so this stays here.
    process.env.STELE_EXPORT_MAX_ROWS = env.STELE_EXPORT_MAX_ROWS;
  }
  const config = loadConfig(env);
  const contract = createContractCheck();
  const { app } = await buildApp({ config, store: db.store, signingKey: testSigningKey(), instrument: contract.install });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  const tenant = async (name: string) => (await app.inject({ method: 'POST', url: '/v1/tenants', headers: admin, payload: { name } })).json().id as string;
  const ingest = async (tenantId: string, events: unknown[]) => {
    const response = await app.inject({ method: 'POST', url: `/v1/events?tenant_id=${tenantId}`, headers: admin, payload: events });
    if (response.statusCode >= 300) throw new Error(`seeding failed: ${response.body}`);
  };

  const tenantA = await tenant('Acme');
  const tenantB = await tenant('Globex');
  await ingest(tenantA, seedEvents(SEEDED, Date.now()));
  await ingest(tenantB, [0, 1, 2].map((i) => ({
    action: 'globex.secret_opened', actor: { id: `globex_${i}`, email: `spy${i}@globex.test` }, target: { type: 'vault', id: `vault_${i}` }, success: true,
  })));
  await createUser(db.store, tenantA, USERS.admin, PASSWORD, 'org_admin');
  await createUser(db.store, tenantA, USERS.viewer, PASSWORD, 'viewer');

  return {
    url, app, db, tenantA, tenantB,
    async viewerToken(tenantId, filters) {
      const response = await app.inject({ method: 'POST', url: '/v1/viewer-tokens', headers: admin, payload: { tenant_id: tenantId, ttl_seconds: 600, ...(filters && { filters }) } });
      if (response.statusCode !== 201) throw new Error(response.body);
      return response.json().token as string;
    },
    async close() {
      await app.close();
      await db.close();
      contract.assertKept();
    },
  };
}
