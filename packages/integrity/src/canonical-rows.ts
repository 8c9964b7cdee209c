// The verifier's fast path: a page of events given as their canonical texts (or those texts'
// hashes) and the hashes the database stored (store/canonical-rows.ts), checked without building
// a single event object.

import { bytesEqual } from './bytes.js';
import { HASH_SIZE } from './merkle/hasher.js';
import { pageHashes } from './page-hashes.js';

/** A page of consecutive events as a store writes them for verification; rows in seq order. */
export type CanonicalRows = CanonicalRowsPage & (WithLeafInputs | WithComputedLeafHashes);

interface CanonicalRowsPage {
  rows: number;
  firstSeq: number;
  lastSeq: number;
  /** Id of the event at lastSeq. */
  lastId: string;
  /** Per event, its stored leaf hash: 32 bytes each. */
  storedLeafHashes: Uint8Array;
  /** Per event, its stored chain hash: 32 bytes each. */
  storedChainHashes: Uint8Array;
  /**
   * False when some event holds a value the database cannot be trusted to write as canonicalText
   * would; such a page is only ever checked event by event.
   */
  exact: boolean;
}

/** The texts, for the verifier to hash. */
export interface WithLeafInputs {
  /** Per event, one 0x00 byte and its canonical text in UTF-8: the leaf hash inputs, back to back. */
  leafInputs: Uint8Array;
  computedLeafHashes?: never;
}

/**
 * Their hashes, from a reader that hashes each text as it writes it, in this process, from the
 * columns the database sent: a page's texts are never kept (stele_postgres.c). Never hashes the
 * database stored.
 */
export interface WithComputedLeafHashes {
  /** Per event, the SHA-256 of its leaf hash input (0x00 and its canonical text): 32 bytes each. */
  computedLeafHashes: Uint8Array;
  leafInputs?: never;
}

/** The leaf hash of each event's text, 32 bytes per event; undefined when the texts are malformed. */
export function leafHashesOf(page: CanonicalRows): Uint8Array | undefined {
  if (page.computedLeafHashes) return page.computedLeafHashes;
  return page.leafInputs[0] === 0 ? pageHashes.leafHashes(page.leafInputs) : undefined;
}

/**
 * The page's leaf hashes, 32 bytes per event, when every text hashes to its event's stored leaf
 * hash and every stored chain hash follows from the one before (the first from prevChain);
 * otherwise undefined. Seqs inside `tombstones` (inclusive runs within the page) are taken at
 * their stored leaf hash instead of their text.
 */
export function checkCanonicalRows(page: CanonicalRows, prevChain: Uint8Array, tombstones: readonly (readonly [number, number, ...unknown[]])[] = []): Uint8Array | undefined {
  const size = HASH_SIZE * page.rows;
  const { storedLeafHashes, storedChainHashes } = page;
  if (storedLeafHashes.length !== size || storedChainHashes.length !== size) return undefined;
  let leaves = leafHashesOf(page);
  if (!leaves) return undefined;
  if (tombstones.length > 0) {
    // A tombstone's text is not its event's any more: its kept leaf hash stands for it (the
    // caller makes a forgetting record account for each one).
    leaves = new Uint8Array(leaves);
    for (const [from, to] of tombstones) {
      if (from < page.firstSeq || to > page.lastSeq || from > to) return undefined;
      const at = HASH_SIZE * (from - page.firstSeq);
      const end = HASH_SIZE * (to - page.firstSeq + 1);
      leaves.set(storedLeafHashes.subarray(at, end), at);
    }
  }
  if (!bytesEqual(leaves, storedLeafHashes)) return undefined;
  if (!bytesEqual(pageHashes.chainHashes(prevChain, storedChainHashes, leaves), storedChainHashes)) return undefined;
  return leaves;
}
