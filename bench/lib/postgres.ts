import pg from 'pg';
import { PG_URL } from '../../src/store/testing/test-stores.js';

/** Whether the PostgreSQL the tests use (STELE_TEST_PG_URL) answers; benchmarks include it only then. */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
