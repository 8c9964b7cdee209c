// A real Stele server process over a test store (either engine), on a port of its own that stays
// the same across stop() and start(): what an application sees when Stele restarts.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestStore } from '../../src/store/testing/test-stores.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export const PROCESS_ADMIN_TOKEN = 'stele_admin_process_test_0123456789';

/** A port nothing listens on now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface SteleProcess {
  url: string;
  /** The environment the process runs with (for CLI commands on the same store). */
  env: Record<string, string>;
  start(): Promise<void>;
  /** Stops the process (SIGKILL: no draining, in-flight requests cut off). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  running(): boolean;
  /** A new tenant and an API key for it, made through the API. */
  tenantWithKey(scopes: string[], name?: string): Promise<{ tenantId: string; key: string }>;
  /** Stops the process and removes its data directory. */
  close(): Promise<void>;
}

export async function steleProcess(db: TestStore, extraEnv: Record<string, string> = {}): Promise<SteleProcess> {
  const port = await freePort();
  const dataDir = db.location.sqliteFile ? dirname(db.location.sqliteFile) : mkdtempSync(join(tmpdir(), 'stele-process-'));
  const env: Record<string, string> = {
    STELE_ADMIN_TOKEN: PROCESS_ADMIN_TOKEN, STELE_LOG_LEVEL: 'error', STELE_RATE_LIMIT_PER_MINUTE: '0', STELE_DATA_DIR: dataDir,
    ...(db.location.databaseUrl && { STELE_DATABASE_URL: db.location.databaseUrl, STELE_DATABASE_SCHEMA: db.location.pgSchema! }),
    ...extraEnv,
  };
  const url = `http://127.0.0.1:${port}`;
  let server: ServerProcess | undefined;
  const process = {
    url,
    env,
    async start() {
      server = await startServerProcess({ ...env, PORT: String(port) });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      await server?.stop(signal);
      server = undefined;
    },
    running: () => server !== undefined,
    async tenantWithKey(scopes: string[], name = 'acme') {
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${PROCESS_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (response.status !== 201) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
        return response.json() as Promise<Record<string, string>>;
      };
      const tenant = await post('/v1/tenants', { name });
      const key = await post(`/v1/tenants/${tenant.id}/keys`, { name: 'sdk', scopes });
      return { tenantId: tenant.id!, key: key.key! };
    },
    async close() {
      await process.stop();
      if (!db.location.sqliteFile) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await process.start();
  return process;
}
