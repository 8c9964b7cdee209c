// Picks the adapter from configuration: PostgreSQL when STELE_DATABASE_URL is set, else the
// embedded SQLite file in the data directory.

import { join } from 'node:path';
import type { StoreLog } from './availability.js';
import type { DatabaseTimeouts } from './database-timeouts.js';
import type { GroupCommitOptions } from './batching-queue.js';
import type { Store } from './port.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

/** Where the store is: the part of the configuration (config.ts) the store reads; the store imports nothing above it. */
export interface StoreLocation {
  /** STELE_DATABASE_URL: PostgreSQL; without it, SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  databaseSchema?: string | undefined;
  databaseTimeouts?: DatabaseTimeouts;
  /** STELE_DATABASE_READ_URL: a streaming replica for reads that it has caught up with. */
  databaseReadUrl?: string | undefined;
  dataDir: string;
  /** Bounds of a commit group (STELE_GROUP_COMMIT_MAX_EVENTS, STELE_GROUP_COMMIT_WAIT_MS). */
  groupCommit?: GroupCommitOptions;
  /** SQLite: where the WAL is checkpointed (sqlite-store.ts); a server's own store takes `thread`. */
  sqliteCheckpoints?: 'inline' | 'thread';
}

/** `log` hears of broken connections and of the database going away and coming back. */
export function openStore(config: StoreLocation, log?: StoreLog): Store {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) throw new Error('STELE_DATABASE_URL must be a postgres:// URL');
    return openPostgresStore({
      connectionString: config.databaseUrl, schema: config.databaseSchema, timeouts: config.databaseTimeouts, log, groupCommit: config.groupCommit,
      ...(config.databaseReadUrl && { readConnectionString: config.databaseReadUrl }),
    });
  }
  return openSqliteStore({ file: join(config.dataDir, 'stele.db'), groupCommit: config.groupCommit, checkpoints: config.sqliteCheckpoints });
}

const hidden = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

export const describeStore = (config: StoreLocation): string =>
  config.databaseUrl ? `PostgreSQL (${hidden(config.databaseUrl)})${config.databaseReadUrl ? `, reads from the replica ${hidden(config.databaseReadUrl)} when it has caught up` : ''}` : `SQLite (${join(config.dataDir, 'stele.db')})`;
