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
  {
    version: 5,
    name: 'forgetting',
    sql: `
      -- Tombstones: an event whose content was removed (purged by retention, deleted by id, erased
      -- with a person) keeps seq, id, times and hashes, and says why and which record explains it.
      ALTER TABLE events ADD COLUMN forgotten_kind TEXT;
      ALTER TABLE events ADD COLUMN forgotten_by INTEGER;
      -- What the purge looks for: events still whole, by time.
      CREATE INDEX events_whole_by_time ON events (tenant_id, occurred_at, seq) WHERE forgotten_kind IS NULL;

      -- A permit the store's forgetEvents writes and removes inside its own transaction, so no
      -- other connection ever sees one: the one path that may turn whole events into tombstones.
      CREATE TABLE forgetting_permits (tenant_id TEXT NOT NULL, by_seq INTEGER NOT NULL, PRIMARY KEY (tenant_id, by_seq)) WITHOUT ROWID;

      -- Still append-only, with that one exception: under a permit for the record that explains
      -- it, a whole event may become a tombstone (content to NULL, action and category to '',
      -- everything the tree needs kept) and nothing else. Whatever someone blanks by hand without a
      -- signed record that explains it is reported by verification (content_removed).
      DROP TRIGGER events_no_update;
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        WHEN NOT coalesce((
          EXISTS (SELECT 1 FROM forgetting_permits p WHERE p.tenant_id = OLD.tenant_id AND p.by_seq = NEW.forgotten_by)
          AND OLD.forgotten_kind IS NULL AND NEW.forgotten_kind IN ('purged', 'deleted', 'erased') AND NEW.forgotten_by > OLD.seq
          AND NEW.tenant_id = OLD.tenant_id AND NEW.seq = OLD.seq AND NEW.id = OLD.id
          AND NEW.occurred_at = OLD.occurred_at AND NEW.received_at = OLD.received_at
          AND NEW.leaf_hash = OLD.leaf_hash AND NEW.chain_hash = OLD.chain_hash
          AND NEW.action = '' AND NEW.category = '' AND length(NEW.input_hash) = 0
          AND coalesce(NEW.actor_id, NEW.actor_type, NEW.actor_email, NEW.actor_name, NEW.actor_role, NEW.target_type, NEW.target_id, NEW.target_name, NEW.target_slug, NEW.target_version, NEW.target_url, NEW.ip, NEW.ip_bin, NEW.user_agent, NEW.location, NEW.request_id, NEW.session_id, NEW.api_key_id, NEW.method, NEW.url, NEW.http_status, NEW.success, NEW.details) IS NULL
        ), 0)
        BEGIN SELECT RAISE(ABORT, 'stele: events are append-only'); END;
    `,
  },
  {
    version: 6,
    name: 'geo',
    sql: `
      -- What the server derives from an event at ingest (the country of context.ip, from the
      -- instance's GeoIP database): part of the event's canonical text, so sealed like the rest.
      ALTER TABLE events ADD COLUMN geo_country TEXT;
      -- A tombstone holds no content: the guard of migration 5, with the new column among it.
      DROP TRIGGER events_no_update;
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        WHEN NOT coalesce((
          EXISTS (SELECT 1 FROM forgetting_permits p WHERE p.tenant_id = OLD.tenant_id AND p.by_seq = NEW.forgotten_by)
          AND OLD.forgotten_kind IS NULL AND NEW.forgotten_kind IN ('purged', 'deleted', 'erased') AND NEW.forgotten_by > OLD.seq
          AND NEW.tenant_id = OLD.tenant_id AND NEW.seq = OLD.seq AND NEW.id = OLD.id
          AND NEW.occurred_at = OLD.occurred_at AND NEW.received_at = OLD.received_at
          AND NEW.leaf_hash = OLD.leaf_hash AND NEW.chain_hash = OLD.chain_hash
          AND NEW.action = '' AND NEW.category = '' AND length(NEW.input_hash) = 0
          AND coalesce(NEW.actor_id, NEW.actor_type, NEW.actor_email, NEW.actor_name, NEW.actor_role, NEW.target_type, NEW.target_id, NEW.target_name, NEW.target_slug, NEW.target_version, NEW.target_url, NEW.ip, NEW.ip_bin, NEW.user_agent, NEW.location, NEW.request_id, NEW.session_id, NEW.api_key_id, NEW.method, NEW.url, NEW.http_status, NEW.geo_country, NEW.success, NEW.details) IS NULL
        ), 0)
        BEGIN SELECT RAISE(ABORT, 'stele: events are append-only'); END;
    `,
  },
];
