// The embedded default store: one SQLite file, WAL, synchronous=FULL so an acknowledged event
// survives a power cut. Appends go through group commit (batching-queue.ts): the appends that
// arrive in one turn of the event loop, every tenant's, are committed in one transaction, so one
// fsync serves many requests. better-sqlite3 is synchronous: while a group commits, the requests
// that arrive wait in the socket buffers and make up the next group.

import Database from 'better-sqlite3';
import { regexTest } from '../../sql/regex.js';
import type { Database as Db, Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { StoredEvent } from '../../domain/event.js';
import type { Sql } from '../../sql/fragments.js';
import { mayBeResent, planGroup, type AppendJob, type ExistingEvent } from '../append-plan.js';
import { createBatchingQueue, type GroupCommitOptions, type JobResult } from '../batching-queue.js';
import { CONTENT_COLUMNS, EVENT_INSERT_COLUMNS, eventSelectList, rowToEvent, type EventRow } from '../event-rows.js';
import { EMPTY_HEAD, decodeBorder, encodeBorder } from '../log-head.js';
import { sealedEventRow } from '../row-values.js';
import { toApiKey, toCheckpoint, toRecord } from '../row-readers.js';
import type {
  AppendOutcome, EventQuery, LogHead, Store, Tenant,
} from '../port.js';
import { nodeKey } from '../port.js';
import { createAvailabilityGate, guardStore } from '../availability.js';
import { classifySqliteError } from './sqlite-faults.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { nativeSqliteExtension } from '../../native/native-addons.js';
import { sqliteCanonicalRowReader } from './sqlite-canonical-rows.js';
import { aggregateAnswer, aggregateStatement } from '../aggregate-statement.js';
import { checkpointOffThread } from './wal-checkpointer.js';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:'. */
  file: string;
  /** Bounds of a commit group (STELE_GROUP_COMMIT_MAX_EVENTS, STELE_GROUP_COMMIT_WAIT_MS). */
  groupCommit?: GroupCommitOptions;
  /**
   * Where the WAL is checkpointed: `inline`, SQLite's default, in the commit that takes it past
   * 1,000 pages; `thread`, by a worker thread of its own (wal-checkpointer.ts): what a server's
   * store does, so its commits never stop for a checkpoint's copy and fsync.
   */
  checkpoints?: 'inline' | 'thread';
}

interface QueuedAppend extends AppendJob {
  tenantId: string;
}

const SELECT_LIST = eventSelectList((column) => `lower(hex(${column}))`);
// Seqs per forgetting statement (SQLite allows 32766 parameters; small chunks keep statements few).
const FORGET_CHUNK = 500;
// The bytes a row's content takes, as SQLite stores its values.
const CONTENT_SIZE = [...CONTENT_COLUMNS, 'action', 'category', 'input_hash'].map((c) => `coalesce(length(CAST(${c} AS BLOB)), 0)`).join(' + ');

export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const db: Db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const checkpointer = options.checkpoints === 'thread' && options.file !== ':memory:' ? checkpointOffThread(db, options.file) : undefined;
  // `x REGEXP ?` (searches' `field:~"…"`) reads the pattern as the in-memory evaluator does.
  db.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) =>
    (typeof pattern === 'string' && typeof value === 'string' ? (regexTest(pattern, value) ? 1 : 0) : null));

  let statements: ReturnType<typeof prepareStatements> | undefined;
  const canonicalRows = sqliteCanonicalRowReader(db, options.file, nativeSqliteExtension);
  const st = () => (statements ??= prepareStatements(db));

  // Event reads are compiled per filter shape; keeping the prepared statements saves a parse per
  // page (exports and verification read thousands of pages with the same text).
  const readStatements = new Map<string, Statement>();
  function readStatement(text: string): Statement {
    let statement = readStatements.get(text);
    if (!statement) {
      if (readStatements.size >= 256) readStatements.clear();
      statement = db.prepare(text).raw(true);
      readStatements.set(text, statement);
    }
    return statement;
  }

  // Statements of forgetEvents per chunk length (a full chunk, and the last one of a call).
  const forgetting = new Map<number, { select: Statement; update: Statement }>();
  function forgetStatements(count: number) {
    let found = forgetting.get(count);
    if (!found) {
      if (forgetting.size >= 64) forgetting.clear();
      const where = `tenant_id = ? AND forgotten_kind IS NULL AND seq < ? AND seq IN (${Array(count).fill('?').join(', ')})`;
      found = {
        select: db.prepare(`SELECT sum(${CONTENT_SIZE}) AS bytes FROM events WHERE ${where}`),
        update: db.prepare(`UPDATE events SET ${CONTENT_COLUMNS.map((c) => `${c} = NULL`).join(', ')}, action = '', category = '', input_hash = X'',
          forgotten_kind = ?, forgotten_by = ? WHERE ${where}`),
      };
      forgetting.set(count, found);
    }
    return found;
  }

  /**
   * Commits a group of appends, every tenant's, in one IMMEDIATE transaction. Each tenant's
   * appends are planned in the order they came (planGroup: an id conflict fails its append alone),
   * sealed together from the tenant's head, inserted, and the head advanced once. A failure of the
   * transaction fails the group (the queue then runs its appends one by one, see retryAlone).
   */
  const commitGroup = db.transaction((jobs: QueuedAppend[]): JobResult<AppendOutcome[]>[] => {
    const results: JobResult<AppendOutcome[]>[] = new Array(jobs.length);
    const byTenant = new Map<string, number[]>();
    jobs.forEach((job, i) => {
      const indexes = byTenant.get(job.tenantId);
      if (indexes) indexes.push(i);
      else byTenant.set(job.tenantId, [i]);
    });
    for (const [tenantId, indexes] of byTenant) {
      appendForTenant(tenantId, indexes.map((i) => jobs[i]!)).forEach((result, k) => { results[indexes[k]!] = result; });
    }
    return results;
  });

  function appendForTenant(tenantId: string, jobs: QueuedAppend[]): JobResult<AppendOutcome[]>[] {
    const s = st();
    const head = readHead(tenantId);
    const existing = new Map<string, ExistingEvent>();
    for (const job of jobs) {
      for (const pending of job.batch) {
        if (!mayBeResent(pending)) continue;
        const row = s.findById.get(tenantId, pending.event.id) as { seq: number; input_hash: Buffer } | undefined;
        if (row) existing.set(pending.event.id, { id: pending.event.id, seq: row.seq, inputHash: row.input_hash });
      }
    }
    const { results, fresh } = planGroup(tenantId, head, jobs, existing);
    if (fresh.length === 0) return results;
    // Every caller seals with the same function (the ingest service's); the first one's serves the group.
    const sealed = jobs[0]!.seal(head, fresh.map((f) => f.event));
    sealed.events.forEach((sealedEvent, i) => s.insertEvent.run(sealedEventRow(sealedEvent, fresh[i]!.pending.inputHash)));
    for (const node of sealed.nodes) s.insertNode.run(tenantId, node.level, node.index, node.hash);
    s.upsertHead.run(tenantId, sealed.head.size, sealed.head.chainHash, encodeBorder(sealed.head.border));
    return results;
  }

  // One writer, so one key: a group takes every tenant's appends.
  const appends = createBatchingQueue<QueuedAppend, AppendOutcome[]>(async (_key, jobs) => commitGroup.immediate(jobs), {
    ...options.groupCommit,
    weight: (job) => job.batch.length,
    retryAlone: (error) => classifySqliteError(error) === undefined,
  });

  function readHead(tenantId: string): LogHead {
    const row = st().getHead.get(tenantId) as { size: number; chain_hash: Buffer; border: Buffer } | undefined;
    if (!row) return EMPTY_HEAD;
    return { size: row.size, chainHash: row.chain_hash, border: decodeBorder(row.border) };
  }

  const store: Store = {
    engine: 'sqlite',
    dialect: sqliteDialect,

    async migrate() {
      db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
      for (const migration of SQLITE_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        db.transaction(() => {
          db.exec(migration.sql);
          db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(migration.version, migration.name, new Date().toISOString());
        }).immediate();
      }
      statements = undefined;
      readStatements.clear();
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },

    async close() {
      await appends.drained();
      await canonicalRows.close();
      await checkpointer?.stop();
      db.close();
    },

    async getSetting(key) {
      const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
      return row?.value;
    },

    async setSettingIfAbsent(key, value) {
      db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value);
      return (db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string }).value;
    },

    async createTenant(tenant) {
      db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(tenant.id, tenant.name, tenant.created_at);
    },

    async getTenant(id) {
      return db.prepare('SELECT id, name, created_at FROM tenants WHERE id = ?').get(id) as Tenant | undefined;
    },

    async listTenants() {
      return db.prepare('SELECT id, name, created_at FROM tenants ORDER BY created_at, id').all() as Tenant[];
    },

    async insertApiKey(key) {
      db.prepare('INSERT INTO api_keys (id, tenant_id, name, scopes, key_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(key.id, key.tenant_id, key.name, JSON.stringify(key.scopes), key.key_hash, key.created_at, key.revoked_at);
    },

    async findApiKeyByHash(keyHash) {
      const row = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash) as Record<string, unknown> | undefined;
      return row ? toApiKey(row) : undefined;
    },

    async listApiKeys(tenantId) {
      return (db.prepare('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id').all(tenantId) as Record<string, unknown>[]).map(toApiKey);
    },

    async revokeApiKey(tenantId, keyId, revokedAt) {
      const result = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL').run(revokedAt, tenantId, keyId);
      return result.changes === 1;
    },

    appendEvents(tenantId, batch, seal) {
      return appends.enqueue('', { tenantId, batch, seal });
    },

    async findEvents(tenantId, query: EventQuery) {
      const { key, direction } = query.order;
      const order = key === 'seq' ? `seq ${direction}` : `occurred_at ${direction}, seq ${direction}`;
      // Rows as arrays: better-sqlite3 builds wide result objects slowly (2.5x on event reads).
      const offset = query.offset ? ' OFFSET ?' : '';
      const rows = readStatement(`SELECT ${SELECT_LIST} FROM events WHERE tenant_id = ? AND (${query.where.text}) ORDER BY ${order} LIMIT ?${offset}`)
        .all(tenantId, ...bind(query.where), query.limit, ...(query.offset ? [query.offset] : [])) as EventRow[];
      return rows.map(rowToEvent);
    },

    async aggregateEvents(tenantId, aggregation) {
      const statement = aggregateStatement(tenantId, aggregation, 'grouped');
      return aggregateAnswer(readStatement(statement.text).all(...bind(statement)) as unknown[][], statement);
    },

    async countEvents(tenantId, where: Sql) {
      const row = db.prepare(`SELECT count(*) AS n FROM events WHERE tenant_id = ? AND (${where.text})`).get(tenantId, ...bind(where)) as { n: number };
      return row.n;
    },

    readCanonicalRows: (tenantId, afterSeq, throughSeq, limit) => canonicalRows.read({ tenantId, afterSeq, throughSeq, limit }),

    async getEvent(tenantId, id): Promise<StoredEvent | undefined> {
      const values = readStatement(`SELECT ${SELECT_LIST} FROM events WHERE tenant_id = ? AND id = ?`).get(tenantId, id) as EventRow | undefined;
      return values ? rowToEvent(values) : undefined;
    },

    async distinctValues(tenantId, column, limit, window) {
      const rows = db.prepare(`SELECT ${column} AS v FROM events WHERE tenant_id = ? AND seq > ? AND ${column} IS NOT NULL GROUP BY ${column} ORDER BY count(*) DESC, ${column} LIMIT ?`)
        .all(tenantId, readHead(tenantId).size - window, limit) as { v: string }[];
      return rows.map((r) => r.v);
    },

    async insertRecord(key, body, now) {
      const result = db.prepare('INSERT INTO records (kind, tenant_id, id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(key.kind, key.tenantId, key.id, JSON.stringify(body), now, now);
      return result.changes === 1;
    },

    async updateRecord(key, body, now) {
      const result = db.prepare('UPDATE records SET body = ?, updated_at = ? WHERE kind = ? AND tenant_id = ? AND id = ?')
        .run(JSON.stringify(body), now, key.kind, key.tenantId, key.id);
      return result.changes === 1;
    },

    async updateRecordIf(key, body, now, expected) {
      // One IMMEDIATE transaction takes the file's write lock before reading: no other connection
      // or process writes between the comparison and the update. Compared as parsed JSON, so a
      // member order that JSON.parse changed (integer-like keys) does not count as a change.
      const want = JSON.parse(JSON.stringify(expected)) as unknown;
      return db.transaction((): boolean => {
        const row = db.prepare('SELECT body FROM records WHERE kind = ? AND tenant_id = ? AND id = ?').get(key.kind, key.tenantId, key.id) as { body: string } | undefined;
        if (!row || !isDeepStrictEqual(JSON.parse(row.body), want)) return false;
        db.prepare('UPDATE records SET body = ?, updated_at = ? WHERE kind = ? AND tenant_id = ? AND id = ?')
          .run(JSON.stringify(body), now, key.kind, key.tenantId, key.id);
        return true;
      }).immediate();
    },

    async getRecord(key) {
      const row = db.prepare('SELECT * FROM records WHERE kind = ? AND tenant_id = ? AND id = ?').get(key.kind, key.tenantId, key.id) as Record<string, unknown> | undefined;
      return row ? toRecord(row) : undefined;
    },

    async listRecords(kind, tenantId, limit = 1000, order = 'oldest') {
      const by = order === 'newest' ? 'created_at DESC, id DESC' : 'created_at, id';
      return (db.prepare(`SELECT * FROM records WHERE kind = ? AND tenant_id = ? ORDER BY ${by} LIMIT ?`).all(kind, tenantId, limit) as Record<string, unknown>[]).map((r) => toRecord(r));
    },

    async deleteRecord(key) {
      return db.prepare('DELETE FROM records WHERE kind = ? AND tenant_id = ? AND id = ?').run(key.kind, key.tenantId, key.id).changes === 1;
    },

    async insertCheckpoint(c) {
      const result = db.prepare('INSERT INTO checkpoints (tenant_id, tree_size, root_hash, created_at, note) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(c.tenant_id, c.tree_size, Buffer.from(c.root_hash), c.created_at, c.note);
      return result.changes === 1;
    },

    async getCheckpoint(tenantId, treeSize) {
      const row = db.prepare('SELECT * FROM checkpoints WHERE tenant_id = ? AND tree_size = ?').get(tenantId, treeSize) as Record<string, unknown> | undefined;
      return row ? toCheckpoint(row) : undefined;
    },

    async latestCheckpoint(tenantId) {
      const row = db.prepare('SELECT * FROM checkpoints WHERE tenant_id = ? ORDER BY tree_size DESC LIMIT 1').get(tenantId) as Record<string, unknown> | undefined;
      return row ? toCheckpoint(row) : undefined;
    },

    async listCheckpoints(tenantId, { minSize, maxSize, limit, order = 'oldest' }) {
      return (db.prepare(`SELECT * FROM checkpoints WHERE tenant_id = ? AND tree_size >= ? AND tree_size <= ? ORDER BY tree_size${order === 'newest' ? ' DESC' : ''} LIMIT ?`)
        .all(tenantId, minSize, maxSize, limit) as Record<string, unknown>[]).map(toCheckpoint);
    },

    async addCosignatures(tenantId, treeSize, cosignatures, now) {
      const insert = db.prepare('INSERT INTO checkpoint_cosignatures (tenant_id, tree_size, cosigner, line, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
      db.transaction(() => {
        for (const c of cosignatures) insert.run(tenantId, treeSize, c.cosigner, c.line, now);
      })();
    },

    async getCosignatures(tenantId, treeSize) {
      return (db.prepare('SELECT line FROM checkpoint_cosignatures WHERE tenant_id = ? AND tree_size = ? ORDER BY cosigner').all(tenantId, treeSize) as { line: string }[])
        .map((r) => r.line);
    },

    async checkpointBacklog() {
      const rows = db.prepare(`SELECT h.tenant_id, h.size, COALESCE((SELECT max(tree_size) FROM checkpoints c WHERE c.tenant_id = h.tenant_id), 0) AS cp
        FROM tenant_heads h`).all() as { tenant_id: string; size: number; cp: number }[];
      return rows.filter((r) => r.size > r.cp).map((r) => ({ tenantId: r.tenant_id, size: r.size, checkpointSize: r.cp }));
    },

    async forgetEvents(tenantId, seqs, marker) {
      const s = st();
      let forgotten = 0;
      let bytesFreed = 0;
      db.transaction(() => {
        // The permit exists only inside this transaction: the trigger lets these updates through.
        s.insertPermit.run(tenantId, marker.bySeq);
        for (let start = 0; start < seqs.length; start += FORGET_CHUNK) {
          const chunk = seqs.slice(start, start + FORGET_CHUNK);
          const { select, update } = forgetStatements(chunk.length);
          const params = [tenantId, marker.bySeq, ...chunk];
          bytesFreed += Number((select.get(...params) as { bytes: number | null }).bytes ?? 0);
          forgotten += update.run(marker.kind, marker.bySeq, ...params).changes;
        }
        s.deletePermit.run(tenantId, marker.bySeq);
      }).immediate();
      return { forgotten, bytesFreed };
    },

    async getHead(tenantId) {
      return readHead(tenantId);
    },

    async getMerkleNodes(tenantId, ids) {
      const found = new Map<string, Uint8Array>();
      const s = st();
      for (const { level, index } of ids) {
        const row = (level === 0 ? s.getLeaf.get(tenantId, index + 1) : s.getNode.get(tenantId, level, index)) as { hash: Buffer } | undefined;
        if (row) found.set(nodeKey(level, index), row.hash);
      }
      return found;
    },
  };
  // No probe: a file does not go away; a busy or full one is answered 503 call by call.
  return guardStore(store, createAvailabilityGate({ database: 'SQLite', classify: classifySqliteError }));
}

function prepareStatements(db: Db) {
  const placeholders = EVENT_INSERT_COLUMNS.map(() => '?').join(', ');
  return {
    findById: db.prepare('SELECT seq, input_hash FROM events WHERE tenant_id = ? AND id = ?'),
    insertEvent: db.prepare(`INSERT INTO events (${EVENT_INSERT_COLUMNS.join(', ')}) VALUES (${placeholders})`),
    insertNode: db.prepare('INSERT INTO merkle_nodes (tenant_id, level, idx, hash) VALUES (?, ?, ?, ?)'),
    getHead: db.prepare('SELECT size, chain_hash, border FROM tenant_heads WHERE tenant_id = ?'),
    upsertHead: db.prepare(`INSERT INTO tenant_heads (tenant_id, size, chain_hash, border) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant_id) DO UPDATE SET size = excluded.size, chain_hash = excluded.chain_hash, border = excluded.border`),
    getLeaf: db.prepare('SELECT leaf_hash AS hash FROM events WHERE tenant_id = ? AND seq = ?'),
    getNode: db.prepare('SELECT hash FROM merkle_nodes WHERE tenant_id = ? AND level = ? AND idx = ?'),
    insertPermit: db.prepare('INSERT INTO forgetting_permits (tenant_id, by_seq) VALUES (?, ?)'),
    deletePermit: db.prepare('DELETE FROM forgetting_permits WHERE tenant_id = ? AND by_seq = ?'),
  };
}

// better-sqlite3 binds Uint8Array only as Buffer.
const bind = (where: Sql): unknown[] => where.params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p));
