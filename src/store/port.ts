// The only thing domain code knows about storage. Adapters (sqlite/, postgres/) implement it and
// pass the shared contract suite in contract/. No driver types cross this boundary.

import type { CanonicalEvent, StoredEvent } from '../domain/event.js';
import { RetryLaterError } from '../domain/errors.js';
import type { CanonicalRows, LogHead, MerkleNode, SealedBatch, SealedEvent, Sealer } from '@stele/integrity';
import type { Sql } from '../sql/fragments.js';
import type { SqlDialect } from '../sql/dialect.js';

export interface Tenant {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKeyRecord {
  id: string;
  tenant_id: string;
  name: string;
  scopes: string[];
  /** SHA-256 (hex) of the secret key; the key itself is never stored. */
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export type { CanonicalRows };

// What sealing works on and makes is the integrity core's (log-head.ts there).
export type { LogHead, MerkleNode, SealedBatch, SealedEvent, Sealer };

export interface PendingEvent {
  /** The event as it will be stored, minus tenant_id and seq which the store assigns. */
  event: Omit<CanonicalEvent, 'tenant_id' | 'seq'>;
  /**
   * SHA-256 of the client's input, to tell an idempotent resend from a conflicting reuse of an id.
   * Empty when the server chose the id: such an event cannot be a resend, so stores skip the lookup.
   */
  inputHash: Uint8Array;
}

export interface AppendOutcome {
  id: string;
  seq: number;
  /** True when the id was already stored with the same input (an idempotent resend). */
  duplicate: boolean;
}

export type SortKey = 'occurred_at' | 'seq';
export type SortDirection = 'asc' | 'desc';

/** The export rows a store may encode itself (see Store.encodeEventRows). */
export type StoreRowEncoding = 'csv' | 'ndjson';

/** A run of whole encoded rows, and which events they hold. */
export interface EncodedRows {
  bytes: Uint8Array;
  rows: number;
  firstSeq: number;
  lastSeq: number;
}

export interface EventQuery {
  /** Condition over the events table (see event-columns.ts), tenant excluded: the store adds it. */
  where: Sql;
  order: { key: SortKey; direction: SortDirection };
  limit: number;
  /** Rows of the ordered result to skip first (offset paging; callers bound it). */
  offset?: number;
  /** This read may be served by a read replica (see ReplicaRead); without it, the primary serves it. */
  replica?: ReplicaRead;
}

/**
 * A read that a PostgreSQL streaming replica (STELE_DATABASE_READ_URL) may serve, provided the
 * replica holds the tenant's log at least through `atLeastSeq` (a page token's position, a feed's
 * head): a replica that lags behind that is not asked, the primary answers instead. Replication
 * applies commits in order, so a replica always holds a gap-free prefix of each tenant's log.
 * Adapters without a replica ignore it.
 */
export interface ReplicaRead {
  atLeastSeq: number;
}

/**
 * A GROUP BY over the tenant's events, computed by the database (query/aggregation.ts builds
 * them). Every expression is SQL written by code over the events table, never by input; values
 * travel as `?` parameters. Each answer row holds the keys, then the measures, in that order.
 */
export interface EventAggregation {
  where: Sql;
  /** Group keys (none: one row over every match, even when nothing matches). */
  keys: readonly Sql[];
  /** Aggregates such as count(*); the store returns them as numbers (null for an empty sum). */
  measures: readonly Sql[];
  /** Text aggregates after the measures (max(actor_email): one of the group's values), returned as text. */
  labels?: readonly Sql[];
  /** Answer columns to order by, 0-based over keys, measures, then labels. */
  orderBy?: readonly { column: number; direction: SortDirection }[];
  limit?: number;
  /**
   * Only these groups, each given by its key values (text, in the order of `keys`; distinct): one
   * answer row per group in this order, a group without a match answering with its measures over
   * nothing (count 0). Requires at least one key and one measure; not with labels, orderBy or limit.
   */
  forKeys?: readonly (readonly string[])[];
  /**
   * With forKeys: an index leads with the keys (then time), so reading each group on its own
   * through it is cheapest. PostgreSQL then does, whatever its planner's statistics say (an `IN`
   * list over a window newer than them is read through the time index instead: the whole window);
   * SQLite's planner finds that index for one GROUP BY itself (aggregate-statement.ts, GroupsPlan).
   */
  eachGroup?: boolean;
}

/** One answer row of an aggregation: key values (text or integer, null when absent), measures, labels. */
export type AggregateRow = (string | number | null)[];

/**
 * A small mutable document owned by one feature (saved search, dashboard user, export job ...),
 * keyed by kind, tenant and id. Features wrap these in typed repositories of their own, so a new
 * feature needs no new adapter code. Instance-wide records use tenantId '*'.
 */
export interface StoredRecord<T = Record<string, unknown>> {
  kind: string;
  tenantId: string;
  id: string;
  body: T;
  created_at: string;
  updated_at: string;
}

export interface RecordKey {
  kind: string;
  tenantId: string;
  id: string;
}

/** A signed tree head of a tenant's log, as stored (append-only). */
export interface CheckpointRecord {
  tenant_id: string;
  tree_size: number;
  root_hash: Uint8Array;
  created_at: string;
  /** The C2SP signed note text. */
  note: string;
}

/**
 * The database cannot do the work now: it cannot be reached, is restarting, or did not answer in
 * time. Adapters translate their drivers' errors into this one type (HTTP answers it with 503 and
 * Retry-After). Nothing was changed, except where the message says the outcome is unknown (a
 * commit whose answer never came): then the work may or may not have been done.
 */
export class StoreUnavailableError extends RetryLaterError {
  constructor(message: string, retryAfterSeconds: number, options?: { cause?: unknown }) {
    super('unavailable', message, retryAfterSeconds);
    this.name = 'StoreUnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  readonly dialect: SqlDialect;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Instance-wide settings (admin token hash, ...). `setSettingIfAbsent` returns the value that won. */
  getSetting(key: string): Promise<string | undefined>;
  setSettingIfAbsent(key: string, value: string): Promise<string>;

  createTenant(tenant: Tenant): Promise<void>;
  getTenant(id: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;

  insertApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /** Returns false when no unrevoked key with that id exists in the tenant. */
  revokeApiKey(tenantId: string, keyId: string, revokedAt: string): Promise<boolean>;

  /**
   * Appends a batch atomically under the tenant's head lock: assigns seq = size+1.., seals the
   * batch, inserts rows and Merkle nodes, advances the head, commits durably, then resolves.
   * Ids already stored with the same input hash, or stored and since forgotten (a tombstone, whose
   * input hash is gone), are returned as duplicates and not re-inserted;
   * an id stored with a different input hash rejects the whole batch (SteleError idempotency_conflict).
   * Appends made together are committed together (group commit, batching-queue.ts): one
   * transaction, a tenant's appends numbered in the order they were made and sealed by one call of
   * the first one's sealer. Each still succeeds or fails on its own: one that planning or the
   * database refuses fails alone; a commit that fails for all of them fails them all.
   */
  appendEvents(tenantId: string, batch: PendingEvent[], seal: Sealer): Promise<AppendOutcome[]>;

  findEvents(tenantId: string, query: EventQuery): Promise<StoredEvent[]>;
  countEvents(tenantId: string, where: Sql): Promise<number>;
  /**
   * Optional: the tenant's events matching `where`, in seq order, encoded by the database as the
   * rows (no header) of export/formats' `csv` or `ndjson`: byte for byte what those encoders write
   * for the events findEvents returns. It exists for speed: reading pages into events and encoding
   * them in JavaScript costs several times what PostgreSQL's COPY does. An adapter without such a
   * shortcut (SQLite) leaves it out, and exports encode in JavaScript. The database stops working
   * on the read when the caller ends the iteration early or `signal` aborts.
   */
  encodeEventRows?(tenantId: string, where: Sql, encoding: StoreRowEncoding, signal?: AbortSignal, replica?: ReplicaRead): AsyncIterable<EncodedRows>;
  /**
   * Optional: the tenant's events with afterSeq < seq <= min(throughSeq, afterSeq + limit), as
   * canonical texts and stored hashes written by the database (undefined when there are none).
   * It exists for speed: verification over it runs several times faster than over findEvents.
   * The texts are a shortcut the verifier checks against the stored leaf hashes, never trusts.
   * A read replica serves the page when it holds the log through the page's last seq.
   */
  readCanonicalRows?(tenantId: string, afterSeq: number, throughSeq: number, limit: number): Promise<CanonicalRows | undefined>;
  getEvent(tenantId: string, id: string): Promise<StoredEvent | undefined>;
  /** Runs one GROUP BY over the tenant's events (histograms, top values, report figures). */
  aggregateEvents(tenantId: string, aggregation: EventAggregation): Promise<AggregateRow[]>;
  /**
   * Most frequent distinct values of a text column among the tenant's latest `window` events, for
   * filter pickers (bounded so the answer stays fast on a log of any size).
   */
  distinctValues(tenantId: string, column: 'action' | 'actor_id' | 'category' | 'target_type', limit: number, window: number): Promise<string[]>;

  /** Creates a record; returns false (and changes nothing) when the key is taken. */
  insertRecord(key: RecordKey, body: object, now: string): Promise<boolean>;
  /** Replaces the body of an existing record; returns false when there is none. */
  updateRecord(key: RecordKey, body: object, now: string): Promise<boolean>;
  /**
   * Compare-and-set, for a read-modify-write that must not overwrite a change made meanwhile:
   * replaces the body only while the stored body still equals `expected` (the body as read, equal
   * as JSON: the same members and values, in any order), in one atomic step, also against other
   * processes on the database. Returns false, changing nothing, when the record is gone or its
   * body is no longer `expected`; the caller reads it again and retries. The body is compared,
   * not `updated_at`, which two writes in one millisecond can share.
   */
  updateRecordIf(key: RecordKey, body: object, now: string, expected: object): Promise<boolean>;
  getRecord<T = Record<string, unknown>>(key: RecordKey): Promise<StoredRecord<T> | undefined>;
  /** A tenant's records of one kind, oldest first (newest first with `order: 'newest'`), at most `limit` (default 1,000). */
  listRecords<T = Record<string, unknown>>(kind: string, tenantId: string, limit?: number, order?: 'oldest' | 'newest'): Promise<StoredRecord<T>[]>;
  deleteRecord(key: RecordKey): Promise<boolean>;

  /** Stores a checkpoint; false when one already exists at that tree size (another node made it). */
  insertCheckpoint(checkpoint: CheckpointRecord): Promise<boolean>;
  getCheckpoint(tenantId: string, treeSize: number): Promise<CheckpointRecord | undefined>;
  latestCheckpoint(tenantId: string): Promise<CheckpointRecord | undefined>;
  /** Checkpoints with minSize <= tree_size <= maxSize, smallest first (largest first with `order: 'newest'`). */
  listCheckpoints(tenantId: string, range: { minSize: number; maxSize: number; limit: number; order?: 'oldest' | 'newest' }): Promise<CheckpointRecord[]>;
  /** Keeps witness cosignature lines of the checkpoint at treeSize; a cosigner's second line for the same checkpoint is ignored. */
  addCosignatures(tenantId: string, treeSize: number, cosignatures: readonly { cosigner: string; line: string }[], now: string): Promise<void>;
  /** The cosignature lines kept for the checkpoint at treeSize, by cosigner name. */
  getCosignatures(tenantId: string, treeSize: number): Promise<string[]>;
  /** Tenants whose log has grown past their latest checkpoint. */
  checkpointBacklog(): Promise<{ tenantId: string; size: number; checkpointSize: number }[]>;

  /**
   * The one path that removes content from the log: turns the tenant's whole events at `seqs`
   * (each below marker.bySeq) into tombstones in one transaction: content NULL, action and
   * category '', the input hash emptied; seq, id, times, leaf and chain hash kept, so the tree and
   * the chain still verify. Only this method gets past the append-only triggers (see the
   * migrations). The caller appends the explaining record (retention.purged, audit.deleted,
   * audit.erased, listing these seqs) first: verification accepts a tombstone only with one.
   */
  forgetEvents(tenantId: string, seqs: readonly number[], marker: ForgettingMarker): Promise<ForgetOutcome>;
  /** Optional: gives the space of forgotten content back for reuse now (PostgreSQL: VACUUM of events). */
  reclaimSpace?(): Promise<void>;

  getHead(tenantId: string): Promise<LogHead>;
  /** Stored complete-subtree hashes; level 0 is the leaf hash of the event with seq = index + 1. Ids that are not stored are absent from the map. */
  getMerkleNodes(tenantId: string, ids: readonly { level: number; index: number }[]): Promise<Map<string, Uint8Array>>;
}

/** What removed a tombstone's content, and the seq of the signed record (already appended) that says so. */
export interface ForgettingMarker {
  kind: 'purged' | 'deleted' | 'erased';
  bySeq: number;
}

export interface ForgetOutcome {
  /** Events turned into tombstones (those already tombstones, or absent, are skipped). */
  forgotten: number;
  /** Bytes of content the rows no longer hold, as the database measures its values. */
  bytesFreed: number;
}

export const nodeKey = (level: number, index: number): string => `${level}/${index}`;
