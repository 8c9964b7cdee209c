// A Stele server process over a fresh test store, with a tenant and a key: what the HTTP
// benchmarks (ingest, sdk) send to. Rate limits are off; logs are errors only.

import type { TestStore } from '../../src/store/testing/test-stores.js';
import { startServerProcess } from '../../test/helpers/server-process.js';

const ADMIN = 'stele_admin_bench_token_0123456789';

export interface BenchServer {
  url: string;
  key: string;
  /** The server process's id (to read its CPU time). */
  pid: number;
  /** The instance admin token (to make more tenants). */
  admin: string;
}

/** `nodeArgs`: options for the server's node (e.g. --cpu-prof to profile it). */
export async function withBenchServer<T>(db: TestStore, work: (server: BenchServer) => Promise<T>, scopes: string[] = ['events:write'], nodeArgs: string[] = []): Promise<T> {
  const env: Record<string, string> = { STELE_ADMIN_TOKEN: ADMIN, STELE_LOG_LEVEL: 'error', STELE_RATE_LIMIT_PER_MINUTE: '0' };
  if (db.location.sqliteFile) env.STELE_DATA_DIR = db.location.sqliteFile.replace(/\/stele\.db$/, '');
  else Object.assign(env, { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! });
  const server = await startServerProcess(env, [], nodeArgs);
  try {
    const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const tenant = (await (await post('/v1/tenants', { name: 'bench' })).json()) as { id: string };
    const { key } = (await (await post(`/v1/tenants/${tenant.id}/keys`, { name: 'bench', scopes })).json()) as { key: string };
    return await work({ url: server.url, key, pid: server.child.pid!, admin: ADMIN });
  } finally {
    await server.stop();
  }
}
