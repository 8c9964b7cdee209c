import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../domain/event.js';
import { NESTED_FIELDS } from './event-columns.js';
import { EVENT_SELECT_COLUMNS, rowToEvent } from './event-rows.js';

// The slow, literal reading of a row (the shape rowToEvent had before it was unrolled for speed):
// kept only to cross-check the fast one, key order included.
function referenceRowToEvent(row: Record<string, unknown>): StoredEvent {
  const pick = (mapping: Record<string, string>) => {
    const out: Record<string, unknown> = {};
    let any = false;
    for (const [field, column] of Object.entries(mapping)) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      out[field] = field === 'http_status' ? Number(value) : value;
      any = true;
    }
    return any ? out : undefined;
  };
  const event: Record<string, unknown> = {
    id: String(row.id), seq: Number(row.seq), tenant_id: String(row.tenant_id), action: String(row.action),
    category: String(row.category), occurred_at: new Date(Number(row.occurred_at)).toISOString(),
    received_at: new Date(Number(row.received_at)).toISOString(),
  };
  for (const nested of ['actor', 'target', 'context', 'geo'] as const) {
    const value = pick(NESTED_FIELDS[nested]);
    if (value) event[nested] = value;
  }
  if (row.success !== null && row.success !== undefined) event.success = Number(row.success) === 1;
  if (row.details !== null && row.details !== undefined) event.details = typeof row.details === 'string' ? JSON.parse(row.details) : row.details;
  const hexOf = (v: unknown) => (typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('hex'));
  event.leaf_hash = hexOf(row.leaf_hash);
  event.chain_hash = hexOf(row.chain_hash);
  return event as unknown as StoredEvent;
}

const full: Record<string, unknown> = {
  tenant_id: 't', seq: 7, id: 'evt', action: 'user.login', category: 'authentication',
  occurred_at: 1_700_000_000_123, received_at: '1700000000456',
  actor_id: 'u1', actor_type: 'user', actor_email: 'a@example.com', actor_name: 'A', actor_role: 'admin',
  target_type: 'doc', target_id: 'd1', target_name: 'D', target_slug: 'd', target_version: '2', target_url: 'https://x',
  ip: '10.0.0.1', user_agent: 'ua', location: 'here', request_id: 'r', session_id: 's', api_key_id: 'k', method: 'GET', url: '/x', http_status: '200', geo_country: 'DE',
  success: 1, details: '{"b":1,"a":[true,null]}', leaf_hash: Buffer.alloc(32, 1), chain_hash: new Uint8Array(32).fill(0xab),
};

describe('rowToEvent', () => {
  it('reads rows exactly as the literal field-by-field reading does, key order included', () => {
    const rows: Record<string, unknown>[] = [full];
    // Every column absent in turn, every nested group absent, and the PostgreSQL shapes (jsonb details, string bigints).
    for (const column of EVENT_SELECT_COLUMNS) if (!['tenant_id', 'seq', 'id', 'action', 'category', 'occurred_at', 'received_at', 'leaf_hash', 'chain_hash'].includes(column)) rows.push({ ...full, [column]: null });
    const none = Object.fromEntries(Object.values(NESTED_FIELDS).flatMap((m) => Object.values(m)).map((c) => [c, null]));
    rows.push({ ...full, ...none, success: null, details: null });
    rows.push({ ...full, ...none, ip: '', success: 0, details: { nested: { x: 'y' } }, seq: '9007199254740991' });
    const sub = Buffer.alloc(64, 7).subarray(16, 48);
    rows.push({ ...full, leaf_hash: new Uint8Array(sub.buffer, sub.byteOffset, 32) });
    // Adapters select the hashes as hex text.
    rows.push({ ...full, leaf_hash: Buffer.alloc(32, 1).toString('hex'), chain_hash: Buffer.alloc(32, 0xab).toString('hex') });
    for (const row of rows) {
      const fast = rowToEvent(EVENT_SELECT_COLUMNS.map((column) => row[column]));
      assert.deepEqual(fast, referenceRowToEvent(row));
      assert.equal(JSON.stringify(fast), JSON.stringify(referenceRowToEvent(row)));
    }
  });
});
