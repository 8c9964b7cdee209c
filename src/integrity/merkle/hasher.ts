// RFC 6962 §2.1 / RFC 9162 §2.1.1 hashing with SHA-256: leaves and interior nodes are
// domain-separated by a one-byte prefix so a leaf can never be passed off as a node.

import { createHash } from 'node:crypto';

/** Size in bytes of every hash in the tree. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);
const EMPTY_ROOT = new Uint8Array(createHash('sha256').digest());

/** MTH({}) = SHA-256(""). Returns a fresh copy, safe to mutate. */
export function emptyRoot(): Uint8Array {
  // A copy, because Buffer#slice would share memory with the constant.
  return new Uint8Array(EMPTY_ROOT);
}

/** SHA-256(0x00 || leaf). Any byte string is a valid leaf. */
export function hashLeaf(leaf: Uint8Array): Uint8Array {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

/** SHA-256(0x01 || left || right). Requires left and right to be node hashes (not checked here). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}
