// The verifier's fast path: a page of events given as the canonical texts and stored hashes the
// database wrote (store/canonical-rows.ts), checked without building a single event object.

import { bytesEqual } from './bytes.js';
import { HASH_SIZE } from './merkle/hasher.js';
import { pageHashes } from './page-hashes.js';

/** A page of consecutive events as a store writes them for verification; rows in seq order. */
export interface CanonicalRows {
  rows: number;
  firstSeq: number;
  lastSeq: number;
  /** Id of the event at lastSeq. */
  lastId: string;
  /** Per event, one 0x00 byte and its canonical text in UTF-8: the leaf hash inputs, back to back. */
  leafInputs: Uint8Array;
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

/**
 * The page's leaf hashes, 32 bytes per event, when every text hashes to its event's stored leaf
 * hash and every stored chain hash follows from the one before (the first from prevChain);
 * otherwise undefined.
 */
export function checkCanonicalRows(page: CanonicalRows, prevChain: Uint8Array): Uint8Array | undefined {
  const size = HASH_SIZE * page.rows;
  const { storedLeafHashes, storedChainHashes } = page;
  if (storedLeafHashes.length !== size || storedChainHashes.length !== size || page.leafInputs[0] !== 0) return undefined;
  const leaves = pageHashes.leafHashes(page.leafInputs);
  if (!bytesEqual(leaves, storedLeafHashes)) return undefined;
  if (!bytesEqual(pageHashes.chainHashes(prevChain, storedChainHashes, leaves), storedChainHashes)) return undefined;
  return leaves;
}

