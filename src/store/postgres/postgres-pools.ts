// The connections of the PostgreSQL store, each use with the time limits it can live with (and
// named for it in pg_stat_activity: stele, stele-pages, stele-export, stele-migrate, stele-probe):
//
// - `pool`, ordinary statements (appends, reads, proofs): the statement timeout, server-side (a
//   statement PostgreSQL gives up on) and client-side a little later (a server gone silent, which
//   cannot cancel anything). A transaction left idle that long is ended by the server, so a
//   process that stalls while holding a tenant's head lock does not block that tenant for good.
// - `pagePool`, verification pages: at least PAGE_TIMEOUT_MS, since a page is many events. Its own
//   connections, so a long verification does not hold those of appends.
// - `copyPool`, export downloads: no statement limit, since a COPY lasts as long as its reader
//   takes (see postgres-store.ts).
// - `connectAlone(use)`, one client outside the pools with no statement limit: migrations (which may
//   wait for another process's migration lock), and probes.
//
// Every pool and client is listened to for errors: pg emits 'error' on a connection that breaks
// (a server restart, pg_terminate_backend, a reset), and an 'error' event nobody listens to ends
// the process.

import pg from 'pg';
import type { DatabaseTimeouts } from '../database-timeouts.js';
import type { StoreLog } from '../availability.js';

/** Verification pages may run at least this long, whatever the statement timeout. */
export const PAGE_TIMEOUT_MS = 5 * 60_000;
// How much later than PostgreSQL's own statement timeout the client stops waiting: the server's
// cancel normally answers first, and only a server gone silent runs into the client's.
const CLIENT_GRACE_MS = 1000;

export interface PoolSettings {
  connectionString: string;
  schema: string;
  timeouts: DatabaseTimeouts;
  maxConnections: number;
  maxCopyConnections: number;
  log?: StoreLog;
  /** `stele` for the primary's connections (the default), `stele-replica` for a read replica's. */
  applicationName?: string;
}

export interface PostgresPools {
  pool: pg.Pool;
  pagePool: pg.Pool;
  copyPool: pg.Pool;
  /** A connected client outside the pools, without statement limits, named stele-<use>; end() it when done. */
  connectAlone(use: string): Promise<pg.Client>;
  end(): Promise<void>;
}

export interface CheckedOut {
  client: pg.PoolClient;
  /** Returns the client to its pool; with an error, discards it instead (its connection may be broken or mid-statement). */
  release(error?: unknown): void;
}

const statementLimits = (ms: number) => (ms > 0
  ? { statement_timeout: ms, idle_in_transaction_session_timeout: ms, query_timeout: ms + CLIENT_GRACE_MS }
  : {});

export function openPools(settings: PoolSettings): PostgresPools {
  const { timeouts, log } = settings;
  // application_name: so a DBA sees in pg_stat_activity whose connections these are, and for what.
  const connection = (use: string) => ({
    connectionString: settings.connectionString,
    options: `-c search_path=${settings.schema}`,
    application_name: use === 'statements' ? settings.applicationName ?? 'stele' : `${settings.applicationName ?? 'stele'}-${use}`,
    connectionTimeoutMillis: timeouts.connectMs,
    // A peer that vanished without closing (a host gone, a dropped NAT entry) is noticed on idle connections too.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  const idle = { idleTimeoutMillis: timeouts.idleMs };
  const listened = (pool: pg.Pool, use: string) => pool.on('error', (error) => {
    log?.warn({ err: error }, `PostgreSQL closed an idle ${use} connection; the pool opens a new one when needed`);
  });

  const pool = listened(new pg.Pool({
    ...connection('statements'), ...idle, ...statementLimits(timeouts.statementMs), max: settings.maxConnections,
  }), 'statements');
  const pagePool = listened(new pg.Pool({
    ...connection('pages'), ...idle, ...statementLimits(timeouts.statementMs > 0 ? Math.max(timeouts.statementMs, PAGE_TIMEOUT_MS) : 0), max: 4,
  }), 'pages');
  // Opens no connection until the first download.
  const copyPool = listened(new pg.Pool({ ...connection('export'), ...idle, max: settings.maxCopyConnections }), 'export');

  return {
    pool, pagePool, copyPool,
    async connectAlone(use: string) {
      const client = new pg.Client(connection(use));
      client.on('error', (error) => log?.warn({ err: error }, 'PostgreSQL closed a connection'));
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => {});
        throw error;
      }
      return client;
    },
    async end() {
      await Promise.all([pool.end(), pagePool.end(), copyPool.end()]);
    },
  };
}

/**
 * A statement with a client-side time limit of its own (pg reads query_timeout from the query too,
 * though its types do not say so). 0 leaves the connection's limit.
 */
export const timed = (text: string, ms: number): pg.QueryConfig => ({ text, query_timeout: ms }) as pg.QueryConfig;

/** Checks a client out of `pool`, with a listener for the errors its connection may emit while it is out. */
export async function checkout(pool: pg.Pool): Promise<CheckedOut> {
  const client = await pool.connect();
  // Only the statement running on the client, if any, needs to hear of the error: it fails with it.
  const ignore = () => {};
  client.on('error', ignore);
  return {
    client,
    release(error?: unknown) {
      client.off('error', ignore);
      client.release(error === undefined ? undefined : error instanceof Error ? error : true);
    },
  };
}
