// What sealing a batch works on and produces: the state of a tenant's log that the next append
// builds on, and the hashes a store persists with the batch (seal.ts makes them).

import type { CanonicalEvent } from './event.js';

/** The state of a tenant's log that the next append builds on. */
export interface LogHead {
  /** Number of events in the log; the next event gets seq = size + 1. */
  size: number;
  /** Chain hash of the last event (32 zero bytes for an empty log). */
  chainHash: Uint8Array;
  /** Hashes of the complete subtrees on the Merkle tree's right border, left to right. */
  border: Uint8Array[];
}

/** A complete subtree's hash: level L, index i covers leaves [i·2^L, (i+1)·2^L). */
export interface MerkleNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

export interface SealedEvent {
  event: CanonicalEvent;
  leafHash: Uint8Array;
  chainHash: Uint8Array;
}

export interface SealedBatch {
  events: SealedEvent[];
  /** Complete-subtree nodes to persist (level >= STORED_MIN_LEVEL; level 0 is each event's leaf hash, levels between are rebuilt from leaves). */
  nodes: MerkleNode[];
  head: LogHead;
}

/** Computes hashes for events that have just been given their seq; pure, called inside the append transaction. */
export type Sealer = (head: LogHead, events: CanonicalEvent[]) => SealedBatch;
