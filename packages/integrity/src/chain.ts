// The hash chain over a tenant's events: each row commits to the one before it, so a single
// forward walk detects a changed, missing or reordered row without any Merkle work.

import { sha256Pair } from './sha256.js';

/** 32 zero bytes, the "previous chain hash" of seq 1. Shared: never mutate it. */
export const ZERO_CHAIN: Uint8Array = new Uint8Array(32);

/** SHA-256(prevChain || leafHash). Requires both to be 32-byte hashes (not checked: hot path). */
export function chainHash(prevChain: Uint8Array, leafHash: Uint8Array): Uint8Array {
  return sha256Pair(undefined, prevChain, leafHash);
}
