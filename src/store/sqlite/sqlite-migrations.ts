// Schema migrations for the embedded SQLite store. Each entry runs once, in order, in a transaction.

export const SQLITE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'core',
    sql: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

      CREATE TABLE tenant_heads (
        tenant_id TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        chain_hash BLOB NOT NULL,
        border BLOB NOT NULL
      );

      CREATE TABLE events (
        tenant_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        action TEXT NOT NULL,
        category TEXT NOT NULL,
        occurred_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        actor_id TEXT, actor_type TEXT, actor_email TEXT, actor_name TEXT, actor_role TEXT,
        target_type TEXT, target_id TEXT, target_name TEXT, target_slug TEXT, target_version TEXT, target_url TEXT,
        ip TEXT, ip_bin BLOB, user_agent TEXT, location TEXT, request_id TEXT, session_id TEXT,
        api_key_id TEXT, method TEXT, url TEXT, http_status INTEGER,
        success INTEGER,
        details TEXT,
        input_hash BLOB NOT NULL,
        leaf_hash BLOB NOT NULL,
        chain_hash BLOB NOT NULL,
        PRIMARY KEY (tenant_id, seq)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX events_by_id ON events (tenant_id, id);
      CREATE INDEX events_by_time ON events (tenant_id, occurred_at, seq);
      CREATE INDEX events_by_action ON events (tenant_id, action, occurred_at, seq);
      CREATE INDEX events_by_actor ON events (tenant_id, actor_id, occurred_at, seq);
      CREATE INDEX events_by_actor_email ON events (tenant_id, actor_email, occurred_at, seq);
      CREATE INDEX events_by_target ON events (tenant_id, target_id, occurred_at, seq);

      CREATE TABLE merkle_nodes (
        tenant_id TEXT NOT NULL,
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (tenant_id, level, idx)
      ) WITHOUT ROWID;

      -- Append-only in the database itself: rows can be added, never changed or removed.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'stele: events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'stele: events are append-only'); END;
      CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes
        BEGIN SELECT RAISE(ABORT, 'stele: merkle nodes are append-only'); END;
      CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes
        BEGIN SELECT RAISE(ABORT, 'stele: merkle nodes are append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'records',
    sql: `
      CREATE TABLE records (
        kind TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, tenant_id, id)
      );
      CREATE INDEX records_by_age ON records (kind, tenant_id, created_at);
    `,
  },
  {
    version: 3,
    name: 'checkpoints',
    sql: `
      CREATE TABLE checkpoints (
        tenant_id TEXT NOT NULL,
        tree_size INTEGER NOT NULL,
        root_hash BLOB NOT NULL,
        created_at TEXT NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (tenant_id, tree_size)
      ) WITHOUT ROWID;
      CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
        BEGIN SELECT RAISE(ABORT, 'stele: checkpoints are append-only'); END;
      CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
        BEGIN SELECT RAISE(ABORT, 'stele: checkpoints are append-only'); END;
    `,
  },
  {
    version: 4,
    name: 'checkpoint cosignatures',
    sql: `
      -- Witness cosignature lines (C2SP tlog-cosignature) of a stored checkpoint, one per witness.
      -- They verify on their own, so unlike checkpoints they need no append-only trigger.
      CREATE TABLE checkpoint_cosignatures (
        tenant_id TEXT NOT NULL,
        tree_size INTEGER NOT NULL,
        cosigner TEXT NOT NULL,
        line TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, tree_size, cosigner)
      ) WITHOUT ROWID;
    `,
  },
];
