// PostgreSQL's time limits, as configuration sets them (config.ts reads them from the environment);
// postgres/postgres-pools.ts says which use gets which. SQLite waits for locks on its own, up to
// its busy timeout.

export interface DatabaseTimeouts {
  /** Longest wait for a connection, a new one or a free one of the pool (STELE_DATABASE_CONNECT_TIMEOUT_MS). */
  connectMs: number;
  /**
   * Longest an ordinary statement may run, and a transaction stay idle (STELE_DATABASE_STATEMENT_TIMEOUT_MS;
   * 0 = no limit). Exports' COPY and migrations have no limit; verification pages at least five minutes.
   */
  statementMs: number;
  /** How long an unused pooled connection stays open (STELE_DATABASE_IDLE_TIMEOUT_MS; 0 = until closed). */
  idleMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = Object.freeze({ connectMs: 5000, statementMs: 30_000, idleMs: 10_000 });
