import type { ApiKeyRecord, CheckpointRecord, StoredRecord } from './port.js';

/** Reads an api_keys row (scopes stored as a JSON array) from either engine. */
export function toApiKey(row: Record<string, unknown>): ApiKeyRecord {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    name: String(row.name),
    scopes: JSON.parse(String(row.scopes)) as string[],
    key_hash: String(row.key_hash),
    created_at: String(row.created_at),
    revoked_at: row.revoked_at === null || row.revoked_at === undefined ? null : String(row.revoked_at),
  };
}

/** Reads a records row; the body is JSON text in SQLite and jsonb (already parsed) in PostgreSQL. */
export function toRecord<T>(row: Record<string, unknown>): StoredRecord<T> {
  return {
    kind: String(row.kind),
    tenantId: String(row.tenant_id),
    id: String(row.id),
    body: (typeof row.body === 'string' ? JSON.parse(row.body) : row.body) as T,
    created_at: String(row.created_at),
    updated_at: String(row.updated_at),
  };
}

export function toCheckpoint(row: Record<string, unknown>): CheckpointRecord {
  return {
    tenant_id: String(row.tenant_id),
    tree_size: Number(row.tree_size),
    root_hash: new Uint8Array(row.root_hash as Uint8Array),
    created_at: String(row.created_at),
    note: String(row.note),
  };
}
