// The right border of the tree (a compact range over [0, size)): the hashes of the complete
// subtrees, biggest first, that together cover every leaf. It is all the state an append needs,
// and folding it right to left gives the root.

import type { MerkleNode } from '../../store/port.js';
import { bit, onesCount } from './bits.js';
import { emptyRoot, hashChildren } from './hasher.js';
import { ProofError } from './errors.js';

export interface AppendResult {
  /** Every complete subtree at level >= 1 that the new leaves completed, in creation order. */
  nodes: MerkleNode[];
  /** The border of the tree of size + leafHashes.length leaves, left to right. */
  border: Uint8Array[];
}

/**
 * Appends leaf hashes to a tree of `size` leaves whose right border is `border`, in one pass.
 * Requires size to be a safe non-negative integer and border.length === popcount(size), each hash
 * being that of borderNodes(size)[i]. The input border array is not modified.
 */
export function appendLeaves(size: number, border: readonly Uint8Array[], leafHashes: readonly Uint8Array[]): AppendResult {
  if (border.length !== onesCount(size)) {
    throw new ProofError(`border has ${border.length} hashes but a tree of size ${size} needs ${onesCount(size)}`);
  }
  const stack = border.slice();
  const nodes: MerkleNode[] = [];
  let s = size;
  for (const leafHash of leafHashes) {
    // Leaf s merges with the border once per trailing one bit of s: each such bit is a complete
    // left sibling waiting on the stack.
    let hash = leafHash;
    let level = 0;
    let index = s;
    while (bit(s, level) === 1) {
      hash = hashChildren(stack.pop() as Uint8Array, hash);
      level++;
      index = (index - 1) / 2;
      nodes.push({ level, index, hash });
    }
    stack.push(hash);
    s++;
  }
  return { nodes, border: stack };
}

/**
 * MTH of the whole tree from its right border (left to right, as appendLeaves returns it).
 * Returns emptyRoot() for an empty border. Requires the hashes to be a valid border.
 */
export function rootFromBorder(border: readonly Uint8Array[]): Uint8Array {
  let i = border.length - 1;
  if (i < 0) return emptyRoot();
  let root = border[i] as Uint8Array;
  while (--i >= 0) root = hashChildren(border[i] as Uint8Array, root);
  return root;
}
