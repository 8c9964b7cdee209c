// Sealing: called by the store inside the append transaction, once per batch, after seq numbers
// have been assigned. One pass over the batch computes each leaf and chain hash and feeds the
// leaves to the Merkle border; the batch's leaf hashes are one call, and its chain hashes another
// (page-hashes.ts, native when built).

import type { CanonicalEvent } from './event.js';
import type { LogHead, SealedBatch, SealedEvent, Sealer } from './log-head.js';
import { leafInputsOf } from './canonical.js';
import { pageHashes } from './page-hashes.js';
import { HASH_SIZE } from './merkle/hasher.js';
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
  events.forEach((event, i) => {
    if (event.seq !== head.size + 1 + i) throw new RangeError(`event ${event.id} has seq ${event.seq}, expected ${head.size + 1 + i}`);
  });
  const leaves = pageHashes.leafHashes(leafInputsOf(events));
  const chains = pageHashes.chainFrom(head.chainHash, leaves);
  const hashAt = (hashes: Uint8Array, i: number) => hashes.subarray(HASH_SIZE * i, HASH_SIZE * (i + 1));
  const sealed = events.map((event, i): SealedEvent => ({ event, leafHash: hashAt(leaves, i), chainHash: hashAt(chains, i) }));
  const { nodes, border } = appendLeaves(head.size, head.border, sealed.map((e) => e.leafHash));
  const stored = nodes.filter((node) => node.level >= STORED_MIN_LEVEL);
  const chainHash = events.length === 0 ? head.chainHash : hashAt(chains, events.length - 1);
  return { events: sealed, nodes: stored, head: { size: head.size + events.length, chainHash, border } };
};
