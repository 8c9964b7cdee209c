// The verifier's fast path: a page of events given as the canonical texts and stored hashes the
// database wrote (store/canonical-rows.ts), checked without building a single event object.

import { Buffer } from 'node:buffer';
import { sha256Text } from './sha256.js';

/** A page of consecutive events as a store writes them for verification; rows in seq order. */
export interface CanonicalRows {
  rows: number;
  firstSeq: number;
  lastSeq: number;
  /** Id of the event at lastSeq. */
  lastId: string;
  /** Per event, one 0x00 byte and its canonical text in UTF-8: the leaf hash inputs, back to back. */
  leafInputs: Uint8Array;
  /** Per event, its stored leaf hash then its stored chain hash: 64 bytes each. */
  storedHashes: Uint8Array;
  /**
   * False when some event holds a value the database cannot be trusted to write as canonicalText
   * would; such a page is only ever checked event by event.
   */
  exact: boolean;
}

/**
 * The page's leaf hashes when every text hashes to its event's stored leaf hash and every stored
 * chain hash follows from the one before (the first from prevChain); otherwise undefined.
 */
export function checkCanonicalRows(page: CanonicalRows, prevChain: Uint8Array): Uint8Array[] | undefined {
  const { rows } = page;
  if (page.storedHashes.length !== 64 * rows) return undefined;
  // prevChain, then leaf and chain hash per event: each event's chain hash input (previous chain
  // hash || leaf hash) is then 64 contiguous bytes, and its expected output the 32 after them.
  const hashes = Buffer.allocUnsafe(32 + 64 * rows);
  hashes.set(prevChain, 0);
  hashes.set(page.storedHashes, 32);
  // Digests come back as latin1 strings, compared in place against this copy: no allocation per hash.
  const expected = hashes.toString('latin1');
  const texts = Buffer.from(page.leafInputs.buffer, page.leafInputs.byteOffset, page.leafInputs.byteLength);
  const leaves = new Array<Uint8Array>(rows);
  let start = 0;
  for (let i = 0; i < rows; i++) {
    if (texts[start] !== 0) return undefined;
    let end = texts.indexOf(0, start + 1);
    if (end === -1) end = texts.length;
    const leafAt = 32 + 64 * i;
    if (!expected.startsWith(sha256Text(texts.subarray(start, end)), leafAt)) return undefined;
    if (!expected.startsWith(sha256Text(hashes.subarray(leafAt - 32, leafAt + 32)), leafAt + 32)) return undefined;
    leaves[i] = hashes.subarray(leafAt, leafAt + 32);
    start = end;
  }
  return start === texts.length ? leaves : undefined;
}
