// Fetches the O(log n) stored node hashes a proof or root needs, and folds them with the pure
// integrity library. Never reads the whole log.

import { ProofError, resolveProof, rootAt, type ProofNodes } from '../integrity/index.js';
import type { Store } from '../store/port.js';
import { nodeKey } from '../store/port.js';

export async function proofFromStore(store: Store, tenantId: string, nodes: ProofNodes): Promise<Uint8Array[]> {
  const found = await store.getMerkleNodes(tenantId, nodes.ids);
  return resolveProof(nodes, (level, index) => found.get(nodeKey(level, index)));
}

/** The Merkle root of the first `size` events, from stored nodes. */
export async function rootFromStore(store: Store, tenantId: string, size: number): Promise<Uint8Array> {
  const [root] = await proofFromStore(store, tenantId, rootAt(size));
  if (!root) throw new ProofError('empty tree has no stored root');
  return root;
}

/** The right border (complete subtrees, left to right) of the first `size` events, from stored nodes. */
export async function borderFromStore(store: Store, tenantId: string, size: number): Promise<Uint8Array[]> {
  const ids = rootAt(size).ids.slice().reverse();
  const found = await store.getMerkleNodes(tenantId, ids);
  return ids.map((id) => {
    const hash = found.get(nodeKey(id.level, id.index));
    if (!hash) throw new ProofError(`stored node ${id.level}/${id.index} is missing`);
    return hash;
  });
}
