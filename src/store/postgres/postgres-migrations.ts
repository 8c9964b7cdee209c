// Schema migrations for PostgreSQL. Each entry runs once, in order, in a transaction (DDL is
// transactional here). Text columns that are filtered or sorted use the binary "C" collation so
// prefix ranges and ordering match SQLite byte for byte. Every key starts with tenant_id, ready to
// distribute by tenant.

export const POSTGRES_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'core',
    sql: `
      CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);

      CREATE TABLE tenants (id text PRIMARY KEY, name text NOT NULL, created_at text NOT NULL);

      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        scopes text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        created_at text NOT NULL,
        revoked_at text
      );
      CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

      CREATE TABLE tenant_heads (
        tenant_id text PRIMARY KEY,
        size bigint NOT NULL,
        chain_hash bytea NOT NULL,
        border bytea NOT NULL
      );

      CREATE TABLE events (
        tenant_id text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        id text COLLATE "C" NOT NULL,
        action text COLLATE "C" NOT NULL,
        category text COLLATE "C" NOT NULL,
        occurred_at bigint NOT NULL,
        received_at bigint NOT NULL,
        actor_id text COLLATE "C", actor_type text COLLATE "C", actor_email text COLLATE "C",
        actor_name text COLLATE "C", actor_role text COLLATE "C",
        target_type text COLLATE "C", target_id text COLLATE "C", target_name text COLLATE "C",
        target_slug text COLLATE "C", target_version text COLLATE "C", target_url text COLLATE "C",
        ip text COLLATE "C", ip_bin bytea, user_agent text COLLATE "C", location text COLLATE "C",
        request_id text COLLATE "C", session_id text COLLATE "C", api_key_id text COLLATE "C",
        method text COLLATE "C", url text COLLATE "C", http_status integer,
        success smallint,
        details jsonb,
        input_hash bytea NOT NULL,
        leaf_hash bytea NOT NULL,
        chain_hash bytea NOT NULL,
        PRIMARY KEY (tenant_id, seq)
      );
      CREATE UNIQUE INDEX events_by_id ON events (tenant_id, id);
      CREATE INDEX events_by_time ON events (tenant_id, occurred_at, seq);
      CREATE INDEX events_by_action ON events (tenant_id, action, occurred_at, seq);
      CREATE INDEX events_by_actor ON events (tenant_id, actor_id, occurred_at, seq);
      CREATE INDEX events_by_actor_email ON events (tenant_id, actor_email, occurred_at, seq);
      CREATE INDEX events_by_target ON events (tenant_id, target_id, occurred_at, seq);

      CREATE TABLE merkle_nodes (
        tenant_id text NOT NULL,
        level smallint NOT NULL,
        idx bigint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (tenant_id, level, idx)
      );

      -- Append-only in the database itself: rows can be added, never changed or removed.
      CREATE FUNCTION stele_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'stele: % is append-only (% refused)', TG_TABLE_NAME, TG_OP; END $$;
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION stele_append_only();
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION stele_append_only();
      CREATE TRIGGER merkle_nodes_append_only BEFORE UPDATE OR DELETE ON merkle_nodes
        FOR EACH ROW EXECUTE FUNCTION stele_append_only();
      CREATE TRIGGER merkle_nodes_no_truncate BEFORE TRUNCATE ON merkle_nodes
        FOR EACH STATEMENT EXECUTE FUNCTION stele_append_only();
    `,
  },
  {
    version: 2,
    name: 'records',
    sql: `
      CREATE TABLE records (
        kind text NOT NULL,
        tenant_id text NOT NULL,
        id text NOT NULL,
        body jsonb NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
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
        tenant_id text NOT NULL,
        tree_size bigint NOT NULL,
        root_hash bytea NOT NULL,
        created_at text NOT NULL,
        note text NOT NULL,
        PRIMARY KEY (tenant_id, tree_size)
      );
      CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
        FOR EACH ROW EXECUTE FUNCTION stele_append_only();
      CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION stele_append_only();
    `,
  },
  {
    version: 4,
    name: 'checkpoint cosignatures',
    sql: `
      -- Witness cosignature lines (C2SP tlog-cosignature) of a stored checkpoint, one per witness.
      -- They verify on their own, so unlike checkpoints they need no append-only trigger.
      CREATE TABLE checkpoint_cosignatures (
        tenant_id text NOT NULL,
        tree_size bigint NOT NULL,
        cosigner text NOT NULL,
        line text NOT NULL,
        created_at text NOT NULL,
        PRIMARY KEY (tenant_id, tree_size, cosigner)
      );
    `,
  },
  {
    version: 5,
    name: 'forgetting',
    sql: `
      -- Tombstones: an event whose content was removed (purged by retention, deleted by id, erased
      -- with a person) keeps seq, id, times and hashes, and says why and which record explains it.
      ALTER TABLE events ADD COLUMN forgotten_kind text, ADD COLUMN forgotten_by bigint;
      -- What the purge looks for: events still whole, by time.
      CREATE INDEX events_whole_by_time ON events (tenant_id, occurred_at, seq) WHERE forgotten_kind IS NULL;

      -- Still append-only, with one exception: the store's forgetEvents, which sets
      -- stele.forgetting for its own transaction, may turn a whole event into a tombstone and
      -- nothing else (content to NULL, action and category to '', everything the tree needs kept).
      -- Anyone may set the flag by hand; what they blank without a signed record that explains it
      -- is then reported by verification (content_removed).
      CREATE FUNCTION stele_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND current_setting('stele.forgetting', true) = 'on'
            AND OLD.forgotten_kind IS NULL AND NEW.forgotten_kind IN ('purged', 'deleted', 'erased') AND NEW.forgotten_by > OLD.seq
            AND NEW.tenant_id = OLD.tenant_id AND NEW.seq = OLD.seq AND NEW.id = OLD.id
            AND NEW.occurred_at = OLD.occurred_at AND NEW.received_at = OLD.received_at
            AND NEW.leaf_hash = OLD.leaf_hash AND NEW.chain_hash = OLD.chain_hash
            AND NEW.action = '' AND NEW.category = '' AND octet_length(NEW.input_hash) = 0
            AND num_nonnulls(NEW.actor_id, NEW.actor_type, NEW.actor_email, NEW.actor_name, NEW.actor_role, NEW.target_type, NEW.target_id, NEW.target_name, NEW.target_slug, NEW.target_version, NEW.target_url, NEW.ip, NEW.ip_bin, NEW.user_agent, NEW.location, NEW.request_id, NEW.session_id, NEW.api_key_id, NEW.method, NEW.url, NEW.http_status, NEW.success, NEW.details) = 0
          THEN RETURN NEW; END IF;
          RAISE EXCEPTION 'stele: % is append-only (% refused)', TG_TABLE_NAME, TG_OP;
        END $$;
      DROP TRIGGER events_append_only ON events;
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION stele_events_guard();
    `,
  },
  {
    version: 6,
    name: 'geo',
    sql: `
      -- What the server derives from an event at ingest (the country of context.ip, from the
      -- instance's GeoIP database): part of the event's canonical text, so sealed like the rest.
      ALTER TABLE events ADD COLUMN geo_country text COLLATE "C";
      -- A tombstone holds no content: the guard of migration 5, with the new column among it.
      CREATE OR REPLACE FUNCTION stele_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND current_setting('stele.forgetting', true) = 'on'
            AND OLD.forgotten_kind IS NULL AND NEW.forgotten_kind IN ('purged', 'deleted', 'erased') AND NEW.forgotten_by > OLD.seq
            AND NEW.tenant_id = OLD.tenant_id AND NEW.seq = OLD.seq AND NEW.id = OLD.id
            AND NEW.occurred_at = OLD.occurred_at AND NEW.received_at = OLD.received_at
            AND NEW.leaf_hash = OLD.leaf_hash AND NEW.chain_hash = OLD.chain_hash
            AND NEW.action = '' AND NEW.category = '' AND octet_length(NEW.input_hash) = 0
            AND num_nonnulls(NEW.actor_id, NEW.actor_type, NEW.actor_email, NEW.actor_name, NEW.actor_role, NEW.target_type, NEW.target_id, NEW.target_name, NEW.target_slug, NEW.target_version, NEW.target_url, NEW.ip, NEW.ip_bin, NEW.user_agent, NEW.location, NEW.request_id, NEW.session_id, NEW.api_key_id, NEW.method, NEW.url, NEW.http_status, NEW.geo_country, NEW.success, NEW.details) = 0
          THEN RETURN NEW; END IF;
          RAISE EXCEPTION 'stele: % is append-only (% refused)', TG_TABLE_NAME, TG_OP;
        END $$;
    `,
  },
];
