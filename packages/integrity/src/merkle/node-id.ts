// Identifiers of complete subtrees. Node (level, index) covers leaves
// [index * 2^level, (index + 1) * 2^level); level 0 nodes are the leaf hashes themselves.

import { bitLength, shl, shr, trailingZeros } from './bits.js';

export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Requires level >= 0 and index >= 0. */
export function nodeId(level: number, index: number): NodeId {
  return { level, index };
}

/** The half-open leaf range [begin, end) that a node covers. */
export function coverage(id: NodeId): { begin: number; end: number } {
  return { begin: shl(id.index, id.level), end: shl(id.index + 1, id.level) };
}

/** The node covering this node and its sibling. */
export function parent(id: NodeId): NodeId {
  return { level: id.level + 1, index: shr(id.index, 1) };
}

/** The other child of this node's parent. */
export function sibling(id: NodeId): NodeId {
  return { level: id.level, index: id.index % 2 === 0 ? id.index + 1 : id.index - 1 };
}

/**
 * The minimal list of complete subtrees that exactly covers [begin, end), left to right: levels
 * first rise along the range's left border, then fall along its right border (the order of
 * transparency-dev's compact.RangeNodes). Requires 0 <= begin <= end, both safe integers.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const ids: NodeId[] = [];
  let pos = begin;
  while (pos < end) {
    // The biggest subtree that starts at pos (alignment) and still fits before end.
    const fits = bitLength(end - pos) - 1;
    const level = pos === 0 ? fits : Math.min(trailingZeros(pos), fits);
    ids.push({ level, index: shr(pos, level) });
    pos += 2 ** level;
  }
  return ids;
}

/** The complete subtrees on the right border of a tree of `size` leaves, left to right. Requires size >= 0. */
export function borderNodes(size: number): NodeId[] {
  return rangeNodes(0, size);
}
