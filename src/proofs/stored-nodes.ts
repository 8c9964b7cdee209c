// Fetches the O(log n) stored node hashes a proof or root needs, and folds them with the pure
// integrity library. Never reads the whole log.

import { appendLeaves, inclusion, ProofError, resolveProof, rootAt, STORED_MIN_LEVEL, type NodeId, type ProofNodes } from '@stele/integrity';
import type { Store } from '../store/port.js';
import { nodeKey } from '../store/port.js';

/**
 * Hashes of the given complete-subtree nodes: stored ones are read, and nodes below the lowest
 * stored level are rebuilt from their (at most 2^(STORED_MIN_LEVEL-1)) leaf hashes, all in one read.
 */
async function fetchNodes(store: Store, tenantId: string, ids: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
  const derived = ids.filter((id) => id.level > 0 && id.level < STORED_MIN_LEVEL);
  const leavesOf = (id: NodeId) => Array.from({ length: 2 ** id.level }, (_, k) => ({ level: 0, index: id.index * 2 ** id.level + k }));
  const wanted = [...ids.filter((id) => id.level === 0 || id.level >= STORED_MIN_LEVEL), ...derived.flatMap(leavesOf)];
  const found = await store.getMerkleNodes(tenantId, wanted);
  for (const id of derived) {
    const leaves = leavesOf(id).map((leaf) => found.get(nodeKey(0, leaf.index)));
    if (leaves.every((leaf): leaf is Uint8Array => leaf !== undefined)) {
      found.set(nodeKey(id.level, id.index), appendLeaves(0, [], leaves).border[0]!);
    }
  }
  return found;
}

export async function proofFromStore(store: Store, tenantId: string, nodes: ProofNodes): Promise<Uint8Array[]> {
  const found = await fetchNodes(store, tenantId, nodes.ids);
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
  const found = await fetchNodes(store, tenantId, ids);
  return ids.map((id) => {
    const hash = found.get(nodeKey(id.level, id.index));
    if (!hash) throw new ProofError(`stored node ${id.level}/${id.index} is missing`);
    return hash;
  });
}

// Nodes at or above this level are shared by the proofs of thousands of neighbouring leaves, so a
// batch prover keeps them between calls; lower ones are read again for each page of leaves.
const SHARED_LEVEL = 10;

/**
 * Proves many leaves of one tenant against one tree size, as an evidence export needs: each call
 * reads the nodes all its leaves need in one store read, deduplicated, and nodes high in the tree
 * are kept for the next call. `size` must not exceed the log's size.
 */
export function createInclusionProver(store: Store, tenantId: string, size: number) {
  const shared = new Map<string, Uint8Array>();
  return {
    size,
    /** The inclusion proofs of the events with these seqs (each 1 <= seq <= size), in the same order. */
    async proofs(seqs: readonly number[]): Promise<Uint8Array[][]> {
      const plans = seqs.map((seq) => inclusion(seq - 1, size));
      const wanted = new Map<string, NodeId>();
      for (const plan of plans) {
        for (const id of plan.ids) if (!shared.has(nodeKey(id.level, id.index))) wanted.set(nodeKey(id.level, id.index), id);
      }
      const found = wanted.size > 0 ? await fetchNodes(store, tenantId, [...wanted.values()]) : new Map<string, Uint8Array>();
      for (const [key, hash] of found) if (Number(key.split('/')[0]) >= SHARED_LEVEL) shared.set(key, hash);
      const lookup = (level: number, index: number) => shared.get(nodeKey(level, index)) ?? found.get(nodeKey(level, index));
      return plans.map((plan) => resolveProof(plan, lookup));
    },
  };
}

export type InclusionProver = ReturnType<typeof createInclusionProver>;
