// Picks the adapter from configuration: PostgreSQL when STELE_DATABASE_URL is set, else the
// embedded SQLite file in the data directory.

import { join } from 'node:path';
import type { Config } from '../config.js';
import type { StoreLog } from './availability.js';
import type { Store } from './port.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

/** `log` hears of broken connections and of the database going away and coming back. */
export function openStore(config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'databaseTimeouts' | 'dataDir'> & Partial<Pick<Config, 'databaseReadUrl'>>, log?: StoreLog): Store {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) throw new Error('STELE_DATABASE_URL must be a postgres:// URL');
    return openPostgresStore({
      connectionString: config.databaseUrl, schema: config.databaseSchema, timeouts: config.databaseTimeouts, log,
      ...(config.databaseReadUrl && { readConnectionString: config.databaseReadUrl }),
    });
  }
  return openSqliteStore({ file: join(config.dataDir, 'stele.db') });
}

const hidden = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

export const describeStore = (config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'databaseReadUrl'>>): string =>
  config.databaseUrl ? `PostgreSQL (${hidden(config.databaseUrl)})${config.databaseReadUrl ? `, reads from the replica ${hidden(config.databaseReadUrl)} when it has caught up` : ''}` : `SQLite (${join(config.dataDir, 'stele.db')})`;
