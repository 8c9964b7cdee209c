// A store of one engine, a data directory and a clock the test moves, on which any number of apps
// can be started one after another (a restart is a second app on the same store and directory).
// Every answer is held to the OpenAPI document (test/helpers/contract-check.ts).

import { testSigningKey } from '../helpers/signing-key.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/store/port.js';
import { openTestStore, type Engine, type TestStore } from '../../src/store/testing/test-stores.js';
import { createContractCheck } from '../helpers/contract-check.js';
import { ADMIN_TOKEN } from '../helpers/test-app.js';

export interface TestBed {
  db: TestStore;
  dataDir: string;
  clock: { ms: number };
  app: FastifyInstance;
  request(options: InjectOptions & { key?: string }): Promise<LightMyRequestResponse>;
  tenantWithKey(scopes: string[]): Promise<{ tenantId: string; key: string }>;
  /** Closes the current app and starts another on the same store, directory and clock. */
  restart(): Promise<void>;
  /** Sends events in batches of 1,000. */
  ingest(key: string, events: object[]): Promise<void>;
  close(): Promise<void>;
}

export interface TestBedOptions {
  /** The store the apps get, made from the test store's (e.g. one that runs a step between two reads); the test store's own by default. */
  wrapStore?: (store: Store) => Store;
}

export async function startTestBed(engine: Engine, env: Record<string, string> = {}, options: TestBedOptions = {}): Promise<TestBed> {
  const db = await openTestStore(engine);
  const dataDir = mkdtempSync(join(tmpdir(), 'stele-export-'));
  const clock = { ms: Date.now() };
  const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: dataDir, ...env });
  const contract = createContractCheck();
  const start = async () => {
    const built = await buildApp({ config, store: options.wrapStore ? options.wrapStore(db.store) : db.store, signingKey: testSigningKey(), now: () => clock.ms, instrument: contract.install });
    await built.startupChecked; // so the tenants a test creates are not checkpointed by it
    return built.app;
  };

  const bed: TestBed = {
    db, dataDir, clock,
    app: await start(),
    request: ({ key, headers, ...options }) =>
      bed.app.inject({ ...options, headers: { ...headers, ...(key && { authorization: `Bearer ${key}` }) } }),
    async tenantWithKey(scopes) {
      const tenant = await bed.request({ method: 'POST', url: '/v1/tenants', key: ADMIN_TOKEN, payload: { name: 'acme' } });
      const tenantId = tenant.json().id as string;
      const key = await bed.request({ method: 'POST', url: `/v1/tenants/${tenantId}/keys`, key: ADMIN_TOKEN, payload: { name: 'test', scopes } });
      return { tenantId, key: key.json().key as string };
    },
    async restart() {
      await bed.app.close();
      bed.app = await start();
    },
    async ingest(key, events) {
      for (let i = 0; i < events.length; i += 1000) {
        const response = await bed.request({ method: 'POST', url: '/v1/events', key, payload: events.slice(i, i + 1000) });
        if (response.statusCode !== 201) throw new Error(`ingest failed: ${response.body}`);
      }
    },
    async close() {
      await bed.app.close();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
      contract.assertKept();
    },
  };
  return bed;
}

/** Polls `check` until it returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
