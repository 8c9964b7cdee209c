// Picks the adapter from configuration: PostgreSQL when STELE_DATABASE_URL is set, else the
// embedded SQLite file in the data directory.

import { join } from 'node:path';
import type { Config } from '../config.js';
import type { StoreLog } from './availability.js';
import type { Store } from './port.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

/** `log` hears of broken connections and of the database going away and coming back. */
export function openStore(config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'databaseTimeouts' | 'dataDir'>, log?: StoreLog): Store {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) throw new Error('STELE_DATABASE_URL must be a postgres:// URL');
    return openPostgresStore({ connectionString: config.databaseUrl, schema: config.databaseSchema, timeouts: config.databaseTimeouts, log });
  }
  return openSqliteStore({ file: join(config.dataDir, 'stele.db') });
}

export const describeStore = (config: Pick<Config, 'databaseUrl' | 'dataDir'>): string =>
  config.databaseUrl ? `PostgreSQL (${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})` : `SQLite (${join(config.dataDir, 'stele.db')})`;
