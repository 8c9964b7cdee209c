// The production store. Sequencing takes a row lock on the tenant's head (SELECT ... FOR UPDATE)
// inside the insert transaction, so any number of Stele processes can append to one database and
// each tenant's seq stays gap-free and in commit order. A batch takes the lock once.
//
// PostgreSQL may restart, drop connections or go silent: the pools set time limits per use
// (postgres-pools.ts), and guardStore turns what postgres-faults.ts recognises into
// StoreUnavailableError, failing calls at once while the server cannot be reached.

import pg from 'pg';
import type { PoolClient } from 'pg';
import copyStreams from 'pg-copy-streams';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts } from '../database-timeouts.js';
import type { StoredEvent } from '../../domain/event.js';
import type { Sql } from '../../sql/fragments.js';
import { mayBeResent, planGroup, type AppendJob, type ExistingEvent } from '../append-plan.js';
import { createBatchingQueue, type GroupCommitOptions, type JobResult } from '../batching-queue.js';
import { csvRecordReader, ndjsonRecordReader } from './copy-records.js';
import { CONTENT_COLUMNS, EVENT_INSERT_COLUMNS, eventSelectList, rowToEvent, type EventRow, type RowValue } from '../event-rows.js';
import { toApiKey, toCheckpoint, toRecord } from '../row-readers.js';
import { EMPTY_HEAD, decodeBorder, encodeBorder } from '../log-head.js';
import { sealedEventRow } from '../row-values.js';
import type { AppendOutcome, EncodedRows, LogHead, PendingEvent, ReplicaRead, Sealer, Store, StoreRowEncoding, Tenant } from '../port.js';
import { nodeKey, StoreUnavailableError } from '../port.js';
import { createAvailabilityGate, guardStore, type StoreLog } from '../availability.js';
import { checkout, openPools, timed, type PostgresPools } from './postgres-pools.js';
import { classifyPostgresError } from './postgres-faults.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { arrayLiteral } from './postgres-literals.js';
import { postgresDialect } from './postgres-dialect.js';
import { copyEventsStatement } from './postgres-row-encodings.js';
import { postgresCanonicalRowReader } from './postgres-canonical-rows.js';
import { copiedCanonicalRowReader } from './copied-canonical-rows.js';
import { nativePostgresPages } from '../../native/native-addons.js';
import { aggregateAnswer, aggregateStatement } from '../aggregate-statement.js';

// bigint columns hold seq and millisecond times, all far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema to use (created if missing); tests give each suite its own. Default: public. */
  schema?: string;
  maxConnections?: number;
  /**
   * Connections for export COPYs (default 3). A download holds its connection for as long as its
   * client takes to read it, so downloads get a pool of their own and wait for each other there
   * rather than starve appends and queries of theirs.
   */
  maxCopyConnections?: number;
  /** Connect, statement and idle limits; default DEFAULT_DATABASE_TIMEOUTS. */
  timeouts?: DatabaseTimeouts;
  /** Told when connections break and when the server goes away and comes back. */
  log?: StoreLog;
  /**
   * A streaming replica of the same database (STELE_DATABASE_READ_URL) for the reads that say a
   * replica may serve them (port.ts ReplicaRead): lists, searches, the feed, exports and
   * verification pages. Everything else, and any read the replica has not caught up with, goes to
   * the primary; so does every read while the replica does not answer.
   */
  readConnectionString?: string;
  /** Bounds of a commit group (STELE_GROUP_COMMIT_MAX_EVENTS, STELE_GROUP_COMMIT_WAIT_MS). */
  groupCommit?: GroupCommitOptions;
}

// details as jsonb's text, parsed by rowToEvent as on SQLite (the driver would parse a jsonb
// string value into a bare string that rowToEvent could not tell from JSON text).
const SELECT_LIST = eventSelectList((column) => `encode(${column}, 'hex')`, (column) => `${column}::text`);

// A group's events, its new Merkle nodes and the head's advance in one statement, whatever the
// group's size: one round trip, parsed and planned once per connection. The rows travel as one
// array per column (unnest), so the text never changes with the number of rows.
const ARRAY_TYPES: Partial<Record<(typeof EVENT_INSERT_COLUMNS)[number], string>> = {
  seq: 'bigint', occurred_at: 'bigint', received_at: 'bigint', http_status: 'integer', success: 'smallint',
  ip_bin: 'bytea', input_hash: 'bytea', leaf_hash: 'bytea', chain_hash: 'bytea',
};
const ROW_COLUMNS = EVENT_INSERT_COLUMNS.filter((c) => c !== 'tenant_id');
const APPEND_GROUP = `WITH nodes AS (
    INSERT INTO merkle_nodes (tenant_id, level, idx, hash) SELECT $1::text, * FROM unnest($5::smallint[], $6::bigint[], $7::bytea[])),
  head AS (UPDATE tenant_heads SET size = $2, chain_hash = $3, border = $4 WHERE tenant_id = $1::text)
  INSERT INTO events (${EVENT_INSERT_COLUMNS.join(', ')})
  SELECT $1::text, ${ROW_COLUMNS.map((c) => (c === 'details' ? 'r.details::jsonb' : `r.${c}`)).join(', ')}
  FROM unnest(${ROW_COLUMNS.map((c, i) => `$${8 + i}::${ARRAY_TYPES[c] ?? 'text'}[]`).join(', ')}) AS r(${ROW_COLUMNS.join(', ')})`;
// The bytes a row's content takes, as PostgreSQL stores its values (compressed or not).
const CONTENT_SIZE = [...CONTENT_COLUMNS, 'action', 'category', 'input_hash'].map((c) => `coalesce(pg_column_size(${c}), 0)`).join(' + ');
const FORGET_STATEMENT = `WITH target AS (
    SELECT seq, ${CONTENT_SIZE} AS bytes FROM events
    WHERE tenant_id = $1 AND seq = ANY($2::bigint[]) AND forgotten_kind IS NULL AND seq < $4 FOR UPDATE),
  done AS (
    UPDATE events e SET ${CONTENT_COLUMNS.map((c) => `${c} = NULL`).join(', ')}, action = '', category = '', input_hash = '\\x'::bytea,
      forgotten_kind = $3, forgotten_by = $4
    FROM target t WHERE e.tenant_id = $1 AND e.seq = t.seq RETURNING t.bytes)
  SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM done`;

/** Rewrites `?` placeholders to `$1..$n`, starting after `offset` parameters already bound. */
export function numbered(text: string, offset = 0): string {
  let n = offset;
  return text.replace(/\?/g, () => `$${++n}`);
}

// Named statements are parsed and planned once per connection instead of on every call: used for
// the small fixed reads that proofs make several of per request, where planning is a visible
// share of the latency.
const prepared = (name: string, text: string, values: unknown[]) => ({ name, text, values });

const bind = (params: readonly unknown[]): unknown[] =>
  params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p));

// /readyz waits no longer than this for its SELECT 1.
const PING_TIMEOUT_MS = 2000;

export function openPostgresStore(options: PostgresStoreOptions): Store {
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const timeouts = options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
  const pools = openPools({
    connectionString: options.connectionString, schema, timeouts, log: options.log,
    maxConnections: options.maxConnections ?? 10, maxCopyConnections: options.maxCopyConnections ?? 3,
  });
  const { pool, pagePool, copyPool } = pools;
  const replica = options.readConnectionString === undefined ? undefined : openPools({
    connectionString: options.readConnectionString, schema, timeouts, log: options.log, applicationName: 'stele-replica',
    maxConnections: options.maxConnections ?? 10, maxCopyConnections: options.maxCopyConnections ?? 3,
  });
  const pageReader = (from: pg.Pool) => (nativePostgresPages ? copiedCanonicalRowReader(from, nativePostgresPages) : postgresCanonicalRowReader(from));
  const primaryPages = pageReader(pagePool);
  const replicaPages = replica && pageReader(replica.pagePool);

  /** The replica's pools when it may serve this read and holds the tenant's log far enough; else the primary's. */
  async function readPools(tenantId: string, read: ReplicaRead | undefined): Promise<PostgresPools> {
    if (!replica || !read) return pools;
    try {
      const { rows } = await replica.pool.query(prepared('replica_head', 'SELECT size FROM tenant_heads WHERE tenant_id = $1', [tenantId]));
      return Number(rows[0]?.size ?? 0) >= read.atLeastSeq ? replica : pools;
    } catch (error) {
      options.log?.warn({ err: error }, 'the read replica did not answer; reading from the primary');
      return pools;
    }
  }
  const gate = createAvailabilityGate({ database: 'PostgreSQL', classify: classifyPostgresError, probe, log: options.log });

  async function inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const { client, release } = await checkout(pool);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await commit(client);
      release();
      return result;
    } catch (error) {
      // A statement PostgreSQL refused leaves a sound connection to roll back on. After any other
      // failure the connection may be broken or mid-statement: it is discarded, and the server
      // rolls back what a closed connection left open.
      const sound = classifyPostgresError(error) === undefined && !(error instanceof StoreUnavailableError)
        && await client.query('ROLLBACK').then(() => true, () => false);
      release(sound ? undefined : error);
      throw error;
    }
  }

  /** COMMIT; when its answer never comes, whether it took effect is unknown, and the error says so. */
  async function commit(client: PoolClient): Promise<void> {
    try {
      await client.query('COMMIT');
    } catch (error) {
      if (classifyPostgresError(error) !== 'unreachable') throw error; // refused: rolled back
      throw new StoreUnavailableError(
        'The database connection was lost during the commit, so whether this write was stored is unknown. '
        + 'Try again shortly: events resent with the same ids are stored once.',
        1, { cause: error });
    }
  }

  /** Checks that the server answers over a fresh connection (availability.ts probes with it while the server is away). */
  async function probe(): Promise<void> {
    const client = await pools.connectAlone('probe');
    try {
      await client.query(timed('SELECT 1', timeouts.connectMs));
    } finally {
      await client.end().catch(() => {});
    }
  }

  async function lockHead(client: PoolClient, tenantId: string): Promise<LogHead> {
    const select = 'SELECT size, chain_hash, border FROM tenant_heads WHERE tenant_id = $1 FOR UPDATE';
    let { rows } = await client.query(select, [tenantId]);
    if (rows.length === 0) {
      // First event of the tenant: create its head (another process may race us; both then lock the same row).
      await client.query(
        'INSERT INTO tenant_heads (tenant_id, size, chain_hash, border) VALUES ($1, 0, $2, $3) ON CONFLICT (tenant_id) DO NOTHING',
        [tenantId, Buffer.from(EMPTY_HEAD.chainHash), Buffer.alloc(0)],
      );
      ({ rows } = await client.query(select, [tenantId]));
    }
    const row = rows[0] as { size: number; chain_hash: Buffer; border: Buffer };
    return { size: row.size, chainHash: row.chain_hash, border: decodeBorder(row.border) };
  }

  async function findExisting(client: PoolClient, tenantId: string, batch: PendingEvent[]): Promise<Map<string, ExistingEvent>> {
    const ids = batch.filter(mayBeResent).map((p) => p.event.id);
    if (ids.length === 0) return new Map();
    const { rows } = await client.query(
      'SELECT id, seq, input_hash FROM events WHERE tenant_id = $1 AND id = ANY($2::text[])',
      [tenantId, ids],
    );
    return new Map(rows.map((r: { id: string; seq: number; input_hash: Buffer }) => [r.id, { id: r.id, seq: r.seq, inputHash: r.input_hash }]));
  }

  /**
   * Commits a group of appends for one tenant in one transaction under one head lock: each job is
   * planned in turn (planGroup: an id conflict fails its job alone, before anything of it is
   * written), then every accepted event is sealed and written with the new nodes and head in one
   * statement. A database error fails the group (the queue then runs its jobs one by one, see
   * retryAlone); nothing of it is acknowledged before COMMIT has answered.
   */
  async function commitGroup(tenantId: string, jobs: AppendJob[]): Promise<JobResult<AppendOutcome[]>[]> {
    // Jobs queued behind a group that found the server gone fail at once, not each after a timeout.
    gate.check();
    return inTransaction(async (client) => {
      const head = await lockHead(client, tenantId);
      const existing = await findExisting(client, tenantId, jobs.flatMap((j) => j.batch));
      const { results, fresh } = planGroup(tenantId, head, jobs, existing);
      if (fresh.length === 0) return results;
      // Every caller seals with the same function (the ingest service's); the first one's serves the group.
      const sealed = jobs[0]!.seal(head, fresh.map((f) => f.event));
      const columns: RowValue[][] = ROW_COLUMNS.map(() => new Array<RowValue>(sealed.events.length));
      sealed.events.forEach((s, i) => {
        const row = sealedEventRow(s, fresh[i]!.pending.inputHash);
        for (let c = 0; c < columns.length; c++) columns[c]![i] = row[c + 1]!;
      });
      await client.query(prepared('append_group', APPEND_GROUP, [
        tenantId, sealed.head.size, Buffer.from(sealed.head.chainHash), encodeBorder(sealed.head.border),
        arrayLiteral(sealed.nodes.map((n) => n.level)), arrayLiteral(sealed.nodes.map((n) => n.index)), arrayLiteral(sealed.nodes.map((n) => n.hash)),
        ...columns.map(arrayLiteral),
      ]));
      return results;
    });
  }
  const appends = createBatchingQueue<AppendJob, AppendOutcome[]>(commitGroup, {
    ...options.groupCommit,
    weight: (job) => job.batch.length,
    // A refused statement rolled the group back: its jobs can go one by one. An unreachable or busy
    // server would refuse them again, and a commit without an answer must never run twice.
    retryAlone: (error) => classifyPostgresError(error) === undefined && !(error instanceof StoreUnavailableError),
  });

  /**
   * Streams a COPY of the encoded rows on a client of the copy pool. A COPY that is not read to
   * the end holds its backend, which blocks writing to a socket nobody reads and would not even
   * notice a query cancel; so an early stop terminates that backend and discards the client.
   */
  async function* copyEventRows(tenantId: string, where: Sql, encoding: StoreRowEncoding, signal?: AbortSignal, read?: ReplicaRead): AsyncGenerator<EncodedRows> {
    const statement = copyEventsStatement(tenantId, where, encoding);
    const from = await readPools(tenantId, read);
    const { client, release } = await checkout(from.copyPool);
    let backendPid: number | undefined;
    let finished = false;
    let onAbort: (() => void) | undefined;
    try {
      // The COPY may take as long as its reader; this statement may not.
      backendPid = (await client.query(timed('SELECT pg_backend_pid() AS pid', timeouts.statementMs))).rows[0].pid as number;
      signal?.throwIfAborted();
      const copy = client.query(copyStreams.to(statement));
      copy.on('error', () => {}); // errors reach the loop below through the iterator as well
      onAbort = () => copy.destroy(signal!.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      const reader = encoding === 'csv' ? csvRecordReader() : ndjsonRecordReader();
      for await (const chunk of copy as AsyncIterable<Buffer>) {
        const rows = reader.read(chunk);
        if (rows) yield rows;
      }
      signal?.throwIfAborted();
      reader.end();
      finished = true;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (finished) {
        release();
      } else {
        if (backendPid !== undefined) await from.pool.query('SELECT pg_terminate_backend($1)', [backendPid]).catch(() => {});
        release(true);
      }
    }
  }

  const store: Store = {
    engine: 'postgres',
    dialect: postgresDialect,

    // On a connection of its own, without a statement limit: a migration may be long, and may
    // wait for another process's.
    async migrate() {
      const client = await pools.connectAlone('migrate');
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        // One migrator at a time across processes.
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [`stele-migrate-${schema}`]);
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)');
        const { rows } = await client.query('SELECT version FROM schema_migrations');
        const applied = new Set(rows.map((r: { version: number }) => r.version));
        for (const migration of POSTGRES_MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(migration.sql);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, new Date().toISOString()]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`stele-migrate-${schema}`]).catch(() => {});
        await client.end().catch(() => {});
      }
    },

    async ping() {
      await pool.query(timed('SELECT 1', PING_TIMEOUT_MS));
    },

    async close() {
      await appends.drained();
      await Promise.all([pools.end(), replica?.end()]);
    },

    async getSetting(key) {
      const { rows } = await pool.query('SELECT value FROM settings WHERE key = $1', [key]);
      return rows[0]?.value as string | undefined;
    },

    async setSettingIfAbsent(key, value) {
      await pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
      const { rows } = await pool.query('SELECT value FROM settings WHERE key = $1', [key]);
      return rows[0].value as string;
    },

    async createTenant(tenant) {
      await pool.query('INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)', [tenant.id, tenant.name, tenant.created_at]);
    },

    async getTenant(id) {
      const { rows } = await pool.query('SELECT id, name, created_at FROM tenants WHERE id = $1', [id]);
      return rows[0] as Tenant | undefined;
    },

    async listTenants() {
      const { rows } = await pool.query('SELECT id, name, created_at FROM tenants ORDER BY created_at, id');
      return rows as Tenant[];
    },

    async insertApiKey(key) {
      await pool.query(
        'INSERT INTO api_keys (id, tenant_id, name, scopes, key_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [key.id, key.tenant_id, key.name, JSON.stringify(key.scopes), key.key_hash, key.created_at, key.revoked_at],
      );
    },

    async findApiKeyByHash(keyHash) {
      const { rows } = await pool.query('SELECT * FROM api_keys WHERE key_hash = $1', [keyHash]);
      return rows[0] ? toApiKey(rows[0]) : undefined;
    },

    async listApiKeys(tenantId) {
      const { rows } = await pool.query('SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id', [tenantId]);
      return rows.map(toApiKey);
    },

    async revokeApiKey(tenantId, keyId, revokedAt) {
      const result = await pool.query('UPDATE api_keys SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL', [revokedAt, tenantId, keyId]);
      return result.rowCount === 1;
    },

    appendEvents(tenantId, batch: PendingEvent[], seal: Sealer): Promise<AppendOutcome[]> {
      return appends.enqueue(tenantId, { batch, seal });
    },

    async findEvents(tenantId, query) {
      const { key, direction } = query.order;
      const order = key === 'seq' ? `seq ${direction}` : `occurred_at ${direction}, seq ${direction}`;
      const params = [tenantId, ...bind(query.where.params), query.limit];
      const offset = query.offset ? ` OFFSET $${params.push(query.offset)}` : '';
      const { rows } = await (await readPools(tenantId, query.replica)).pool.query<unknown[]>({
        text: `SELECT ${SELECT_LIST} FROM events WHERE tenant_id = $1 AND (${numbered(query.where.text, 1)}) ORDER BY ${order} LIMIT $${params.length - (offset ? 1 : 0)}${offset}`,
        values: params,
        rowMode: 'array',
      });
      return rows.map(rowToEvent);
    },

    async aggregateEvents(tenantId, aggregation) {
      const statement = aggregateStatement(tenantId, aggregation, aggregation.eachGroup ? 'correlated' : 'grouped');
      const { rows } = await pool.query<unknown[]>({ text: numbered(statement.text), values: bind(statement.params), rowMode: 'array' });
      return aggregateAnswer(rows, statement);
    },

    async countEvents(tenantId, where: Sql) {
      const { rows } = await pool.query(`SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND (${numbered(where.text, 1)})`, [tenantId, ...bind(where.params)]);
      return Number(rows[0].n);
    },

    encodeEventRows: copyEventRows,
    async readCanonicalRows(tenantId, afterSeq, throughSeq, limit) {
      const from = await readPools(tenantId, { atLeastSeq: Math.min(throughSeq, afterSeq + limit) });
      return (from === replica ? replicaPages! : primaryPages)(tenantId, afterSeq, throughSeq, limit);
    },

    async getEvent(tenantId, id): Promise<StoredEvent | undefined> {
      const { rows } = await pool.query<unknown[]>({ ...prepared('event_by_id', `SELECT ${SELECT_LIST} FROM events WHERE tenant_id = $1 AND id = $2`, [tenantId, id]), rowMode: 'array' });
      return rows[0] ? rowToEvent(rows[0]) : undefined;
    },

    async distinctValues(tenantId, column, limit, window) {
      const { rows } = await pool.query(
        `SELECT ${column} AS v FROM events WHERE tenant_id = $1 AND seq > (SELECT coalesce(max(size), 0) FROM tenant_heads WHERE tenant_id = $1) - $3
           AND ${column} IS NOT NULL GROUP BY ${column} ORDER BY count(*) DESC, ${column} LIMIT $2`,
        [tenantId, limit, window],
      );
      return rows.map((r: { v: string }) => r.v);
    },

    async insertRecord(key, body, now) {
      const result = await pool.query(
        'INSERT INTO records (kind, tenant_id, id, body, created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, $5) ON CONFLICT DO NOTHING',
        [key.kind, key.tenantId, key.id, JSON.stringify(body), now],
      );
      return result.rowCount === 1;
    },

    async updateRecord(key, body, now) {
      const result = await pool.query('UPDATE records SET body = $4::jsonb, updated_at = $5 WHERE kind = $1 AND tenant_id = $2 AND id = $3',
        [key.kind, key.tenantId, key.id, JSON.stringify(body), now]);
      return result.rowCount === 1;
    },

    async updateRecordIf(key, body, now, expected) {
      // jsonb equality ignores member order; under READ COMMITTED a concurrent update of the row
      // makes this one wait, then re-check its condition against the row as that one left it.
      const result = await pool.query('UPDATE records SET body = $4::jsonb, updated_at = $5 WHERE kind = $1 AND tenant_id = $2 AND id = $3 AND body = $6::jsonb',
        [key.kind, key.tenantId, key.id, JSON.stringify(body), now, JSON.stringify(expected)]);
      return result.rowCount === 1;
    },

    async getRecord(key) {
      const { rows } = await pool.query('SELECT * FROM records WHERE kind = $1 AND tenant_id = $2 AND id = $3', [key.kind, key.tenantId, key.id]);
      return rows[0] ? toRecord(rows[0]) : undefined;
    },

    async listRecords(kind, tenantId, limit = 1000, order = 'oldest') {
      const by = order === 'newest' ? 'created_at DESC, id DESC' : 'created_at, id';
      const { rows } = await pool.query(`SELECT * FROM records WHERE kind = $1 AND tenant_id = $2 ORDER BY ${by} LIMIT $3`, [kind, tenantId, limit]);
      return rows.map((r: Record<string, unknown>) => toRecord(r));
    },

    async deleteRecord(key) {
      const result = await pool.query('DELETE FROM records WHERE kind = $1 AND tenant_id = $2 AND id = $3', [key.kind, key.tenantId, key.id]);
      return result.rowCount === 1;
    },

    async insertCheckpoint(c) {
      const result = await pool.query(
        'INSERT INTO checkpoints (tenant_id, tree_size, root_hash, created_at, note) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [c.tenant_id, c.tree_size, Buffer.from(c.root_hash), c.created_at, c.note],
      );
      return result.rowCount === 1;
    },

    async getCheckpoint(tenantId, treeSize) {
      const { rows } = await pool.query(prepared('checkpoint_at', 'SELECT * FROM checkpoints WHERE tenant_id = $1 AND tree_size = $2', [tenantId, treeSize]));
      return rows[0] ? toCheckpoint(rows[0]) : undefined;
    },

    async latestCheckpoint(tenantId) {
      const { rows } = await pool.query(prepared('latest_checkpoint', 'SELECT * FROM checkpoints WHERE tenant_id = $1 ORDER BY tree_size DESC LIMIT 1', [tenantId]));
      return rows[0] ? toCheckpoint(rows[0]) : undefined;
    },

    async listCheckpoints(tenantId, { minSize, maxSize, limit, order = 'oldest' }) {
      const { rows } = await pool.query(`SELECT * FROM checkpoints WHERE tenant_id = $1 AND tree_size >= $2 AND tree_size <= $3 ORDER BY tree_size${order === 'newest' ? ' DESC' : ''} LIMIT $4`,
        [tenantId, minSize, maxSize, limit]);
      return rows.map(toCheckpoint);
    },

    async addCosignatures(tenantId, treeSize, cosignatures, now) {
      if (cosignatures.length === 0) return;
      await pool.query(
        `INSERT INTO checkpoint_cosignatures (tenant_id, tree_size, cosigner, line, created_at)
         SELECT $1, $2, c, l, $5 FROM unnest($3::text[], $4::text[]) AS t(c, l) ON CONFLICT DO NOTHING`,
        [tenantId, treeSize, cosignatures.map((c) => c.cosigner), cosignatures.map((c) => c.line), now],
      );
    },

    async getCosignatures(tenantId, treeSize) {
      const { rows } = await pool.query(prepared('cosignatures_at', 'SELECT line FROM checkpoint_cosignatures WHERE tenant_id = $1 AND tree_size = $2 ORDER BY cosigner', [tenantId, treeSize]));
      return (rows as { line: string }[]).map((r) => r.line);
    },

    async checkpointBacklog() {
      const { rows } = await pool.query(`SELECT h.tenant_id, h.size, COALESCE((SELECT max(tree_size) FROM checkpoints c WHERE c.tenant_id = h.tenant_id), 0) AS cp
        FROM tenant_heads h`);
      return (rows as { tenant_id: string; size: number; cp: number }[])
        .filter((r) => r.size > Number(r.cp)).map((r) => ({ tenantId: r.tenant_id, size: r.size, checkpointSize: Number(r.cp) }));
    },

    async forgetEvents(tenantId, seqs, marker) {
      if (seqs.length === 0) return { forgotten: 0, bytesFreed: 0 };
      return inTransaction(async (client) => {
        // For this transaction only: the events trigger lets tombstoning updates through (migration 5).
        await client.query(`SELECT set_config('stele.forgetting', 'on', true)`);
        const { rows } = await client.query(FORGET_STATEMENT, [tenantId, seqs, marker.kind, marker.bySeq]);
        return { forgotten: Number(rows[0].n), bytesFreed: Number(rows[0].bytes) };
      });
    },

    async reclaimSpace() {
      // Plain VACUUM takes no lock that stops reads or appends; it needs a connection outside any transaction and without a statement limit.
      const client = await pools.connectAlone('vacuum');
      try {
        await client.query('VACUUM (ANALYZE) events');
      } finally {
        await client.end().catch(() => {});
      }
    },

    async getHead(tenantId) {
      const { rows } = await pool.query(prepared('head', 'SELECT size, chain_hash, border FROM tenant_heads WHERE tenant_id = $1', [tenantId]));
      const row = rows[0] as { size: number; chain_hash: Buffer; border: Buffer } | undefined;
      return row ? { size: row.size, chainHash: row.chain_hash, border: decodeBorder(row.border) } : EMPTY_HEAD;
    },

    async getMerkleNodes(tenantId, ids) {
      const leaves = ids.filter((id) => id.level === 0).map((id) => id.index + 1);
      const inner = ids.filter((id) => id.level > 0);
      // Leaves and stored nodes live in two tables, read by one statement: a proof is a handful of
      // statements, and on a busy machine each more is one more chance to wait for a core. Not a
      // named statement, so it is planned on every call with the statistics of the moment: a
      // connection's cached plan, made while the log was nearly empty, read every row of the
      // tenant through another index instead of the primary key (20–50 ms a call at 50,000
      // events, on every checkpoint), and kept doing so after ANALYZE.
      const { rows } = await pool.query(`
        SELECT 0 AS level, seq - 1 AS idx, leaf_hash AS hash FROM events WHERE tenant_id = $1 AND seq = ANY($2::bigint[])
        UNION ALL
        SELECT n.level, n.idx, n.hash FROM merkle_nodes n JOIN unnest($3::smallint[], $4::bigint[]) AS want(level, idx) ON n.level = want.level AND n.idx = want.idx WHERE n.tenant_id = $1`,
      [tenantId, leaves, inner.map((i) => i.level), inner.map((i) => i.index)]);
      const found = new Map<string, Uint8Array>();
      for (const r of rows as { level: number; idx: number; hash: Buffer }[]) found.set(nodeKey(r.level, r.idx), r.hash);
      return found;
    },
  };
  return guardStore(store, gate);
}
