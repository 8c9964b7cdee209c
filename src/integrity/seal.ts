// Sealing: called by the store inside the append transaction, once per batch, after seq numbers
// have been assigned. One pass over the batch computes each leaf and chain hash and feeds the
// leaves to the Merkle border.

import type { CanonicalEvent } from '../domain/event.js';
import type { LogHead, SealedBatch, SealedEvent, Sealer } from '../store/port.js';
import { leafHashOf } from './canonical.js';
import { chainHash } from './chain.js';
import { appendLeaves } from './merkle/compact-range.js';

/**
 * The lowest level of complete subtrees that is persisted. Levels 1..3 are not stored: any such
 * node covers at most 8 leaves and is rebuilt from their leaf hashes when a proof needs it, so a
 * proof still reads O(log n) hashes while the store writes about one node row per 8 events
 * instead of one per event.
 */
export const STORED_MIN_LEVEL = 4;

/**
 * Seals events that continue the log described by `head`. Requires events[i].seq ===
 * head.size + 1 + i (else RangeError) and head.border to be the border of a tree of head.size
 * leaves (else ProofError). Pure: neither argument is modified.
 */
export const sealEvents: Sealer = (head: LogHead, events: CanonicalEvent[]): SealedBatch => {
  const sealed: SealedEvent[] = new Array<SealedEvent>(events.length);
  const leafHashes: Uint8Array[] = new Array<Uint8Array>(events.length);
  let chain = head.chainHash;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as CanonicalEvent;
    if (event.seq !== head.size + 1 + i) {
      throw new RangeError(`event ${event.id} has seq ${event.seq}, expected ${head.size + 1 + i}`);
    }
    const leafHash = leafHashOf(event);
    chain = chainHash(chain, leafHash);
    leafHashes[i] = leafHash;
    sealed[i] = { event, leafHash, chainHash: chain };
  }
  const { nodes, border } = appendLeaves(head.size, head.border, leafHashes);
  const stored = nodes.filter((node) => node.level >= STORED_MIN_LEVEL);
  return { events: sealed, nodes: stored, head: { size: head.size + events.length, chainHash: chain, border } };
};
