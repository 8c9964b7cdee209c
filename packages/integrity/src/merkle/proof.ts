// Which stored nodes a proof needs, and how to turn their hashes into the proof. No I/O: the
// caller fetches the listed nodes (level 0 = leaf hashes, level >= 1 = hashes stored by
// appendLeaves) and hands them back. Only complete subtrees are ever stored, so a proof entry
// that covers an incomplete subtree on the right border (an "ephemeral" node) is rebuilt here
// from the complete subtrees under it. Mirrors transparency-dev/merkle proof.Nodes.

import { bitLength, isSafeSize, shr, trailingZeros, xor } from './bits.js';
import { ProofError } from './errors.js';
import { emptyRoot, hashChildren } from './hasher.js';
import { coverage, parent, rangeNodes, sibling } from './node-id.js';
import type { NodeId } from './node-id.js';

export interface ProofNodes {
  /** The nodes to fetch, in proof order. */
  readonly ids: readonly NodeId[];
  /**
   * ids[begin, end) are the pieces of one ephemeral node, smallest (rightmost) first, to be
   * hashed together into a single proof entry. begin === end when nothing needs rehashing.
   */
  readonly begin: number;
  readonly end: number;
  /** The ephemeral node that ids[begin, end) stand for, when there is one. */
  readonly ephem?: NodeId;
}

/** Looks up the stored hash of a complete subtree; undefined when the store does not have it. */
export type NodeLookup = (level: number, index: number) => Uint8Array | undefined;

/**
 * Nodes of the inclusion proof (RFC 6962 PATH) for leaf `index` in the tree of `size` leaves.
 * Requires 0 <= index < size.
 */
export function inclusion(index: number, size: number): ProofNodes {
  if (!isSafeSize(index) || !isSafeSize(size) || index >= size) {
    throw new ProofError(`index ${index} out of bounds for tree size ${size}`);
  }
  return skipFirst(nodes(index, 0, size));
}

/**
 * Nodes of the consistency proof (RFC 6962 PROOF) from the tree of size1 leaves to the tree of
 * size2 leaves. Requires 0 <= size1 <= size2; the proof is empty when size1 is 0 or equals size2.
 */
export function consistency(size1: number, size2: number): ProofNodes {
  if (!isSafeSize(size1) || !isSafeSize(size2) || size1 > size2) {
    throw new ProofError(`tree size ${size1} > ${size2}`);
  }
  if (size1 === size2 || size1 === 0) return { ids: [], begin: 0, end: 0 };
  // The biggest complete subtree that ends at size1, and the inclusion path of that subtree in
  // the tree of size2. The subtree itself is dropped when size1 is a power of two: it is the
  // whole old tree, whose root the client already has.
  const level = trailingZeros(size1);
  const index = shr(size1 - 1, level);
  const p = nodes(index, level, size2);
  return index === 0 ? skipFirst(p) : p;
}

/**
 * Nodes whose hashes fold into MTH of the first `size` leaves: the right border of that tree,
 * smallest first, all to be rehashed into one. Requires size >= 0 (size 0 needs no nodes).
 */
export function rootAt(size: number): ProofNodes {
  if (!isSafeSize(size)) throw new ProofError(`invalid tree size ${size}`);
  const ids = rangeNodes(0, size).reverse();
  return ids.length > 1 ? { ids, begin: 0, end: ids.length, ephem: { level: bitLength(size), index: 0 } } : { ids, begin: 0, end: 0 };
}

/**
 * Turns the hashes of `nodes.ids` (same order and length) into the proof hash list by folding
 * each ephemeral range into a single hash. Requires hashes.length === nodes.ids.length.
 */
export function rehash(nodes: ProofNodes, hashes: readonly Uint8Array[]): Uint8Array[] {
  if (hashes.length !== nodes.ids.length) {
    throw new ProofError(`got ${hashes.length} hashes but expected ${nodes.ids.length}`);
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < hashes.length; i++) {
    let hash = hashes[i] as Uint8Array;
    if (i === nodes.begin && nodes.end > nodes.begin) {
      for (i++; i < nodes.end; i++) hash = hashChildren(hashes[i] as Uint8Array, hash);
      i--;
    }
    out.push(hash);
  }
  return out;
}

/** Fetches every node with `lookup` and rehashes them into the proof. Throws ProofError if one is missing. */
export function resolveProof(nodes: ProofNodes, lookup: NodeLookup): Uint8Array[] {
  return rehash(nodes, nodes.ids.map((id) => fetch(lookup, id)));
}

/** MTH of the first `size` leaves from stored nodes (emptyRoot() for size 0). Requires size >= 0. */
export function resolveRoot(size: number, lookup: NodeLookup): Uint8Array {
  const [root] = resolveProof(rootAt(size), lookup);
  return root ?? emptyRoot();
}

function fetch(lookup: NodeLookup, id: NodeId): Uint8Array {
  const hash = lookup(id.level, id.index);
  if (hash === undefined) throw new ProofError(`node ${id.level}/${id.index} is missing`);
  return hash;
}

// The nodes proving that node (level, index) is in the tree of `size` leaves: the node itself,
// the siblings on its path up to the "fork" (where its path leaves the right border), the
// right-border pieces of the fork's ephemeral sibling (smallest first), then the complete
// subtrees left of the fork (biggest last). Requires index * 2^level < size.
function nodes(index: number, level: number, size: number): ProofNodes {
  const inner = bitLength(xor(index, shr(size, level))) - 1;
  const fork: NodeId = { level: level + inner, index: shr(index, inner) };
  const { begin, end } = coverage(fork);

  const ids: NodeId[] = [{ level, index }];
  for (let node: NodeId = { level, index }; node.level < fork.level; node = parent(node)) ids.push(sibling(node));

  const rightStart = ids.length;
  const right = rangeNodes(end, size).reverse();
  ids.push(...right);
  const rightEnd = ids.length;
  ids.push(...rangeNodes(0, begin).reverse());

  if (right.length <= 1) return { ids, begin: 0, end: 0 };
  return { ids, begin: rightStart, end: rightEnd, ephem: sibling(fork) };
}

function skipFirst(p: ProofNodes): ProofNodes {
  const shifted = p.end > p.begin ? { begin: p.begin - 1, end: p.end - 1 } : { begin: 0, end: 0 };
  return { ...p, ids: p.ids.slice(1), ...shifted };
}
