// The right border of the tree (a compact range over [0, size)): the hashes of the complete
// subtrees, biggest first, that together cover every leaf. It is all the state an append needs,
// and folding it right to left gives the root.

import type { MerkleNode } from '../log-head.js';
import { bit, onesCount } from './bits.js';
import { pageHashes } from '../page-hashes.js';
import { emptyRoot, HASH_SIZE, hashChildren } from './hasher.js';
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
  checkBorder(size, border);
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
 * The border of the tree after appending leaf hashes given back to back (32 bytes each): what
 * appendLeaves(size, border, ...).border gives, without the nodes. The block is cut into the
 * biggest complete subtrees it holds, and each level of each is hashed in one pageHashes call, so
 * verifying a page costs a dozen calls instead of one per node. Same requirements as appendLeaves.
 */
export function appendLeafBlock(size: number, border: readonly Uint8Array[], leaves: Uint8Array): Uint8Array[] {
  checkBorder(size, border);
  if (leaves.length % HASH_SIZE !== 0) throw new ProofError(`a block of leaf hashes cannot be ${leaves.length} bytes long`);
  const stack = border.slice();
  let s = size;
  for (let offset = 0; offset < leaves.length;) {
    // The biggest complete subtree that starts at leaf s and fits in what is left of the block.
    let height = 0;
    while (bit(s, height) === 0 && HASH_SIZE * 2 ** (height + 1) <= leaves.length - offset) height++;
    let level = leaves.subarray(offset, offset + HASH_SIZE * 2 ** height);
    for (let h = 0; h < height; h++) level = pageHashes.nodeHashes(level);
    // As in appendLeaves for the subtree's last leaf: its bits below `height` are ones (merged
    // above), and from `height` up they are those of s.
    let hash: Uint8Array = level;
    for (let l = height; bit(s, l) === 1; l++) hash = hashChildren(stack.pop() as Uint8Array, hash);
    stack.push(hash);
    s += 2 ** height;
    offset += HASH_SIZE * 2 ** height;
  }
  return stack;
}

function checkBorder(size: number, border: readonly Uint8Array[]): void {
  if (border.length !== onesCount(size)) {
    throw new ProofError(`border has ${border.length} hashes but a tree of size ${size} needs ${onesCount(size)}`);
  }
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
