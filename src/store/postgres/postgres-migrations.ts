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
    // For exports that PostgreSQL encodes itself (postgres-row-encodings.ts): the text JavaScript
    // writes for a stored details value, JSON.stringify(JSON.parse(<jsonb text>)), for the few
    // values whose jsonb text differs from it in more than spacing (see that file).
    version: 4,
    name: 'javascript_json_text',
    sql: `
      -- Number.prototype.toString of the double JSON.parse reads: the shortest digits that read back
      -- as the same double (float8 output with extra_float_digits >= 1 gives those), in fixed
      -- notation from 1e-7 up to 1e21 and in exponent notation (1e+21, 1.5e-7) outside it.
      CREATE FUNCTION stele_js_number(value numeric) RETURNS text
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET extra_float_digits = 1 AS $$
        DECLARE
          shortest text;
          parts text[];
          digits text;
          significant text;
          point integer; -- the value is 0.<significant> times 10^point
          k integer;
          exponent integer;
        BEGIN
          BEGIN
            shortest := value::float8::text;
          EXCEPTION WHEN numeric_value_out_of_range THEN
            -- Beyond the double range JSON.parse reads Infinity (which JSON.stringify writes as null) or 0.
            RETURN CASE WHEN abs(value) > 1 THEN 'null' ELSE '0' END;
          END;
          parts := regexp_match(shortest, '^(-?)([0-9]+)(?:[.]([0-9]+))?(?:e([-+][0-9]+))?$');
          digits := parts[2] || coalesce(parts[3], '');
          significant := ltrim(digits, '0');
          point := length(parts[2]) + coalesce(parts[4]::integer, 0) - (length(digits) - length(significant));
          significant := rtrim(significant, '0');
          IF significant = '' THEN RETURN '0'; END IF;
          k := length(significant);
          IF k <= point AND point <= 21 THEN
            RETURN parts[1] || significant || repeat('0', point - k);
          ELSIF 0 < point AND point <= 21 THEN
            RETURN parts[1] || left(significant, point) || '.' || substr(significant, point + 1);
          ELSIF -6 < point AND point <= 0 THEN
            RETURN parts[1] || '0.' || repeat('0', -point) || significant;
          END IF;
          exponent := point - 1;
          RETURN parts[1] || left(significant, 1) || CASE WHEN k > 1 THEN '.' || substr(significant, 2) ELSE '' END
            || 'e' || CASE WHEN exponent > 0 THEN '+' ELSE '-' END || abs(exponent);
        END $$;

      -- JSON.stringify(JSON.parse(<value as jsonb text>)): no spaces; in each object the keys that
      -- are array indexes (0 .. 2^32 - 2) first in numeric order, then the others in stored order;
      -- numbers as stele_js_number; strings and keys escaped as both already escape them.
      CREATE FUNCTION stele_json_text(value jsonb) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT CASE jsonb_typeof(value)
          WHEN 'object' THEN '{' || coalesce((
            SELECT string_agg(to_json(m.key)::text || ':' || stele_json_text(m.member), ',' ORDER BY i.array_index, m.position)
            FROM jsonb_each(value) WITH ORDINALITY AS m(key, member, position)
            CROSS JOIN LATERAL (SELECT CASE WHEN m.key ~ '^(0|[1-9][0-9]{0,9})$'
              THEN CASE WHEN m.key::bigint <= 4294967294 THEN m.key::bigint END END AS array_index) AS i
          ), '') || '}'
          WHEN 'array' THEN '[' || coalesce((
            SELECT string_agg(stele_json_text(a.element), ',' ORDER BY a.position)
            FROM jsonb_array_elements(value) WITH ORDINALITY AS a(element, position)
          ), '') || ']'
          WHEN 'number' THEN stele_js_number(value::text::numeric)
          ELSE value::text
        END
      $$;
    `,
  },
];
