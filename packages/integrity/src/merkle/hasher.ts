// RFC 6962 §2.1 / RFC 9162 §2.1.1 hashing with SHA-256: leaves and interior nodes are
// domain-separated by a one-byte prefix so a leaf can never be passed off as a node.

import { sha256, sha256Pair } from '../sha256.js';

/** Size in bytes of every hash in the tree. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
const EMPTY_ROOT = sha256(new Uint8Array(0));

/** MTH({}) = SHA-256(""). Returns a fresh copy, safe to mutate. */
export function emptyRoot(): Uint8Array {
  // A copy, because Buffer#slice would share memory with the constant.
  return new Uint8Array(EMPTY_ROOT);
}

/** SHA-256(0x00 || leaf). Any byte string is a valid leaf. */
export function hashLeaf(leaf: Uint8Array): Uint8Array {
  const prefixed = new Uint8Array(1 + leaf.length);
  prefixed[0] = LEAF_PREFIX;
  prefixed.set(leaf, 1);
  return sha256(prefixed);
}

/** SHA-256(0x00 || UTF-8(text)): the leaf hash of a text leaf without encoding it separately. */
export function hashTextLeaf(text: string): Uint8Array {
  return sha256(`\0${text}`);
}

/** SHA-256(0x01 || left || right). Requires left and right to be node hashes (not checked here). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256Pair(NODE_PREFIX, left, right);
}
