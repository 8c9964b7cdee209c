// What a DBA with full write access can do: drop the append-only triggers and rewrite rows,
// including recomputing every hash after a change. Only the signing key is out of reach.

import { appendLeaves, chainHash, leafHashOf, STORED_MIN_LEVEL, ZERO_CHAIN } from '@stele/integrity';
import { rowToEvent, EVENT_SELECT_COLUMNS } from '../../src/store/event-rows.js';
import { encodeBorder } from '../../src/store/log-head.js';
import type { TestStore } from '../../src/store/testing/test-stores.js';

export async function dropAppendOnlyGuards(db: TestStore): Promise<void> {
  if (db.name === 'sqlite') {
    for (const table of ['events', 'merkle_nodes', 'checkpoints']) {
      for (const op of ['update', 'delete']) await db.raw(`DROP TRIGGER IF EXISTS ${table}_no_${op}`);
    }
  } else {
    for (const table of ['events', 'merkle_nodes', 'checkpoints']) await db.raw(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  }
}

/** The tables that hold a tenant's log, its tree and its checkpoints. */
const LOG_TABLES = ['events', 'merkle_nodes', 'tenant_heads', 'checkpoints', 'checkpoint_cosignatures'] as const;

export type TenantSnapshot = Record<(typeof LOG_TABLES)[number], Record<string, unknown>[]>;

/** A copy of everything the tenant's log is made of, as a backup of the database holds it. */
export async function snapshotTenant(db: TestStore, tenantId: string): Promise<TenantSnapshot> {
  const snapshot = {} as TenantSnapshot;
  for (const table of LOG_TABLES) snapshot[table] = await db.raw(`SELECT * FROM ${table} WHERE tenant_id = ?`, [tenantId]);
  return snapshot;
}

/** Puts the snapshot back in place of the tenant's current rows: what restoring an older backup does. Guards must be dropped. */
export async function restoreTenant(db: TestStore, tenantId: string, snapshot: TenantSnapshot): Promise<void> {
  for (const table of LOG_TABLES) {
    await db.raw(`DELETE FROM ${table} WHERE tenant_id = ?`, [tenantId]);
    for (const row of snapshot[table]) {
      const columns = Object.keys(row);
      await db.raw(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => row[c]));
    }
  }
}

/** Deletes the events after `size` and rewinds the tree and the head to match: a truncation the database alone cannot tell. */
export async function truncateLog(db: TestStore, tenantId: string, size: number): Promise<void> {
  await db.raw('DELETE FROM events WHERE tenant_id = ? AND seq > ?', [tenantId, size]);
  await recomputeAllHashes(db, tenantId);
}

/** Deletes the tenant's checkpoints (all, or those above `aboveSize`). */
export async function deleteCheckpoints(db: TestStore, tenantId: string, aboveSize = 0): Promise<void> {
  await db.raw('DELETE FROM checkpoints WHERE tenant_id = ? AND tree_size > ?', [tenantId, aboveSize]);
  await db.raw('DELETE FROM checkpoint_cosignatures WHERE tenant_id = ? AND tree_size > ?', [tenantId, aboveSize]);
}

export async function swapSeq(db: TestStore, tenantId: string, a: number, b: number): Promise<void> {
  await db.raw('UPDATE events SET seq = -1 WHERE tenant_id = ? AND seq = ?', [tenantId, a]);
  await db.raw('UPDATE events SET seq = ? WHERE tenant_id = ? AND seq = ?', [a, tenantId, b]);
  await db.raw('UPDATE events SET seq = ? WHERE tenant_id = ? AND seq = -1', [b, tenantId]);
}

/** Recomputes every leaf hash, chain hash, Merkle node and the head from the rows as they now are. */
export async function recomputeAllHashes(db: TestStore, tenantId: string): Promise<void> {
  const rows = await db.raw(`SELECT ${EVENT_SELECT_COLUMNS.join(', ')} FROM events WHERE tenant_id = ? ORDER BY seq`, [tenantId]);
  let chain: Uint8Array = ZERO_CHAIN;
  const leaves: Uint8Array[] = [];
  for (const row of rows) {
    const event = rowToEvent(EVENT_SELECT_COLUMNS.map((column) => row[column]));
    const leaf = leafHashOf(event);
    chain = chainHash(chain, leaf);
    leaves.push(leaf);
    await db.raw('UPDATE events SET leaf_hash = ?, chain_hash = ? WHERE tenant_id = ? AND seq = ?', [Buffer.from(leaf), Buffer.from(chain), tenantId, event.seq]);
  }
  const { nodes, border } = appendLeaves(0, [], leaves);
  await db.raw('DELETE FROM merkle_nodes WHERE tenant_id = ?', [tenantId]);
  for (const node of nodes.filter((n) => n.level >= STORED_MIN_LEVEL)) {
    await db.raw('INSERT INTO merkle_nodes (tenant_id, level, idx, hash) VALUES (?, ?, ?, ?)', [tenantId, node.level, node.index, Buffer.from(node.hash)]);
  }
  await db.raw('UPDATE tenant_heads SET size = ?, chain_hash = ?, border = ? WHERE tenant_id = ?', [leaves.length, Buffer.from(chain), encodeBorder(border), tenantId]);
}
