// What a DBA with full write access can do: drop the append-only triggers and rewrite rows,
// including recomputing every hash after a change. Only the signing key is out of reach.

import { appendLeaves, chainHash, leafHashOf, STORED_MIN_LEVEL, ZERO_CHAIN } from '../../src/integrity/index.js';
import { rowToEvent, EVENT_SELECT_COLUMNS } from '../../src/store/event-rows.js';
import { encodeBorder } from '../../src/store/log-head.js';
import type { TestStore } from '../../src/store/testing/test-stores.js';

export async function dropAppendOnlyGuards(db: TestStore): Promise<void> {
  if (db.name === 'sqlite') {
    for (const trigger of ['events_no_update', 'events_no_delete', 'merkle_nodes_no_update', 'merkle_nodes_no_delete']) {
      await db.raw(`DROP TRIGGER IF EXISTS ${trigger}`);
    }
  } else {
    await db.raw('ALTER TABLE events DISABLE TRIGGER USER');
    await db.raw('ALTER TABLE merkle_nodes DISABLE TRIGGER USER');
  }
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
